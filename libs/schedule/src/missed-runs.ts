import type { ScheduleConfig } from '@dataops/config';
import { fireTimesBetween } from './fire-times';

/**
 * Which fire times to run after the scheduler was down from `lastCheck` to `now`, by the
 * pipeline's catch-up policy: none, only the latest, or all of them (oldest first, bounded).
 */
export function missedFireTimes(schedule: ScheduleConfig, lastCheck: Date, now: Date, limit = 100): Date[] {
  if (schedule.catchup === 'skip') return [];
  const missed = fireTimesBetween(schedule.cron, schedule.timezone, lastCheck, now, schedule.catchup === 'all' ? limit : 100_000);
  if (schedule.catchup === 'latest') return missed.slice(-1);
  return missed;
}
