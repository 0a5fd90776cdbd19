import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { RunDetails } from '@dataops/runs-api';
import type { CliContext } from '../context';
import { ExitCode } from '../exit-codes';
import { dateOption, runIdArgument, runsApi, stagesOption } from '../cli-helpers';
import { printSummary } from '../summary-report';
import { describeFigures, nextState, samplesFromAttempts, subjectFigures } from '../progress';
import { watchRun } from '../watch-run';

/** runs, status, retry, cancel, backfill: the scheduler's runs API from the terminal. */
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
        const runs = await runsApi(context, options.api).list(pipeline, Number(options.limit));
        if (options.json) return context.print(JSON.stringify(runs, null, 2));
        for (const run of runs) {
          // a stage the run does not cover shows as skipped: `ingest:succeeded transform:skipped …`
          const stages = Object.entries(run.stages).map(([stage, state]) => `${stage}:${state?.status}`).join(' ');
          context.print(`${run.runId.padEnd(40)} ${run.status.padEnd(9)} ${run.startedAt ?? '-'}  ${stages}`);
        }
      })(),
    );
  program
    .command('status')
    .description("one run's stages: attempts, who holds them, live progress and where each job's log is")
    .argument('<runId>')
    .option('--json', 'print JSON (with --follow: JSON lines, the progress samples, then the run summary)')
    .option('-f, --follow', 'follow the run until it ends, with live progress; exit 0 when it succeeded, 1 otherwise')
    .option('--timeout <minutes>', 'with --follow: give up after this long', '360')
    .option('--api <url>', 'scheduler API')
    .action((runId: string, options: { json?: boolean; follow?: boolean; timeout: string; api?: string }) =>
      (async () => {
        runIdArgument(runId);
        if (options.follow) return follow(context, runId, options);
        const details = await runsApi(context, options.api).get(runId);
        if (!details) {
          context.warn(`error: no run ${runId}`);
          context.fail(ExitCode.failed);
          return;
        }
        if (options.json) return context.print(JSON.stringify(details, null, 2));
        printSummary(details.run, context.print.bind(context));
        printAttempts(details, context.print.bind(context));
      })(),
    );
  program
    .command('retry')
    .description('re-run a failed or cancelled run (a new attempt; what was committed is not redone)')
    .argument('<runId>')
    .option('--api <url>', 'scheduler API')
    .action((runId: string, options: { api?: string }) =>
      (async () => {
        await runsApi(context, options.api).retry(runIdArgument(runId));
        context.print(`retry of ${runId} requested`);
      })(),
    );
  program
    .command('cancel')
    .description('stop a queued or running run: its job is stopped, nothing it still writes is published')
    .argument('<runId>')
    .option('--reason <text>', 'why (recorded in the ledger)', 'cancelled from the command line')
    .option('--api <url>', 'scheduler API')
    .action((runId: string, options: { reason: string; api?: string }) =>
      (async () => {
        await runsApi(context, options.api).cancel(runIdArgument(runId), options.reason, `${userInfo().username} (dataops cancel)`);
        context.print(`run ${runId} cancelled`);
      })(),
    );
  program
    .command('backfill')
    .description('one run per logical date in a range')
    .argument('<pipeline>')
    .requiredOption('--from <YYYY-MM-DD>')
    .requiredOption('--to <YYYY-MM-DD>')
    .option('--stages <list>', 'only these stages (e.g. transform,export to rebuild from the lake); default: all')
    .option('--api <url>', 'scheduler API')
    .action((pipeline: string, options: { from: string; to: string; stages?: string; api?: string }) =>
      (async () => {
        const runIds = await runsApi(context, options.api).backfill(pipeline, dateOption(options.from, '--from'), dateOption(options.to, '--to'), stagesOption(options.stages));
        for (const runId of runIds) context.print(`requested ${runId}`);
      })(),
    );
}

async function follow(context: CliContext, runId: string, options: { json?: boolean; timeout: string; api?: string }): Promise<void> {
  const client = runsApi(context, options.api);
  const summary = await watchRun(context, client, runId, { json: options.json ?? false, timeoutMs: Number(options.timeout) * 60_000 });
  if (options.json) context.print(JSON.stringify(summary));
  else printSummary(summary, context.print.bind(context));
  if (summary.status !== 'succeeded') context.fail(ExitCode.failed);
}

interface AttemptRow {
  stage?: string;
  attempt?: number;
  status?: string;
  workStatus?: string;
  tries?: number;
  owner?: string | null;
  leaseUntil?: string | null;
  logPath?: string | null;
  errorMessage?: string | null;
}

function printAttempts(details: RunDetails, print: (line: string) => void, now = Date.now()): void {
  if (details.attempts.length === 0) return;
  print('\nattempts:');
  for (const row of details.attempts as AttemptRow[]) {
    const holder = row.owner && row.workStatus === 'running' ? `  held by ${row.owner} until ${row.leaseUntil}` : '';
    print(`  ${String(row.stage).padEnd(10)} attempt ${row.attempt}  ${String(row.status).padEnd(10)} tries ${row.tries ?? '-'}${holder}`);
    // rows/s and time left from the figures the stage stored with their times (one sample each)
    for (const sample of samplesFromAttempts([row as Record<string, unknown>], row.attempt ?? 1, now)) {
      const state = nextState(undefined, sample);
      print(`    ${sample.subject}: ${describeFigures(subjectFigures(state, now))} (${state.phase ?? '…'})`);
    }
    if (row.errorMessage) print(`    error: ${row.errorMessage}`);
    if (row.logPath) print(`    log: ${row.logPath}`);
  }
  for (const decision of details.decisions) print(`  decision ${decision.decision}: ${decision.reason}`);
}
