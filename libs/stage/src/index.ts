import type { StageName } from '@dataops/contracts';

/**
 * What every stage (ingest, transform, export) receives besides its request, so the same stage
 * code runs inside a service (logger = JSON logs, progress = metrics and events) and inside
 * `dataops run` (logger = terminal, progress = a live line).
 */
export interface StageLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface StageProgress {
  stage: StageName;
  /** the table, model or target the progress is about */
  subject?: string;
  rows?: number;
  bytes?: number;
  /** the rows expected in all (from the source's statistics), for a time-left estimate */
  estimatedRows?: number;
  /** e.g. reading, written, staged */
  phase?: string;
  /** the subject is finished and committed: its final figures (reported once per subject) */
  done?: boolean;
  message?: string;
}

export interface StageRunOptions {
  logger: StageLogger;
  signal?: AbortSignal;
  onProgress?: (progress: StageProgress) => void;
  /**
   * Unique per attempt of the stage (a claim's fencing token in the services): two attempts of one
   * run never write to the same place, so a stale attempt cannot mix its files into a new one's.
   */
  attemptId?: string;
  /** where the engine's own output (Spark's log) for this attempt is kept */
  jobLogPath?: string;
}

/** Identifies one run of one pipeline; every stage is idempotent by (runId, stage). */
export interface StageRequest {
  runId: string;
  pipeline: string;
  /** YYYY-MM-DD: ingest's load_date, the models' logical date */
  logicalDate: string;
}

export const silentLogger: StageLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
