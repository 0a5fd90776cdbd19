import { decideAdmission } from './admission';

const base = { trigger: 'schedule', activeRuns: 0, overlap: 'skip' as const, maxConcurrentRuns: 1 };

describe('decideAdmission', () => {
  it('admits a new run when no run of the pipeline is active', () => {
    expect(decideAdmission(base)).toMatchObject({ kind: 'admit', attempt: 1 });
  });

  it('treats a second trigger of a known run id as the same run', () => {
    expect(decideAdmission({ ...base, existing: { status: 'running', attempt: 1 } }).kind).toBe('duplicate');
    expect(decideAdmission({ ...base, existing: { status: 'succeeded', attempt: 1 } }).kind).toBe('duplicate');
  });

  it('skips an overlapping run under the skip policy', () => {
    expect(decideAdmission({ ...base, activeRuns: 1 }).kind).toBe('skip');
  });

  it('queues an overlapping run under the queue policy and admits it when released with a free slot', () => {
    expect(decideAdmission({ ...base, activeRuns: 1, overlap: 'queue' }).kind).toBe('queue');
    const queued = { status: 'queued' as const, attempt: 1 };
    expect(decideAdmission({ ...base, existing: queued, releasingQueued: true }).kind).toBe('admit');
    expect(decideAdmission({ ...base, existing: queued, activeRuns: 1, releasingQueued: true }).kind).toBe('queue');
    expect(decideAdmission({ ...base, existing: queued }).kind).toBe('duplicate');
  });

  it('queues a backfill run even under the skip policy', () => {
    expect(decideAdmission({ ...base, trigger: 'backfill', activeRuns: 1 }).kind).toBe('queue');
  });

  it('lets concurrent runs up to the pipeline limit', () => {
    expect(decideAdmission({ ...base, activeRuns: 1, maxConcurrentRuns: 2 }).kind).toBe('admit');
    expect(decideAdmission({ ...base, activeRuns: 2, maxConcurrentRuns: 2 }).kind).toBe('skip');
  });

  it('re-admits a failed run only when it is retried, with the next attempt number', () => {
    const failed = { status: 'failed' as const, attempt: 1 };
    expect(decideAdmission({ ...base, existing: failed, trigger: 'retry' })).toMatchObject({ kind: 'admit', attempt: 2 });
    expect(decideAdmission({ ...base, existing: failed }).kind).toBe('duplicate');
  });
});
