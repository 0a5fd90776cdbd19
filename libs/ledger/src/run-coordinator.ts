import {
  makeEnvelope,
  runRequestedV1,
  Topics,
  type Envelope,
  type RunRequested,
  type RunSummary,
} from '@dataops/contracts';
import { TerminalError } from '@dataops/errors';
import type { StageLogger } from '@dataops/stage';
import type { Admission } from './admission';
import type { AdmissionPolicy, RunLedger, RunRequest } from './ledger';

export interface EventSink {
  publish(event: Envelope): Promise<void>;
}

export interface RunCoordinatorOptions {
  /** the overlap policy and concurrency limit of a pipeline; undefined for an unknown pipeline */
  policyOf(pipeline: string): AdmissionPolicy | undefined;
  onFinished?(summary: RunSummary): void;
}

const PRODUCER = 'dataops-scheduler';

/**
 * The scheduler's side of every run: it admits requested runs (one run per run id, overlap and
 * concurrency rules), keeps the ledger from the stage events, announces finished runs
 * (an outbox: re-announced on start if the announcement was lost) and releases queued runs.
 */
export class RunCoordinator {
  constructor(
    private readonly ledger: RunLedger,
    private readonly sink: EventSink,
    private readonly logger: StageLogger,
    private readonly options: RunCoordinatorOptions,
  ) {}

  async onRunRequested(event: Envelope): Promise<Admission> {
    const request: RunRequest = { ...runRequestedV1.parse(event.payload), runId: event.runId, pipeline: event.pipeline };
    const policy = this.policy(request.pipeline);
    const admission = await this.ledger.admit(request, policy);
    this.logger.info(`run ${admission.kind}: ${admission.reason}`, { runId: request.runId, pipeline: request.pipeline });
    if (admission.kind === 'admit') await this.publishAdmitted(request, admission.attempt);
    return admission;
  }

  async onStageEvent(event: Envelope): Promise<void> {
    const recorded = await this.ledger.record(event);
    if (!recorded.finished || !recorded.summary) return;
    await this.announce(recorded.summary);
    await this.releaseQueued(event.pipeline);
  }

  /** On start: announce what finished while the announcement could not be sent. */
  async announcePending(): Promise<void> {
    for (const summary of await this.ledger.unannounced()) await this.announce(summary);
  }

  async request(pipeline: string, request: RunRequested, runId: string): Promise<void> {
    this.policy(pipeline);
    await this.sink.publish(makeEnvelope(Topics.runRequested, request, { runId, pipeline, producer: PRODUCER }));
  }

  async retry(runId: string): Promise<RunSummary> {
    const summary = await this.ledger.get(runId);
    const original = await this.ledger.request(runId);
    if (!summary || !original) throw new TerminalError(`no run ${runId} in the ledger`, { subject: runId });
    if (summary.status !== 'failed') throw new TerminalError(`run ${runId} is ${summary.status}; only a failed run can be retried`, { subject: runId });
    const request: RunRequested = { trigger: 'retry', logicalDate: original.logicalDate, tables: original.tables, fullRefresh: original.fullRefresh };
    await this.request(summary.pipeline, request, runId);
    return summary;
  }

  private async releaseQueued(pipeline: string): Promise<void> {
    const queued = await this.ledger.oldestQueued(pipeline);
    if (!queued) return;
    const admission = await this.ledger.admit(queued, this.policy(pipeline), true);
    if (admission.kind === 'admit') await this.publishAdmitted(queued, admission.attempt);
  }

  private async publishAdmitted(request: RunRequest, attempt: number): Promise<void> {
    const { runId, pipeline, ...payload } = request;
    await this.sink.publish(makeEnvelope(Topics.runAdmitted, { ...payload, attempt }, { runId, pipeline, producer: PRODUCER }));
  }

  private async announce(summary: RunSummary): Promise<void> {
    await this.sink.publish(makeEnvelope(Topics.runFinished, summary, { runId: summary.runId, pipeline: summary.pipeline, producer: PRODUCER }));
    await this.ledger.markAnnounced(summary.runId);
    this.options.onFinished?.(summary);
  }

  private policy(pipeline: string): AdmissionPolicy {
    const policy = this.options.policyOf(pipeline);
    if (!policy) throw new TerminalError(`unknown pipeline "${pipeline}": it is not in the configuration`, { subject: pipeline });
    return policy;
  }
}
