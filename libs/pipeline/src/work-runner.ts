import type { Envelope, StageName } from '@dataops/contracts';
import { failpoint, messageOf } from '@dataops/errors';
import type { OutboxRelay, WorkItem, WorkProgress, WorkQueue } from '@dataops/ledger';
import { withRunContext } from '@dataops/observability';
import type { StageLogger, StageProgress } from '@dataops/stage';
import { linkFor } from './chain';
import type { StageExecutor } from './stage-executor';

export interface WorkRunnerSettings {
  stage: StageName;
  /** this replica's name in the claims (host and pid) */
  owner: string;
  /** stage attempts this replica runs at once */
  concurrency: number;
  /** a claim not renewed for this long is free for another replica */
  leaseMs: number;
  /** tries of one stage attempt before a transient failure becomes the stage's failure */
  maxTries: number;
  /** how often to look for claimable work besides the events (expired leases, backoffs over) */
  pollMs: number;
}

interface ActiveWork {
  item: WorkItem;
  controller: AbortController;
  fenced: boolean;
  done: Promise<void>;
}

/**
 * A stage service's worker. The Kafka handler only enqueues the work and returns, so the
 * partition moves on; this runner claims work from the control database (its own, or work a dead
 * replica's expired lease left), runs it under a lease it renews, and settles it and its
 * announcement in one transaction only while its claim holds. A claim that was fenced (taken
 * over, or the run cancelled) stops its job and publishes nothing.
 */
export class StageWorkRunner {
  private readonly active = new Map<string, ActiveWork>();
  private timer?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    private readonly queue: WorkQueue,
    private readonly executor: StageExecutor,
    private readonly relay: OutboxRelay,
    private readonly logger: StageLogger,
    private readonly settings: WorkRunnerSettings,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.fill(), this.settings.pollMs);
    void this.fill();
  }

  /** The Kafka handler: record the work (idempotent) and try to take it at once. */
  async onEvent(event: Envelope): Promise<void> {
    const fresh = await this.queue.enqueue(this.settings.stage, event);
    if (fresh) this.logger.info(`${this.settings.stage} work queued`, { runId: event.runId, pipeline: event.pipeline, attempt: event.attempt ?? 1 });
    await this.fill(event.runId);
  }

  /** Stops claiming, stops running jobs and frees their claims for another replica. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    for (const work of this.active.values()) work.controller.abort();
    await Promise.all([...this.active.values()].map((work) => work.done));
  }

  get running(): number {
    return this.active.size;
  }

  private async fill(runId?: string): Promise<void> {
    if (this.stopping) return;
    const free = this.settings.concurrency - this.active.size;
    if (free <= 0) return;
    let items: WorkItem[] = [];
    try {
      items = await this.queue.claim(this.settings.stage, this.settings.owner, this.settings.leaseMs, free, runId);
    } catch (error) {
      this.logger.warn(`${this.settings.stage}: could not claim work; will retry`, { error: messageOf(error) });
      return;
    }
    for (const item of items) this.launch(item);
  }

  private launch(item: WorkItem): void {
    const key = `${item.runId}/${item.stage}/${item.attempt}`;
    const work: ActiveWork = { item, controller: new AbortController(), fenced: false, done: Promise.resolve() };
    work.done = withRunContext({ runId: item.runId, pipeline: item.pipeline, stage: item.stage }, () => this.run(work))
      .catch((error) => this.logger.error(`${item.stage} work crashed`, { runId: item.runId, error: messageOf(error) }))
      .finally(() => {
        this.active.delete(key);
        void this.fill();
      });
    this.active.set(key, work);
  }

  private async run(work: ActiveWork): Promise<void> {
    const { item } = work;
    const link = linkFor(item.stage);
    const attemptId = `${item.attempt}.${item.token}`;
    if (item.tries > 1) this.logger.info(`${item.stage} resumed by ${this.settings.owner} (try ${item.tries})`, { attemptId });
    const progress: WorkProgress = {};
    const beat = this.heartbeat(work, progress);
    try {
      failpoint(`${item.stage}.before-work`);
      await this.queue.announce(this.executor.started(link, item.trigger));
      this.relay.kick();
      const outcome = await this.executor.execute(link, item.trigger, {
        attemptId,
        signal: work.controller.signal,
        logger: this.logger,
        onProgress: (update) => recordProgress(progress, update),
      });
      failpoint(`${item.stage}.after-commit`);
      if (work.fenced) {
        this.logger.warn(`${item.stage} attempt ${attemptId} was fenced (taken over or cancelled): its result is discarded`);
        return;
      }
      if (this.stopping) {
        await this.queue.release(item);
        this.logger.info(`${item.stage} attempt ${attemptId} stopped with the service; its work is free for another replica`);
        return;
      }
      await this.settle(work, link, outcome);
    } finally {
      clearInterval(beat);
    }
  }

  private async settle(work: ActiveWork, link: ReturnType<typeof linkFor>, outcome: Awaited<ReturnType<StageExecutor['execute']>>): Promise<void> {
    const { item } = work;
    if (outcome.status === 'failed' && outcome.errorClass === 'transient' && item.tries < this.settings.maxTries) {
      const delay = Math.min(60_000, 2000 * 2 ** (item.tries - 1));
      await this.queue.retryLater(item, delay, outcome.message);
      this.logger.warn(`${item.stage} failed (transient); try ${item.tries + 1} of ${this.settings.maxTries} in ${delay / 1000} s`, { error: outcome.message });
      return;
    }
    const settled = await this.queue.settle(item, outcome.status, outcome.event, { logPath: outcome.logPath, error: outcome.status === 'failed' ? outcome.message : undefined });
    if (!settled) {
      this.logger.warn(`${item.stage} attempt was fenced before it could commit: its result is discarded`);
      return;
    }
    if (outcome.status === 'failed') this.executor.reportFailure(link, item.trigger, outcome);
    this.relay.kick();
  }

  /** Renews the claim and stores progress; a renewal refused means the claim is lost: stop the job. */
  private heartbeat(work: ActiveWork, progress: WorkProgress): NodeJS.Timeout {
    const renewEvery = Math.max(1000, Math.floor(this.settings.leaseMs / 3));
    const last = { at: Date.now(), figures: JSON.stringify(progress) };
    return setInterval(() => {
      const figures = JSON.stringify(progress);
      if (!heartbeatDue(last, figures, Date.now(), renewEvery)) return;
      Object.assign(last, { at: Date.now(), figures });
      this.queue
        .heartbeat(work.item, this.settings.leaseMs, progress)
        .then((held) => {
          if (held || work.fenced) return;
          work.fenced = true;
          this.logger.warn(`${work.item.stage}: the claim was taken over or the run cancelled; stopping the job`);
          work.controller.abort();
        })
        .catch((error) => this.logger.warn(`${work.item.stage}: lease renewal failed; will retry`, { error: messageOf(error) }));
    }, Math.min(renewEvery, PROGRESS_STORE_MS));
  }
}

/** New progress reaches the ledger (and `status --follow`) this soon, instead of at the next lease renewal. */
export const PROGRESS_STORE_MS = 2000;

/** A heartbeat writes when the lease needs renewing, or when there is new progress to store. */
export function heartbeatDue(last: { at: number; figures: string }, figures: string, now: number, renewEvery: number): boolean {
  return figures !== last.figures || now - last.at >= renewEvery;
}

/** The figures a heartbeat stores for a subject. A `queued` subject only carries its row estimate: its clock has not started. */
export function recordProgress(progress: WorkProgress, update: StageProgress, now = new Date()): void {
  if (!update.subject) return;
  const previous = progress[update.subject] ?? { at: '' };
  const phase = update.done ? 'done' : (update.phase ?? previous.phase);
  const at = now.toISOString();
  progress[update.subject] = {
    rows: update.rows ?? previous.rows,
    bytes: update.bytes ?? previous.bytes,
    estimatedRows: update.estimatedRows ?? previous.estimatedRows,
    phase,
    at,
    startedAt: previous.startedAt ?? (phase === 'queued' ? undefined : at),
  };
}
