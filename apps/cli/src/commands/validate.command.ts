import type { Command } from 'commander';
import { displayConfigPath } from '@dataops/config';
import type { CliContext } from '../context';

/**
 * `dataops validate [-c FILE]`: loads the config with every check the services run at start
 * (schema, references, cron, files and their modes). A bad config throws a ConfigError, which
 * main prints one problem per line, exit 2.
 */
export function registerValidateCommand(program: Command, context: CliContext): void {
  program
    .command('validate')
    .description('check the config: schema, references, schedules, model files and credentials files')
    .action(() => {
      const loaded = context.loadConfig();
      const names = Object.keys(loaded.config.pipelines);
      context.print(`ok: ${displayConfigPath(loaded.path)}: ${names.length} pipeline${names.length === 1 ? '' : 's'} (${names.join(', ')})`);
    });
}
