import type { WorkProgress } from '@dataops/ledger';
import { recordProgress } from './work-runner';

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
