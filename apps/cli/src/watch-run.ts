import type { RunSummary } from '@dataops/contracts';
import { followRun, type RunDetails, type RunsApiClient } from '@dataops/runs-api';
import type { CliContext } from './context';
import { ProgressDisplay, samplesFromAttempts } from './progress';

export interface WatchOptions {
  /** stdout carries JSON lines (progress samples, then the summary); people read stderr */
  json: boolean;
  timeoutMs: number;
  /** called while the scheduler has not recorded the run, with the way to say something */
  notRecorded?: (say: (line: string) => void) => (waitedMs: number) => Promise<void> | void;
}

/**
 * Follows a run of the services through the runs API until it ends (`trigger --wait`,
 * `status --follow`): decisions, stage states and finished subjects once each, and the live
 * progress the stages store on their work rows. Returns the final summary; printing it is the
 * caller's.
 */
export async function watchRun(context: CliContext, client: RunsApiClient, runId: string, options: WatchOptions): Promise<RunSummary> {
  const display = new ProgressDisplay({ human: context.humanStream(options.json), json: options.json ? (line) => context.print(line) : undefined });
  const say = (line: string) => display.log(line);
  const seen = new Set<string>();
  const once = (line: string) => {
    if (seen.has(line)) return;
    seen.add(line);
    say(line);
  };
  try {
    return await followRun(
      client,
      runId,
      (details) => {
        for (const line of runLines(details)) once(line);
        for (const sample of samplesFromAttempts(details.attempts, details.run.attempt ?? 1)) display.sample(sample);
      },
      { timeoutMs: options.timeoutMs, onNotRecorded: options.notRecorded?.(say) },
    );
  } finally {
    display.stop();
  }
}

interface StageResults {
  status?: string;
  tables?: { table: string; rows: number }[];
  models?: { name: string; rows: number }[];
  targets?: { name: string; rows: number }[];
}

/** What a run says so far, as lines that never change once true: printed once each. */
export function runLines({ run, decisions }: RunDetails): string[] {
  const lines = decisions.map((decision) => `decision ${decision.decision}: ${decision.reason}`);
  for (const [stage, state] of Object.entries(run.stages) as [string, StageResults | undefined][]) {
    lines.push(`${stage}: ${state?.status}`);
    const finished = [
      ...(state?.tables ?? []).map((table) => [table.table, table.rows] as const),
      ...(state?.models ?? []).map((model) => [model.name, model.rows] as const),
      ...(state?.targets ?? []).map((target) => [target.name, target.rows] as const),
    ];
    for (const [subject, rows] of finished) lines.push(`  ${stage} ${subject}: ${rows} rows`);
  }
  return lines;
}
