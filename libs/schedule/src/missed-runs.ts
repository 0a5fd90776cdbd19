import type { ScheduleConfig } from '@dataops/config';
import { fireTimesBetween } from './fire-times';

/**
 * The fire times to run now, given when the scheduler last looked. Times within `graceMs` of now
 * are on time and always run; older ones were missed while the scheduler was down and follow the
 * pipeline's catch-up policy: none, only the latest, or all of them (oldest first, bounded).
 */
export function dueFireTimes(schedule: ScheduleConfig, lastCheck: Date, now: Date, graceMs: number, limit = 100): Date[] {
  const due = fireTimesBetween(schedule.cron, schedule.timezone, lastCheck, now, 100_000);
  const onTime = due.filter((time) => time.getTime() > now.getTime() - graceMs);
  const missed = due.filter((time) => time.getTime() <= now.getTime() - graceMs);
  if (missed.length === 0 || schedule.catchup === 'skip') return onTime;
  if (schedule.catchup === 'latest') return due.slice(-1);
  return due.slice(-limit);
}
