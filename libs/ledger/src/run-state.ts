import {
  attemptOf,
  Topics,
  stageNames,
  type Envelope,
  type RunSummary,
  type StageName,
  type StageStatus,
  ingestCompletedV1,
  transformCompletedV1,
  exportCompletedV1,
  stageFailedV1,
  stagesOf,
} from '@dataops/contracts';

/**
 * How one stage event changes a run's summary. Pure: the ledger stores the result, the tests
 * replay event sequences in every order.
 *
 * Events of different topics have no order between them, and any of them may be delivered twice
 * or replayed from the beginning of a topic, so the machine only moves forward:
 * - a stage goes pending -> running -> succeeded | failed, never back (a late `started` after
 *   `completed` only fills in its start time);
 * - a run goes queued -> running -> succeeded | failed | cancelled, never back: a finished run
 *   never reopens, whatever arrives; a retry is an explicit new attempt (resetForRetry);
 * - an event of an older attempt changes nothing;
 * - the run succeeds when every stage it covers succeeded (in whatever order their events came),
 *   and fails at the first failed stage; late events may still fill in the details of their stage;
 * - a stage the run does not cover stays `skipped`, whatever arrives.
 */
export function applyStageEvent(summary: RunSummary, event: Envelope): RunSummary {
  const next: RunSummary = structuredClone(summary);
  const stage = stageOf(event.type);
  const covered = stagesOf({ stages: summary.covers });
  if (!stage || !covered.includes(stage) || attemptOf(event) !== (summary.attempt ?? 1)) return next;
  const kind = event.type.split('.').pop();
  const current = next.stages[stage];
  const settled = isSettled(current?.status);
  if (kind === 'started') {
    setStage(next, stage, settled ? { startedAt: current?.startedAt ?? event.occurredAt } : { status: 'running', startedAt: event.occurredAt });
    if (next.status === 'queued') next.status = 'running';
    next.startedAt ??= event.occurredAt;
  } else if (kind === 'completed' && !settled) {
    setStage(next, stage, { status: 'succeeded', startedAt: current?.startedAt ?? null, finishedAt: event.occurredAt, ...completedDetails(event) });
  } else if (kind === 'failed' && !settled) {
    const failure = stageFailedV1.parse(event.payload);
    setStage(next, stage, { status: 'failed', startedAt: current?.startedAt ?? null, finishedAt: event.occurredAt, logPath: failure.logPath ?? null });
    if (!isFinished(next)) {
      next.error = { stage, message: failure.message, errorClass: failure.errorClass, subject: failure.subject };
      finish(next, 'failed', event.occurredAt);
    }
  }
  if (!isFinished(next) && covered.every((name) => next.stages[name]?.status === 'succeeded')) {
    finish(next, 'succeeded', latest(covered.map((name) => next.stages[name]?.finishedAt ?? event.occurredAt)));
  }
  return next;
}

/** A new run: the stages it does not cover are `skipped` from the start (absent `covers`: all three). */
export function newRunSummary(runId: string, pipeline: string, logicalDate: string, covers?: StageName[]): RunSummary {
  const summary: RunSummary = { runId, pipeline, status: 'queued', attempt: 1, logicalDate, startedAt: null, finishedAt: null, stages: {} };
  if (!covers || stageNames.every((stage) => covers.includes(stage))) return summary;
  summary.covers = [...covers];
  for (const stage of stageNames) if (!covers.includes(stage)) setStage(summary, stage, { status: 'skipped' });
  return summary;
}

/**
 * An explicit retry: a new attempt of the same run. Every stage runs again (each is idempotent by
 * run id, so what was committed before is re-announced, not redone); the results stay visible
 * until the new attempt's events replace them.
 */
export function resetForRetry(summary: RunSummary): RunSummary {
  const next: RunSummary = structuredClone(summary);
  next.attempt = (summary.attempt ?? 1) + 1;
  next.status = 'running';
  next.finishedAt = null;
  delete next.error;
  for (const stage of stagesOf({ stages: summary.covers })) {
    const current = next.stages[stage];
    if (current) current.status = 'pending';
  }
  return next;
}

const FINISHED = new Set<RunSummary['status']>(['succeeded', 'failed', 'cancelled', 'skipped']);

export function isFinished(summary: RunSummary): boolean {
  return FINISHED.has(summary.status);
}

export function stageOf(type: string): StageName | undefined {
  const match = /^dataops\.(ingest|transform|export)\.(started|completed|failed)$/.exec(type);
  return match ? (match[1] as StageName) : undefined;
}

function isSettled(status: StageStatus | undefined): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled' || status === 'skipped';
}

function finish(summary: RunSummary, status: 'succeeded' | 'failed', at: string): void {
  summary.status = status;
  summary.finishedAt = at;
}

function latest(times: string[]): string {
  return times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}

function completedDetails(event: Envelope): Record<string, unknown> {
  switch (event.type) {
    case Topics.ingestCompleted: {
      const payload = ingestCompletedV1.parse(event.payload);
      return { tables: payload.tables, logPath: payload.logPath ?? null };
    }
    case Topics.transformCompleted: {
      const payload = transformCompletedV1.parse(event.payload);
      return { models: payload.models, checks: payload.checks, logPath: payload.logPath ?? null };
    }
    case Topics.exportCompleted: {
      const payload = exportCompletedV1.parse(event.payload);
      return { targets: payload.targets, logPath: payload.logPath ?? null };
    }
    default:
      return {};
  }
}

function setStage(summary: RunSummary, stage: StageName, patch: Record<string, unknown>): void {
  const previous = (summary.stages[stage] ?? { status: 'pending' }) as Record<string, unknown>;
  const empty = stage === 'ingest' ? { tables: [] } : stage === 'transform' ? { models: [], checks: [] } : { targets: [] };
  (summary.stages as Record<string, unknown>)[stage] = { ...empty, ...previous, ...patch };
}
