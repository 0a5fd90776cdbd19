import { randomBytes } from 'node:crypto';
import { coversEveryStage, type StageName } from '@dataops/contracts';

/**
 * Run ids sort by time. A scheduled run's id is derived from (pipeline, stages, scheduled time)
 * only, so the same trigger sent twice (two scheduler replicas, cron and the service) is one run,
 * while the hourly import and the nightly build firing at the same midnight are two:
 * `retail-20261129T000000Z` (every stage), `retail-ingest-20261129T000000Z` (import only).
 */
export function scheduledRunId(pipeline: string, scheduledAt: Date, stages?: readonly StageName[]): string {
  return `${pipeline}-${scopeOf(stages)}${compactUtc(scheduledAt)}`;
}

export function manualRunId(pipeline: string, now: Date = new Date()): string {
  return `${pipeline}-${compactUtc(now)}-${randomBytes(3).toString('hex')}`;
}

/** A backfill run per logical date is also derived, so re-running a backfill does not duplicate it. */
export function backfillRunId(pipeline: string, logicalDate: string, stages?: readonly StageName[]): string {
  return `${pipeline}-backfill-${scopeOf(stages)}${logicalDate.replaceAll('-', '')}`;
}

/** `ingest-` or `transform-export-` for a run of some stages; nothing for a run of all of them. */
function scopeOf(stages: readonly StageName[] | undefined): string {
  return coversEveryStage(stages) ? '' : `${stages!.join('-')}-`;
}

function compactUtc(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}
