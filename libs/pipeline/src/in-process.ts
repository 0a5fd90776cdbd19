import { makeEnvelope, stagesOf, Topics, type Envelope, type RunAdmitted, type RunSummary } from '@dataops/contracts';
import { applyStageEvent, newRunSummary } from '@dataops/ledger';
import type { StageLogger } from '@dataops/stage';
import { linksOf } from './chain';
import { StageExecutor, type StageObserver } from './stage-executor';
import { randomBytes } from 'node:crypto';
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
  const executor = new StageExecutor(stages, 'dataops-cli', observer);
  // one attempt of each stage in this process: its own id, so its files never meet another attempt's
  const attemptId = `cli-${randomBytes(4).toString('hex')}`;
  const covered = stagesOf(run.request);
  const scope = run.request.stages;
  let trigger: Envelope = makeEnvelope(Topics.runAdmitted, run.request, { runId: run.runId, pipeline: run.pipeline, producer: 'dataops-cli', stages: scope });
  let summary: RunSummary = { ...newRunSummary(run.runId, run.pipeline, run.request.logicalDate, scope), status: 'running', startedAt: trigger.occurredAt };
  const announce = (event: Envelope) => {
    observer.onEvent?.(event);
    summary = applyStageEvent(summary, event);
  };
  for (const link of linksOf(covered)) {
    announce(executor.started(link, trigger));
    const outcome = await executor.execute(link, trigger, { attemptId, signal, logger });
    announce(outcome.event);
    if (outcome.status === 'failed') {
      executor.reportFailure(link, trigger, outcome);
      break;
    }
    trigger = outcome.event;
  }
  return summary;
}
