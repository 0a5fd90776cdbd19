import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { cronEntries, CrontabRepository, currentBlock, renderBlock, withBlock, withoutBlock } from '@dataops/crontab';
import type { CliContext } from '../context';
import { UsageError } from '../exit-codes';

export function registerCrontab(program: Command, context: CliContext): void {
  program
    .command('crontab')
    .description('install, show or remove the crontab entries that trigger the configured schedules')
    .argument('<action>', 'install | show | remove')
    .option('--log-dir <dir>', 'where cron runs write their output', resolve('.dataops/logs'))
    .action((action: string, options: { logDir: string }) =>
      (async () => {
        const crontab = new CrontabRepository();
        const current = await crontab.read();
        if (action === 'show') return context.print(currentBlock(current) ?? '(no dataops entries in this crontab)');
        if (action === 'remove') {
          await crontab.write(withoutBlock(current));
          return context.print('removed the dataops block from the crontab');
        }
        if (action !== 'install') throw new UsageError(`unknown action "${action}": use install, show or remove`);
        const loaded = context.loadConfig();
        mkdirSync(options.logDir, { recursive: true });
        const entries = cronEntries(loaded, {
          node: process.execPath,
          dataopsBin: resolve(__dirname, '..', '..', '..', '..', 'bin', 'dataops').replace('/dist/bin/', '/bin/'),
          configPath: loaded.path,
          logDir: resolve(options.logDir),
          systemTimeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        });
        await crontab.write(withBlock(current, renderBlock(entries)));
        context.print(`installed ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}:`);
        context.print(renderBlock(entries));
      })(),
    );
}
