import { Cron } from 'croner';
import { TerminalError } from '@dataops/errors';

/**
 * Cron arithmetic in the schedule's time zone, by croner, which does what cron users expect on
 * daylight-saving days: a wall-clock time that does not exist (spring forward) fires once at the
 * next valid time, and one that occurs twice (fall back) fires once.
 */
export function parseCron(expression: string, timezone: string): Cron {
  try {
    return new Cron(expression, { timezone, paused: true, mode: '5-or-6-parts' });
  } catch (error) {
    throw new TerminalError(`invalid cron expression "${expression}" (${timezone}): ${(error as Error).message}`);
  }
}

export function nextFireTimes(expression: string, timezone: string, count: number, after: Date = new Date()): Date[] {
  return parseCron(expression, timezone).nextRuns(count, after);
}

/** Fire times in (from, to], oldest first, at most `limit` of them. */
export function fireTimesBetween(expression: string, timezone: string, from: Date, to: Date, limit = 1000): Date[] {
  const cron = parseCron(expression, timezone);
  const times: Date[] = [];
  let cursor = from;
  while (times.length < limit) {
    const next = cron.nextRun(cursor);
    if (!next || next.getTime() > to.getTime()) break;
    times.push(next);
    cursor = next;
  }
  return times;
}

/** "2026-11-24 03:00:00 CET" in the schedule's zone, for people. */
export function formatInZone(date: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(date);
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${get('timeZoneName')}`;
}

/** The calendar date of an instant in a zone: a scheduled run's logical date. */
export function dateInZone(date: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

/**
 * The longest gap between two consecutive fire times over the next few fires: how long a
 * pipeline may go without a run before it is late (a staleness alert adds its margin to this).
 */
export function schedulePeriodSeconds(schedule: { cron: string; timezone: string }, from: Date = new Date()): number {
  const times = nextFireTimes(schedule.cron, schedule.timezone, 8, from);
  let longest = 0;
  for (let index = 1; index < times.length; index += 1) longest = Math.max(longest, (times[index].getTime() - times[index - 1].getTime()) / 1000);
  return longest;
}
