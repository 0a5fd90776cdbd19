import { makeEnvelope, type Envelope, type StageName } from '@dataops/contracts';
import { errorClassOf, messageOf, type DataopsError } from '@dataops/errors';
import type { StageLogger, StageProgress } from '@dataops/stage';
import type { ChainLink } from './chain';
import type { Stages } from './stages';

export interface EventSink {
  /** resolves once the event is durably accepted (Kafka: acknowledged by all in-sync replicas) */
  publish(event: Envelope): Promise<void>;
}

export interface Delivery {
  attempt: number;
  maxAttempts: number;
  signal?: AbortSignal;
}

/** Hooks for metrics; the services count, `dataops run` prints. */
export interface StageObserver {
  onProgress?(pipeline: string, progress: StageProgress): void;
  onFinished?(outcome: { pipeline: string; stage: StageName; status: 'succeeded' | 'failed'; seconds: number; payload?: unknown; reason?: string }): void;
}

/**
 * Runs one stage for one event and announces the outcome. A transient failure is thrown back to
 * the consumer while attempts remain (it retries with backoff); the last attempt's failure, or a
 * terminal one, becomes a `<stage>.failed` event so the run ledger sees it and the partition moves on.
 */
export class StageWorker {
  constructor(
    private readonly stages: Stages,
    private readonly sink: EventSink,
    private readonly producer: string,
    private readonly logger: StageLogger,
    private readonly observer: StageObserver = {},
  ) {}

  async handle(link: ChainLink, event: Envelope, delivery: Delivery): Promise<void> {
    const ids = { runId: event.runId, pipeline: event.pipeline, producer: this.producer };
    const started = Date.now();
    if (delivery.attempt === 1) await this.sink.publish(makeEnvelope(link.started, { attempt: delivery.attempt }, ids));
    try {
      const payload = await link.run(this.stages, event, {
        logger: this.logger,
        signal: delivery.signal,
        onProgress: (progress) => this.observer.onProgress?.(event.pipeline, progress),
      });
      await this.sink.publish(makeEnvelope(link.completed, payload, ids));
      this.finished(link, event, started, 'succeeded', payload);
    } catch (error) {
      const errorClass = errorClassOf(error);
      if (errorClass === 'transient' && delivery.attempt < delivery.maxAttempts && !delivery.signal?.aborted) {
        this.logger.warn(`${link.stage} failed, will retry`, { attempt: delivery.attempt, error: messageOf(error) });
        throw error;
      }
      this.logger.error(`${link.stage} failed`, { errorClass, error: messageOf(error) });
      const subject = (error as Partial<DataopsError>).subject;
      await this.sink.publish(makeEnvelope(link.failed, { stage: link.stage, errorClass, message: messageOf(error), subject }, ids));
      this.finished(link, event, started, 'failed', undefined, errorClass);
    }
  }

  private finished(link: ChainLink, event: Envelope, started: number, status: 'succeeded' | 'failed', payload?: unknown, reason?: string) {
    this.observer.onFinished?.({ pipeline: event.pipeline, stage: link.stage, status, seconds: (Date.now() - started) / 1000, payload, reason });
  }
}
