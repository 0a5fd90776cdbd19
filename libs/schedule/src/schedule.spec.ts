import { dateInZone, fireTimesBetween, formatInZone, nextFireTimes, schedulePeriodSeconds } from './fire-times';
import { silentLogger } from '@dataops/stage';
import { dueFireTimes } from './missed-runs';
import { ScheduleTicker } from './schedule-ticker';
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

describe('dueFireTimes', () => {
  const base = { cron: '0 * * * *', timezone: 'UTC', overlap: 'skip' as const, maxConcurrentRuns: 1 };
  const grace = 60_000;
  const down = new Date('2026-11-24T08:30:00Z');
  const up = new Date('2026-11-24T12:00:20Z');

  it('runs a fire time that came due since the last tick', () => {
    const times = dueFireTimes({ ...base, catchup: 'skip' }, new Date('2026-11-24T11:59:50Z'), up, grace);
    expect(iso(times)).toEqual(['2026-11-24T12:00:00.000Z']);
  });

  it('runs nothing missed under the skip policy, but still the one on time', () => {
    expect(iso(dueFireTimes({ ...base, catchup: 'skip' }, down, up, grace))).toEqual(['2026-11-24T12:00:00.000Z']);
    expect(dueFireTimes({ ...base, catchup: 'skip' }, down, new Date('2026-11-24T11:50:00Z'), grace)).toEqual([]);
  });

  it('runs only the latest fire time under the latest policy', () => {
    expect(iso(dueFireTimes({ ...base, catchup: 'latest' }, down, new Date('2026-11-24T11:50:00Z'), grace))).toEqual([
      '2026-11-24T11:00:00.000Z',
    ]);
  });

  it('runs every missed fire time, oldest first, under the all policy', () => {
    expect(iso(dueFireTimes({ ...base, catchup: 'all' }, down, up, grace))).toEqual([
      '2026-11-24T09:00:00.000Z',
      '2026-11-24T10:00:00.000Z',
      '2026-11-24T11:00:00.000Z',
      '2026-11-24T12:00:00.000Z',
    ]);
  });
});

describe('ScheduleTicker', () => {
  const schedule = { cron: '0 * * * *', timezone: 'Europe/Paris', overlap: 'skip' as const, catchup: 'latest' as const, maxConcurrentRuns: 1 };

  function memoryState(initial?: Date) {
    const seen = new Map<string, Date>(initial ? [['retail', initial]] : []);
    return { lastChecked: async (p: string) => seen.get(p), setLastChecked: async (p: string, at: Date) => void seen.set(p, at) };
  }

  it('starts from now on its first tick, so a new schedule does not replay history', async () => {
    const requested: string[] = [];
    const ticker = new ScheduleTicker({ retail: [schedule] }, memoryState(), async (run) => void requested.push(run.fireTime.toISOString()), silentLogger, 60_000);
    await ticker.tick(new Date('2026-11-24T12:00:10Z'));
    expect(requested).toEqual([]);
  });

  it('requests each due fire time once, with the logical date in the schedule zone', async () => {
    const runs: { fireTime: Date; logicalDate: string }[] = [];
    const state = memoryState(new Date('2026-11-24T22:59:50Z'));
    const ticker = new ScheduleTicker({ retail: [schedule] }, state, async (run) => void runs.push(run), silentLogger, 60_000);
    await ticker.tick(new Date('2026-11-24T23:00:05Z'));
    await ticker.tick(new Date('2026-11-24T23:00:15Z'));
    expect(runs.map((run) => [run.fireTime.toISOString(), run.logicalDate])).toEqual([['2026-11-24T23:00:00.000Z', '2026-11-25']]);
  });

  it('fires an hourly import and a nightly build of one pipeline as separate runs with their stages', async () => {
    const hourlyImport = { ...schedule, timezone: 'UTC', stages: ['ingest' as const] };
    const nightlyBuild = { ...schedule, cron: '0 0 * * *', timezone: 'UTC', stages: ['transform' as const, 'export' as const] };
    const runs: { fireTime: Date; stages?: string[] }[] = [];
    const ticker = new ScheduleTicker({ retail: [hourlyImport, nightlyBuild] }, memoryState(new Date('2026-11-24T22:59:50Z')), async (run) => void runs.push(run), silentLogger, 60_000);
    await ticker.tick(new Date('2026-11-24T23:00:05Z'));
    await ticker.tick(new Date('2026-11-25T00:00:05Z'));
    expect(runs.map((run) => [run.fireTime.toISOString(), run.stages?.join(',')])).toEqual([
      ['2026-11-24T23:00:00.000Z', 'ingest'],
      ['2026-11-25T00:00:00.000Z', 'ingest'],
      ['2026-11-25T00:00:00.000Z', 'transform,export'],
    ]);
    const ids = runs.slice(1).map((run) => scheduledRunId('retail', run.fireTime, run.stages as never));
    expect(ids).toEqual(['retail-ingest-20261125T000000Z', 'retail-transform-export-20261125T000000Z']);
  });
});

describe('run ids', () => {
  it('derives a scheduled run id from the pipeline and the scheduled time only', () => {
    const at = new Date('2026-11-25T01:00:00Z');
    expect(scheduledRunId('retail', at)).toBe(scheduledRunId('retail', new Date(at.getTime())));
    expect(scheduledRunId('retail', at)).toBe('retail-20261125T010000Z');
    expect(scheduledRunId('retail', at, ['ingest', 'transform', 'export'])).toBe('retail-20261125T010000Z');
    expect(scheduledRunId('retail', at, ['ingest'])).toBe('retail-ingest-20261125T010000Z');
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

describe('schedulePeriodSeconds', () => {
  it('is a day for a daily schedule and the longest gap for an irregular one', () => {
    expect(schedulePeriodSeconds({ cron: '0 2 * * *', timezone: 'UTC' }, new Date('2026-11-24T00:00:00Z'))).toBe(86_400);
    // weekdays only: Friday to Monday is the longest gap
    expect(schedulePeriodSeconds({ cron: '0 6 * * 1-5', timezone: 'UTC' }, new Date('2026-11-24T00:00:00Z'))).toBe(3 * 86_400);
  });
});
