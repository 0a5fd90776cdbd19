import { makeEnvelope, Topics, type Envelope, type RunAdmitted, type RunSummary } from '@dataops/contracts';
import { applyStageEvent, newRunSummary } from '@dataops/ledger';
import type { StageLogger } from '@dataops/stage';
import { chain } from './chain';
import { StageWorker, type StageObserver } from './stage-worker';
import type { Stages } from './stages';

export interface InProcessRun {
  runId: string;
  pipeline: string;
  request: RunAdmitted;
}

/**
 * `dataops run`: the same chain and stage code as the services, with the events passed from one
 * stage to the next in memory instead of over Kafka. The summary is folded from those events
 * by the ledger's own function, so both paths describe a run the same way.
 */
export async function runInProcess(
  stages: Stages,
  run: InProcessRun,
  logger: StageLogger,
  observer: StageObserver & { onEvent?(event: Envelope): void } = {},
  signal?: AbortSignal,
): Promise<RunSummary> {
  const events: Envelope[] = [];
  const sink = {
    publish: async (event: Envelope) => {
      events.push(event);
      observer.onEvent?.(event);
    },
  };
  const worker = new StageWorker(stages, sink, 'dataops-cli', logger, observer);
  let trigger: Envelope = makeEnvelope(Topics.runAdmitted, run.request, { runId: run.runId, pipeline: run.pipeline, producer: 'dataops-cli' });
  let summary: RunSummary = { ...newRunSummary(run.runId, run.pipeline, run.request.logicalDate), status: 'running', startedAt: trigger.occurredAt };
  for (const link of chain) {
    const before = events.length;
    await worker.handle(link, trigger, { attempt: 1, maxAttempts: 1, signal });
    for (const event of events.slice(before)) summary = applyStageEvent(summary, event);
    const last = events[events.length - 1];
    if (last.type !== link.completed) break;
    trigger = last;
  }
  return summary;
}
