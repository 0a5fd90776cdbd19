import {
  Topics,
  type Envelope,
  type RunSummary,
  type StageName,
  ingestCompletedV1,
  transformCompletedV1,
  exportCompletedV1,
  stageFailedV1,
} from '@dataops/contracts';

/**
 * How one stage event changes a run's summary. Pure: the ledger stores the result, the tests
 * replay event sequences. The last stage's completion finishes the run; any failure does too.
 */
export function applyStageEvent(summary: RunSummary, event: Envelope): RunSummary {
  const next: RunSummary = structuredClone(summary);
  const stage = stageOf(event.type);
  if (!stage) return next;
  const kind = event.type.split('.').pop();
  if (kind === 'started') {
    next.status = 'running';
    next.startedAt ??= event.occurredAt;
    setStage(next, stage, { status: 'running' });
  } else if (kind === 'completed') {
    setStage(next, stage, { status: 'succeeded', ...completedDetails(event) });
    if (stage === 'export') finish(next, 'succeeded', event.occurredAt);
  } else if (kind === 'failed') {
    const failure = stageFailedV1.parse(event.payload);
    setStage(next, stage, { status: 'failed' });
    next.error = { stage, message: failure.message, errorClass: failure.errorClass, subject: failure.subject };
    finish(next, 'failed', event.occurredAt);
  }
  return next;
}

export function newRunSummary(runId: string, pipeline: string, logicalDate: string): RunSummary {
  return { runId, pipeline, status: 'queued', logicalDate, startedAt: null, finishedAt: null, stages: {} };
}

/** A retried run starts again from its failed stage; what succeeded before stays. */
export function resetForRetry(summary: RunSummary): RunSummary {
  const next: RunSummary = structuredClone(summary);
  next.status = 'running';
  next.finishedAt = null;
  delete next.error;
  for (const stage of ['ingest', 'transform', 'export'] as const) {
    const current = next.stages[stage];
    if (current && current.status !== 'succeeded') current.status = 'pending';
  }
  return next;
}

export function isFinished(summary: RunSummary): boolean {
  return summary.status === 'succeeded' || summary.status === 'failed';
}

export function stageOf(type: string): StageName | undefined {
  const match = /^dataops\.(ingest|transform|export)\.(started|completed|failed)$/.exec(type);
  return match ? (match[1] as StageName) : undefined;
}

function finish(summary: RunSummary, status: 'succeeded' | 'failed', at: string): void {
  summary.status = status;
  summary.finishedAt = at;
}

function completedDetails(event: Envelope): Record<string, unknown> {
  switch (event.type) {
    case Topics.ingestCompleted:
      return { tables: ingestCompletedV1.parse(event.payload).tables };
    case Topics.transformCompleted: {
      const payload = transformCompletedV1.parse(event.payload);
      return { models: payload.models, checks: payload.checks };
    }
    case Topics.exportCompleted:
      return { targets: exportCompletedV1.parse(event.payload).targets };
    default:
      return {};
  }
}

function setStage(summary: RunSummary, stage: StageName, patch: Record<string, unknown>): void {
  const previous = (summary.stages[stage] ?? {}) as Record<string, unknown>;
  const empty = stage === 'ingest' ? { tables: [] } : stage === 'transform' ? { models: [], checks: [] } : { targets: [] };
  (summary.stages as Record<string, unknown>)[stage] = { ...empty, ...previous, ...patch };
}
