import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { runSummary, type RunSummary } from '@dataops/contracts';
import type { CliContext } from '../context';
import { ExitCode } from '../exit-codes';
import { hopLines, hopsOf, whereToLookLines } from '../hop-table';
import { printSummary } from '../summary-report';

interface ReportOptions {
  metrics?: string;
  logs?: string;
  dashboards?: string;
}

/** Prints a saved run summary (e.g. `trigger --wait --json > run.json`) as a report with locations. */
export function registerReport(program: Command, context: CliContext): void {
  program
    .command('report')
    .description('print a run summary file (JSON, or the JSON lines of --json) as a report: where everything landed, rows per hop, where to look')
    .argument('<summaryFile>')
    .option('--metrics <urls>', 'metrics URLs to list (comma-separated)')
    .option('--logs <dir>', "the services' log folder to list")
    .option('--dashboards <files>', 'Grafana dashboards to list (comma-separated)')
    .action((file: string, options: ReportOptions) =>
      (async () => {
        const summary = readSummary(readFileSync(file, 'utf8'));
        const loaded = context.loadConfig();
        const print = context.print.bind(context);
        printSummary(summary, print, loaded);
        print('\nrows per hop:');
        for (const line of hopLines(hopsOf(summary, loaded))) print(line);
        print('\nwhere to look:');
        const where = { metricsUrls: options.metrics?.split(','), logDir: options.logs, dashboards: options.dashboards?.split(',') };
        for (const line of whereToLookLines(summary, loaded, where)) print(line);
        if (summary.status !== 'succeeded') context.fail(ExitCode.failed);
      })(),
    );
}

/** A summary document, or JSON lines whose last line is the summary (what `--json` prints). */
export function readSummary(text: string): RunSummary {
  try {
    return runSummary.parse(JSON.parse(text));
  } catch {
    const last = text.trim().split('\n').at(-1) ?? '';
    return runSummary.parse(JSON.parse(last));
  }
}
