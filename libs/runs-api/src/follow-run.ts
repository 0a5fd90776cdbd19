import type { RunSummary } from '@dataops/contracts';
import type { RunDetails, RunsApiClient } from './runs-api-client';

const FINAL = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

/**
 * Polls a run until it ends, calling `onChange` each time its summary changes, so a terminal can
 * show stage by stage (and table by table) how far it got.
 */
export async function followRun(
  client: RunsApiClient,
  runId: string,
  onChange: (details: RunDetails) => void,
  options: { intervalMs?: number; timeoutMs?: number; signal?: AbortSignal; onNotRecorded?: (waitedMs: number) => Promise<void> | void } = {},
): Promise<RunSummary> {
  const start = Date.now();
  const deadline = start + (options.timeoutMs ?? 6 * 3600_000);
  let previous = '';
  while (Date.now() < deadline && !options.signal?.aborted) {
    const details = await client.get(runId).catch(async (error) => {
      // the scheduler restarting is no reason to give up on the run: say so and keep waiting
      await options.onNotRecorded?.(Date.now() - start);
      if (Date.now() - start > 120_000) throw error;
      return undefined;
    });
    if (!details) await options.onNotRecorded?.(Date.now() - start);
    if (details) {
      // live progress (stored by the stage's heartbeats) counts as a change too
      const fingerprint = JSON.stringify([details.run, details.attempts.map((attempt) => attempt.progress)]);
      if (fingerprint !== previous) {
        previous = fingerprint;
        onChange(details);
      }
      if (FINAL.has(details.run.status)) return details.run;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 1000));
  }
  throw new Error(`gave up waiting for run ${runId}; it may still be running: dataops status ${runId}`);
}
