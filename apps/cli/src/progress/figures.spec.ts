import {
  describeStage,
  describeSubject,
  formatCount,
  formatDuration,
  formatRate,
  nextState,
  rowsPerSecond,
  secondsLeft,
  stageFigures,
  type ProgressSample,
  type SubjectState,
} from './figures';
import { ProgressTracker, samplesFromAttempts } from './tracker';

const T0 = Date.parse('2026-11-29T03:00:00Z');
const sample = (at: number, figures: Partial<ProgressSample> = {}): ProgressSample => ({ stage: 'ingest', subject: 'orders', at, ...figures });
const fold = (...samples: ProgressSample[]) => samples.reduce<SubjectState | undefined>((state, next) => nextState(state, next), undefined)!;

describe('rate and time left', () => {
  it('counts rows per second from the first active sample, not before a second has passed', () => {
    expect(rowsPerSecond({ rows: 0, at: T0 }, 10_000, T0 + 4000)).toBe(2500);
    expect(rowsPerSecond({ rows: 0, at: T0 }, 10_000, T0 + 500)).toBeUndefined();
    expect(rowsPerSecond({ rows: 500, at: T0 }, 500, T0 + 9000)).toBeUndefined();
    expect(rowsPerSecond(undefined, 500, T0)).toBeUndefined();
  });

  it('tells the time left from the estimate and the rate, counting down from the sample', () => {
    expect(secondsLeft(10_000, 50_000, 2000, T0, T0)).toBe(20);
    expect(secondsLeft(10_000, 50_000, 2000, T0, T0 + 5000)).toBe(15);
    expect(secondsLeft(60_000, 50_000, 2000, T0, T0)).toBe(0);
    expect(secondsLeft(10_000, undefined, 2000, T0, T0)).toBeUndefined();
    expect(secondsLeft(10_000, 50_000, undefined, T0, T0)).toBeUndefined();
  });

  it('starts the clock at the stored start (rows 0 then), or at the first sighting', () => {
    expect(fold(sample(T0 + 10_000, { rows: 5000, startedAt: T0 })).from).toEqual({ rows: 0, at: T0 });
    expect(fold(sample(T0, { rows: 5000 }), sample(T0 + 5000, { rows: 15_000 })).from).toEqual({ rows: 5000, at: T0 });
  });

  it('starts no clock for a queued subject, only keeps its estimate', () => {
    const state = fold(sample(T0, { phase: 'queued', estimatedRows: 1000 }), sample(T0 + 7000, { phase: 'reading' }));
    expect(state.from).toEqual({ rows: 0, at: T0 + 7000 });
    expect(state.estimatedRows).toBe(1000);
  });
});

describe('formatting', () => {
  it('writes counts, rates and durations for people', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect([formatRate(850), formatRate(3400), formatRate(12_345), formatRate(2.5e6)]).toEqual(['850 rows/s', '3,400 rows/s', '12.3k rows/s', '2.5M rows/s']);
    expect([formatDuration(42), formatDuration(125), formatDuration(3725)]).toEqual(['42s', '2m05s', '1h02m']);
  });

  it('describes a subject without the colon of its finished line', () => {
    const state = fold(sample(T0, { rows: 0, estimatedRows: 50_000, phase: 'reading' }), sample(T0 + 4000, { rows: 12_000, phase: 'reading' }));
    expect(describeSubject(state, T0 + 4000)).toBe('ingest  orders  12,000 of ~50,000 rows, 3,000 rows/s, ~13s left (reading)');
    expect(describeSubject(fold(sample(T0, { rows: 0, phase: 'writing', stage: 'transform', subject: 'facts' })), T0)).toBe('transform  facts  (writing)');
  });

  it('sums a stage: rows over the time since its first subject started, and the rows still expected', () => {
    const states = [
      fold(sample(T0, { subject: 'a', phase: 'reading', estimatedRows: 10_000 }), sample(T0 + 5000, { subject: 'a', rows: 10_000, done: true })),
      fold(sample(T0 + 1000, { subject: 'b', phase: 'reading', estimatedRows: 30_000 })),
      fold(sample(T0, { stage: 'transform', subject: 'm', rows: 7 })),
    ];
    const figures = stageFigures('ingest', states, T0 + 5000);
    expect(figures).toMatchObject({ rows: 10_000, estimatedRows: 40_000, rowsPerSecond: 2000, secondsLeft: 15, done: 1, subjects: 2 });
    expect(describeStage(figures)).toBe('ingest  1 of 2 done  10,000 of ~40,000 rows, 2,000 rows/s, ~15s left');
  });
});

describe(ProgressTracker.name, () => {
  it('takes a sample only when it brings new figures (the API repeats the stored ones on every poll)', () => {
    const tracker = new ProgressTracker();
    expect(tracker.record(sample(T0, { rows: 1, phase: 'reading' }))).toBeDefined();
    expect(tracker.record(sample(T0 + 1000, { rows: 1, phase: 'reading' }))).toBeUndefined();
    expect(tracker.record(sample(T0 + 2000, { rows: 2, phase: 'reading' }))?.rows).toBe(2);
    expect(tracker.all).toHaveLength(1);
  });

  it("reads the current attempt's stored progress with the stage's own times", () => {
    const attempts = [
      { stage: 'ingest', attempt: 1, progress: { orders: { rows: 5, phase: 'reading', at: '2026-11-29T03:00:10Z', startedAt: '2026-11-29T03:00:00Z' } } },
      { stage: 'ingest', attempt: 2, progress: { orders: { rows: 9, phase: 'done', at: '2026-11-29T03:01:00Z' } } },
    ];
    expect(samplesFromAttempts(attempts, 2)).toEqual([{ stage: 'ingest', subject: 'orders', rows: 9, estimatedRows: undefined, phase: 'done', done: true, at: Date.parse('2026-11-29T03:01:00Z'), startedAt: undefined }]);
    expect(samplesFromAttempts(attempts, 1)[0]).toMatchObject({ at: T0 + 10_000, startedAt: T0 });
  });
});
