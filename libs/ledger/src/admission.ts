/** What the scheduler decides about a run request. Pure, so the rules are unit-tested alone. */
export type Admission =
  /** start it now */
  | { kind: 'admit'; attempt: number; reason: string }
  /** wait for a running one to finish (overlap: queue) */
  | { kind: 'queue'; reason: string }
  /** never run it (overlap: skip) */
  | { kind: 'skip'; reason: string }
  /** the same run id is known already: one run, however often it is triggered */
  | { kind: 'duplicate'; reason: string };

export interface ExistingRun {
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
  attempt: number;
}

export interface AdmissionInput {
  existing?: ExistingRun;
  trigger: string;
  /** runs of the same pipeline that are running now, this one excluded */
  activeRuns: number;
  overlap: 'skip' | 'queue';
  maxConcurrentRuns: number;
  /** the scheduler releasing a queued run because a slot freed up */
  releasingQueued?: boolean;
}

export function decideAdmission(input: AdmissionInput): Admission {
  const { existing } = input;
  const hasSlot = input.activeRuns < input.maxConcurrentRuns;
  if ((existing?.status === 'failed' || existing?.status === 'cancelled') && input.trigger === 'retry') {
    return hasSlot
      ? { kind: 'admit', attempt: existing.attempt + 1, reason: `retry of a ${existing.status} run (attempt ${existing.attempt + 1})` }
      : { kind: 'queue', reason: `retry waits: ${input.activeRuns} run(s) of the pipeline active` };
  }
  if (existing?.status === 'queued') {
    if (!input.releasingQueued) return { kind: 'duplicate', reason: 'already queued' };
    return hasSlot ? { kind: 'admit', attempt: existing.attempt, reason: 'released from the queue' } : { kind: 'queue', reason: 'still no free slot' };
  }
  if (existing) return { kind: 'duplicate', reason: `run already ${existing.status}` };
  // a backfill asks for every date in its range: it waits its turn, it is never skipped
  const overlap = input.trigger === 'backfill' ? 'queue' : input.overlap;
  if (hasSlot) return { kind: 'admit', attempt: 1, reason: 'no overlapping run' };
  const busy = `${input.activeRuns} run(s) of the pipeline active (limit ${input.maxConcurrentRuns})`;
  return overlap === 'queue' ? { kind: 'queue', reason: `${busy}: queued` } : { kind: 'skip', reason: `${busy}: skipped by the overlap policy` };
}
