import { dateInZone, fireTimesBetween, formatInZone, nextFireTimes } from './fire-times';
import { missedFireTimes } from './missed-runs';
import { backfillRunId, manualRunId, scheduledRunId } from './run-id';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

describe('nextFireTimes', () => {
  it('fires a wall-clock time that does not exist on the spring-forward day once, at the next valid time', () => {
    // Europe/Paris jumps from 02:00 to 03:00 on 2026-03-29: 02:30 does not exist that day
    const times = nextFireTimes('30 2 * * *', 'Europe/Paris', 3, new Date('2026-03-28T00:00:00Z'));
    expect(iso(times)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  it('fires a wall-clock time that occurs twice on the fall-back day once', () => {
    // Europe/Paris goes back from 03:00 to 02:00 on 2026-10-25: 02:30 happens twice
    const times = nextFireTimes('30 2 * * *', 'Europe/Paris', 3, new Date('2026-10-24T12:00:00Z'));
    expect(iso(times)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z']);
  });

  it('reads the expression in the schedule time zone, not the host one', () => {
    const [paris] = nextFireTimes('0 2 * * *', 'Europe/Paris', 1, new Date('2026-11-24T12:00:00Z'));
    const [utc] = nextFireTimes('0 2 * * *', 'UTC', 1, new Date('2026-11-24T12:00:00Z'));
    expect(paris.toISOString()).toBe('2026-11-25T01:00:00.000Z');
    expect(utc.toISOString()).toBe('2026-11-25T02:00:00.000Z');
  });

  it('rejects an invalid expression with a message naming it', () => {
    expect(() => nextFireTimes('61 * * * *', 'UTC', 1)).toThrow(/invalid cron expression "61 \* \* \* \*"/);
  });
});

describe('missedFireTimes', () => {
  const base = { cron: '0 * * * *', timezone: 'UTC', overlap: 'skip' as const, maxConcurrentRuns: 1 };
  const down = new Date('2026-11-24T08:30:00Z');
  const up = new Date('2026-11-24T12:10:00Z');

  it('runs nothing missed under the skip policy', () => {
    expect(missedFireTimes({ ...base, catchup: 'skip' }, down, up)).toEqual([]);
  });

  it('runs only the latest missed time under the latest policy', () => {
    expect(iso(missedFireTimes({ ...base, catchup: 'latest' }, down, up))).toEqual(['2026-11-24T12:00:00.000Z']);
  });

  it('runs every missed time, oldest first, under the all policy', () => {
    expect(iso(missedFireTimes({ ...base, catchup: 'all' }, down, up))).toEqual([
      '2026-11-24T09:00:00.000Z',
      '2026-11-24T10:00:00.000Z',
      '2026-11-24T11:00:00.000Z',
      '2026-11-24T12:00:00.000Z',
    ]);
  });
});

describe('run ids', () => {
  it('derives a scheduled run id from the pipeline and the scheduled time only', () => {
    const at = new Date('2026-11-25T01:00:00Z');
    expect(scheduledRunId('retail', at)).toBe(scheduledRunId('retail', new Date(at.getTime())));
    expect(scheduledRunId('retail', at)).toBe('retail-20261125T010000Z');
  });

  it('makes manual run ids unique and sortable by time', () => {
    const earlier = manualRunId('retail', new Date('2026-11-24T10:00:00Z'));
    const later = manualRunId('retail', new Date('2026-11-24T11:00:00Z'));
    expect(earlier < later).toBe(true);
    expect(manualRunId('retail')).not.toBe(manualRunId('retail'));
  });

  it('derives one backfill run per logical date', () => {
    expect(backfillRunId('retail', '2026-11-01')).toBe('retail-backfill-20261101');
  });
});

describe('time zone helpers', () => {
  it('formats an instant in the schedule zone', () => {
    expect(formatInZone(new Date('2026-11-25T01:00:00Z'), 'Europe/Paris')).toBe('2026-11-25 02:00:00 GMT+1');
  });

  it('gives the logical date of a run in the schedule zone', () => {
    expect(dateInZone(new Date('2026-11-24T23:30:00Z'), 'Europe/Paris')).toBe('2026-11-25');
    expect(fireTimesBetween('0 0 * * *', 'UTC', new Date('2026-11-01T00:00:00Z'), new Date('2026-11-03T00:00:00Z'))).toHaveLength(2);
  });
});
