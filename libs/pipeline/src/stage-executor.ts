import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { makeEnvelope, type Envelope, type StageName } from '@dataops/contracts';
import { errorClassOf, messageOf, type DataopsError, type ErrorClass } from '@dataops/errors';
import type { StageLogger, StageProgress } from '@dataops/stage';
import type { ChainLink } from './chain';
import type { Stages } from './stages';

/** Hooks for metrics and terminals; the services count, `dataops run` prints. */
export interface StageObserver {
  onProgress?(pipeline: string, progress: StageProgress): void;
  onFinished?(outcome: { pipeline: string; stage: StageName; status: 'succeeded' | 'failed'; seconds: number; payload?: unknown; reason?: string }): void;
}

export interface StageAttempt {
  /** unique per attempt (the claim's fencing token in the services) */
  attemptId: string;
  signal?: AbortSignal;
  logger: StageLogger;
  /** progress of this attempt only (the observer sees every attempt's) */
  onProgress?: (progress: StageProgress) => void;
}

export type StageOutcome =
  | { status: 'succeeded'; event: Envelope; seconds: number; logPath: string }
  | { status: 'failed'; event: Envelope; seconds: number; logPath: string; errorClass: ErrorClass; message: string };

/** Where each stage attempt's engine output is kept: <logs>/jobs/<run id>/<stage>-<attempt>.log */
export function jobLogPath(runId: string, stage: StageName, attemptId: string, env: NodeJS.ProcessEnv = process.env): string {
  const root = env.DATAOPS_JOB_LOG_DIR ?? join(env.DATAOPS_HOME ?? join(tmpdir(), 'dataops'), 'logs', 'jobs');
  return join(root, safe(runId), `${stage}-${safe(attemptId)}.log`);
}

/**
 * Runs one stage for one trigger event and turns the result into the event that announces it.
 * It never publishes: the caller decides how (the services through the outbox, under their claim;
 * `dataops run` in memory). Every stage start, subject and end is logged at info with the run id.
 */
export class StageExecutor {
  constructor(
    private readonly stages: Stages,
    private readonly producer: string,
    private readonly observer: StageObserver = {},
  ) {}

  started(link: ChainLink, trigger: Envelope): Envelope {
    return makeEnvelope(link.started, { attempt: trigger.attempt ?? 1 }, this.ids(trigger));
  }

  async execute(link: ChainLink, trigger: Envelope, attempt: StageAttempt): Promise<StageOutcome> {
    const { logger } = attempt;
    const logPath = jobLogPath(trigger.runId, link.stage, attempt.attemptId);
    const begin = Date.now();
    const seconds = () => (Date.now() - begin) / 1000;
    logger.info(`${link.stage} started`, { attemptId: attempt.attemptId, jobLog: logPath });
    try {
      const payload = (await link.run(this.stages, trigger, {
        logger,
        signal: attempt.signal,
        attemptId: attempt.attemptId,
        jobLogPath: logPath,
        onProgress: (progress) => {
          if (progress.done) logger.info(`${link.stage} ${progress.subject}: ${progress.rows ?? 0} rows`, { subject: progress.subject, rows: progress.rows, bytes: progress.bytes });
          this.observer.onProgress?.(trigger.pipeline, progress);
          attempt.onProgress?.(progress);
        },
      })) as Record<string, unknown>;
      logger.info(`${link.stage} succeeded in ${seconds().toFixed(1)} s`, { seconds: seconds(), ...countsOf(payload) });
      this.observer.onFinished?.({ pipeline: trigger.pipeline, stage: link.stage, status: 'succeeded', seconds: seconds(), payload });
      return { status: 'succeeded', event: makeEnvelope(link.completed, { ...payload, logPath }, this.ids(trigger)), seconds: seconds(), logPath };
    } catch (error) {
      const errorClass = errorClassOf(error);
      const message = messageOf(error);
      const subject = (error as Partial<DataopsError>).subject;
      logger.error(`${link.stage} failed after ${seconds().toFixed(1)} s`, { errorClass, error: message, subject, jobLog: logPath });
      const event = makeEnvelope(link.failed, { stage: link.stage, errorClass, message, subject, logPath }, this.ids(trigger));
      return { status: 'failed', event, seconds: seconds(), logPath, errorClass, message };
    }
  }

  /** A failure no retry will follow: the observer counts it. */
  reportFailure(link: ChainLink, trigger: Envelope, outcome: StageOutcome): void {
    if (outcome.status !== 'failed') return;
    this.observer.onFinished?.({ pipeline: trigger.pipeline, stage: link.stage, status: 'failed', seconds: outcome.seconds, reason: outcome.errorClass });
  }

  private ids(trigger: Envelope) {
    return { runId: trigger.runId, pipeline: trigger.pipeline, producer: this.producer, attempt: trigger.attempt ?? 1, stages: trigger.stages };
  }
}

function countsOf(payload: Record<string, unknown>): Record<string, number> {
  const list = (key: string) => (Array.isArray(payload?.[key]) ? (payload[key] as { rows?: number }[]) : []);
  const rows = (key: string) => list(key).reduce((sum, item) => sum + (item.rows ?? 0), 0);
  return { tables: list('tables').length, models: list('models').length, targets: list('targets').length, rows: rows('tables') + rows('models') + rows('targets') };
}

function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 120);
}
