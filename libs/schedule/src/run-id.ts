import { randomBytes } from 'node:crypto';

/**
 * Run ids sort by time. A scheduled run's id is derived from (pipeline, scheduled time) only, so
 * the same trigger sent twice (two scheduler replicas, cron and the service) is one run.
 */
export function scheduledRunId(pipeline: string, scheduledAt: Date): string {
  return `${pipeline}-${compactUtc(scheduledAt)}`;
}

export function manualRunId(pipeline: string, now: Date = new Date()): string {
  return `${pipeline}-${compactUtc(now)}-${randomBytes(3).toString('hex')}`;
}

/** A backfill run per logical date is also derived, so re-running a backfill does not duplicate it. */
export function backfillRunId(pipeline: string, logicalDate: string): string {
  return `${pipeline}-backfill-${logicalDate.replaceAll('-', '')}`;
}

function compactUtc(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}
