import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { runSummary } from '@dataops/contracts';
import type { CliContext } from '../context';
import { ExitCode } from '../exit-codes';
import { printSummary } from '../summary-report';

/** Prints a saved run summary (e.g. `trigger --wait --json > run.json`) as a report with locations. */
export function registerReport(program: Command, context: CliContext): void {
  program
    .command('report')
    .description('print a run summary JSON file as a report of where everything landed')
    .argument('<summaryFile>')
    .option('--metrics <urls>', 'metrics URLs to list (comma-separated)')
    .action((file: string, options: { metrics?: string }) =>
      (async () => {
        const summary = runSummary.parse(JSON.parse(readFileSync(file, 'utf8')));
        printSummary(summary, context.print.bind(context), context.loadConfig(), options.metrics?.split(',') ?? []);
        if (summary.status !== 'succeeded') context.fail(ExitCode.failed);
      })(),
    );
}
