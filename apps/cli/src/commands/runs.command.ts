import type { Command } from 'commander';
import { RunsApiClient } from '@dataops/runs-api';
import type { CliContext } from '../context';
import { ExitCode } from '../exit-codes';
import { apiUrl } from '../cli-helpers';
import { printSummary } from '../summary-report';

/** runs, status, retry, backfill: the scheduler's runs API from the terminal. */
export function registerRunsApi(program: Command, context: CliContext): void {
  program
    .command('runs')
    .description('run history, newest first')
    .argument('[pipeline]')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .option('--api <url>', 'scheduler API')
    .action((pipeline: string | undefined, options: { limit: string; json?: boolean; api?: string }) =>
      (async () => {
        const runs = await new RunsApiClient(apiUrl(options.api)).list(pipeline, Number(options.limit));
        if (options.json) return context.print(JSON.stringify(runs, null, 2));
        for (const run of runs) {
          const stages = Object.entries(run.stages).map(([stage, state]) => `${stage}:${state?.status}`).join(' ');
          context.print(`${run.runId.padEnd(40)} ${run.status.padEnd(9)} ${run.startedAt ?? '-'}  ${stages}`);
        }
      })(),
    );
  program
    .command('status')
    .description("one run's stages")
    .argument('<runId>')
    .option('--json', 'print JSON')
    .option('--api <url>', 'scheduler API')
    .action((runId: string, options: { json?: boolean; api?: string }) =>
      (async () => {
        const details = await new RunsApiClient(apiUrl(options.api)).get(runId);
        if (!details) {
          context.warn(`error: no run ${runId}`);
          context.fail(ExitCode.failed);
          return;
        }
        if (options.json) return context.print(JSON.stringify(details, null, 2));
        printSummary(details.run, context.print.bind(context));
        for (const attempt of details.attempts) context.print(`  attempt ${JSON.stringify(attempt)}`);
      })(),
    );
  program
    .command('retry')
    .description('re-run a failed run from its failed stage')
    .argument('<runId>')
    .option('--api <url>', 'scheduler API')
    .action((runId: string, options: { api?: string }) =>
      (async () => {
        await new RunsApiClient(apiUrl(options.api)).retry(runId);
        context.print(`retry of ${runId} requested`);
      })(),
    );
  program
    .command('backfill')
    .description('one run per logical date in a range')
    .argument('<pipeline>')
    .requiredOption('--from <YYYY-MM-DD>')
    .requiredOption('--to <YYYY-MM-DD>')
    .option('--api <url>', 'scheduler API')
    .action((pipeline: string, options: { from: string; to: string; api?: string }) =>
      (async () => {
        const runIds = await new RunsApiClient(apiUrl(options.api)).backfill(pipeline, options.from, options.to);
        for (const runId of runIds) context.print(`requested ${runId}`);
      })(),
    );
}
