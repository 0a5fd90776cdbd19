import { makeEnvelope, runRequestedV1, Topics, type Envelope, type RunRequested, type RunSummary, type StageName } from '@dataops/contracts';
import { TerminalError } from '@dataops/errors';
import type { StageLogger } from '@dataops/stage';
import type { Admission } from './admission';
import type { AdmissionPolicy, CancelOutcome, RunLedger, RunRequest } from './ledger';
import type { EventSink } from './outbox';

export interface RunCoordinatorOptions {
  /** the overlap policy and concurrency limit of a pipeline's runs of these stages; undefined for an unknown pipeline */
  policyOf(pipeline: string, stages?: StageName[]): AdmissionPolicy | undefined;
  /** the outbox has something new to publish */
  onOutbox?(): void;
  onFinished?(summary: RunSummary): void;
}

const PRODUCER = 'dataops-scheduler';

/**
 * The scheduler's side of every run: it admits requested runs (one run per run id, overlap and
 * concurrency rules), keeps the ledger from the stage events, cancels runs and releases queued
 * ones. Every announcement it makes goes through the ledger's outbox.
 */
export class RunCoordinator {
  constructor(
    private readonly ledger: RunLedger,
    private readonly sink: EventSink,
    private readonly logger: StageLogger,
    private readonly options: RunCoordinatorOptions,
  ) {}

  async onRunRequested(event: Envelope): Promise<Admission | undefined> {
    const request: RunRequest = { ...runRequestedV1.parse(event.payload), runId: event.runId, pipeline: event.pipeline };
    const policy = this.options.policyOf(request.pipeline, request.stages);
    if (!policy) {
      // another deployment's pipeline on a shared cluster, or a typo: nothing is recorded for it
      // (`dataops trigger --wait` asks GET /pipelines and says so)
      this.logger.warn(`run request ignored: unknown pipeline "${request.pipeline}" (not in this scheduler's configuration)`, { runId: request.runId, pipeline: request.pipeline });
      return undefined;
    }
    const admission = await this.ledger.admit(request, policy);
    this.logger.info(`run ${admission.kind}: ${admission.reason}`, { runId: request.runId, pipeline: request.pipeline, trigger: request.trigger });
    this.options.onOutbox?.();
    return admission;
  }

  async onStageEvent(event: Envelope): Promise<void> {
    const recorded = await this.ledger.record(event);
    if (!recorded.finished || !recorded.summary) return;
    this.finished(recorded.summary);
    await this.releaseQueued(event.pipeline);
  }

  async request(pipeline: string, request: RunRequested, runId: string): Promise<void> {
    this.policy(pipeline, request.stages);
    await this.sink.publish(makeEnvelope(Topics.runRequested, request, { runId, pipeline, producer: PRODUCER }));
  }

  async retry(runId: string): Promise<RunSummary> {
    const summary = await this.ledger.get(runId);
    const original = await this.ledger.request(runId);
    if (!summary || !original) throw new TerminalError(`no run ${runId} in the ledger`, { subject: runId });
    if (summary.status !== 'failed' && summary.status !== 'cancelled') {
      throw new TerminalError(`run ${runId} is ${summary.status}; only a failed or cancelled run can be retried`, { subject: runId });
    }
    const request: RunRequested = { trigger: 'retry', logicalDate: original.logicalDate, tables: original.tables, fullRefresh: original.fullRefresh, stages: original.stages };
    await this.request(summary.pipeline, request, runId);
    return summary;
  }

  async cancel(runId: string, by: string, reason: string): Promise<CancelOutcome> {
    const outcome = await this.ledger.cancel(runId, by, reason);
    if (!outcome.cancelled) return outcome;
    this.logger.info(`run cancelled by ${by}: ${reason}`, { runId, pipeline: outcome.summary.pipeline });
    this.finished(outcome.summary);
    await this.releaseQueued(outcome.summary.pipeline);
    return outcome;
  }

  private finished(summary: RunSummary): void {
    this.logger.info(`run ${summary.status}`, { runId: summary.runId, pipeline: summary.pipeline, error: summary.error?.message });
    this.options.onOutbox?.();
    this.options.onFinished?.(summary);
  }

  /** Oldest first: each queued run whose stages now have a free slot starts. */
  private async releaseQueued(pipeline: string): Promise<void> {
    for (const queued of await this.ledger.queued(pipeline)) {
      const admission = await this.ledger.admit(queued, this.policy(pipeline, queued.stages), true);
      this.logger.info(`queued run ${admission.kind}: ${admission.reason}`, { runId: queued.runId, pipeline });
      this.options.onOutbox?.();
    }
  }

  private policy(pipeline: string, stages?: StageName[]): AdmissionPolicy {
    const policy = this.options.policyOf(pipeline, stages);
    if (!policy) throw new TerminalError(`unknown pipeline "${pipeline}": it is not in the configuration`, { subject: pipeline });
    return policy;
  }
}
