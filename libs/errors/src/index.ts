/**
 * Errors carry their retry class, so the retry policy reads a type, not a message:
 * terminal (bad config, bad credentials, schema conflict: retrying cannot help) or
 * transient (connection refused, lock timeout: retry with backoff).
 */
export type ErrorClass = 'terminal' | 'transient';

export interface ErrorDetails {
  /** the table, model, target or file the error is about */
  subject?: string;
  cause?: unknown;
}

export abstract class DataopsError extends Error {
  abstract readonly errorClass: ErrorClass;
  readonly subject?: string;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.subject = details.subject;
  }
}

export class TerminalError extends DataopsError {
  readonly errorClass = 'terminal' as const;
}

export class TransientError extends DataopsError {
  readonly errorClass = 'transient' as const;
}

/** Anything that is not one of ours is treated as terminal: retrying an unknown bug hides it. */
export function errorClassOf(error: unknown): ErrorClass {
  return error instanceof DataopsError ? error.errorClass : 'terminal';
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Before each commit step: an attempt that was stopped (cancelled, fenced, shutting down) commits
 * nothing more, even if its job had already finished.
 */
export function throwIfStopped(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new TransientError(`stopped before committing ${what}: the attempt was cancelled, taken over or shut down`);
}

/**
 * Fault injection for the fault suite (test/faults): a process started with
 * DATAOPS_FAILPOINTS=<name>[,<name>…] kills itself with SIGKILL when it reaches that point, e.g.
 * `ingest.after-commit`: the stage's data is committed, its completion event is not. Unset in
 * production, where this is one environment lookup.
 */
export function failpoint(name: string): void {
  const armed = process.env.DATAOPS_FAILPOINTS;
  if (armed && armed.split(',').includes(name)) process.kill(process.pid, 'SIGKILL');
}
