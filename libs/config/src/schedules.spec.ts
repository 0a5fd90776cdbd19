import { deliveringStage, schedulesOf } from './schedules';

const schedule = (stages?: ('ingest' | 'transform' | 'export')[]) => ({ cron: '0 * * * *', timezone: 'UTC', overlap: 'skip' as const, catchup: 'latest' as const, maxConcurrentRuns: 1, stages });

describe('schedules of a pipeline', () => {
  it('reads one schedule, several, or none', () => {
    expect(schedulesOf({ schedule: schedule() })).toHaveLength(1);
    expect(schedulesOf({ schedules: [schedule(['ingest']), schedule(['transform', 'export'])] })).toHaveLength(2);
    expect(schedulesOf({})).toEqual([]);
  });

  it('delivers at export when a schedule runs it, whatever imports hourly', () => {
    expect(deliveringStage({ schedules: [schedule(['ingest']), schedule(['transform', 'export'])] })).toBe('export');
    expect(deliveringStage({ schedule: schedule() })).toBe('export');
    expect(deliveringStage({})).toBe('export');
  });

  it('delivers at the last stage scheduled for a pipeline that only fills the lake', () => {
    expect(deliveringStage({ schedules: [schedule(['ingest'])] })).toBe('ingest');
  });
});
