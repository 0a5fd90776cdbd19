import type { WorkProgress } from '@dataops/ledger';
import { heartbeatDue, recordProgress } from './work-runner';

describe(recordProgress.name, () => {
  it('stores when each subject started moving rows, so a reader can tell rows per second from one look', () => {
    const progress: WorkProgress = {};
    recordProgress(progress, { stage: 'ingest', subject: 'orders', estimatedRows: 900, phase: 'queued' }, new Date('2026-11-29T03:00:00Z'));
    expect(progress.orders).toMatchObject({ estimatedRows: 900, phase: 'queued', startedAt: undefined });
    recordProgress(progress, { stage: 'ingest', subject: 'orders', phase: 'reading' }, new Date('2026-11-29T03:00:05Z'));
    recordProgress(progress, { stage: 'ingest', subject: 'orders', rows: 900, done: true }, new Date('2026-11-29T03:00:14Z'));
    expect(progress.orders).toEqual({ rows: 900, bytes: undefined, estimatedRows: 900, phase: 'done', at: '2026-11-29T03:00:14.000Z', startedAt: '2026-11-29T03:00:05.000Z' });
  });
});

describe(heartbeatDue.name, () => {
  it('writes new progress at once and otherwise only when the lease needs renewing', () => {
    const last = { at: 0, figures: '{"orders":{"rows":1}}' };
    expect(heartbeatDue(last, '{"orders":{"rows":2}}', 2000, 10_000)).toBe(true);
    expect(heartbeatDue(last, last.figures, 2000, 10_000)).toBe(false);
    expect(heartbeatDue(last, last.figures, 10_000, 10_000)).toBe(true);
  });
});
