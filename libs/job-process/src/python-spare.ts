import type { ExecaChildProcess } from 'execa';
import type { Readable, Writable } from 'node:stream';
import { join } from 'node:path';
import { killGroup, startJobProcess } from './job-process';

/**
 * One Python process started ahead of the next Python job (jobs/python_spare.py): it imports
 * pyarrow, DuckDB and ConnectorX while the stage plans, then runs the job it is given as
 * `python <script> <args>` would. A job that finds no spare ready starts its own process, as
 * before; the outcome is the same either way (issue 11: the imports were ~0.3 s of every job).
 */
export class PythonSpare {
  private ready?: ExecaChildProcess;

  constructor(
    private readonly python: string,
    private readonly jobsDir: string,
  ) {}

  /** Starts a spare unless one is ready. It never keeps a command from exiting, and dies with us (pdeathsig). */
  prepare(): void {
    this.ready ??= claimEarly(this.python, this.jobsDir);
    if (this.ready && alive(this.ready)) return;
    this.ready = startSpare(this.python, this.jobsDir);
  }

  /** The ready spare, now running `script args`; undefined when none is ready (the caller starts the job itself). */
  take(script: string, args: string[]): ExecaChildProcess | undefined {
    const child = this.ready ?? claimEarly(this.python, this.jobsDir);
    this.ready = undefined;
    if (!child || !alive(child) || !child.stdin) return undefined;
    setReferenced(child, true);
    child.stdin.end(`${JSON.stringify({ script, args })}\n`);
    return child;
  }

  /** Ends the ready spare, if any (a service shutting down). */
  stop(): void {
    const child = this.ready;
    this.ready = undefined;
    if (child?.pid !== undefined) killGroup(child.pid, 'SIGKILL');
  }
}

/**
 * The spare a command started before it loaded anything else (apps/cli/src/early-python.ts): Node
 * spends ~0.4 s loading the CLI's modules on one core while Python imports on the other.
 */
let early: { python: string; jobsDir: string; child: ExecaChildProcess } | undefined;

/** Starts a spare now, for the first PythonSpare of this process with the same interpreter and jobs folder to take. */
export function startEarlySpare(python: string, jobsDir: string): void {
  early ??= { python, jobsDir, child: startSpare(python, jobsDir) };
}

function claimEarly(python: string, jobsDir: string): ExecaChildProcess | undefined {
  if (!early || early.python !== python || early.jobsDir !== jobsDir) return undefined;
  const { child } = early;
  early = undefined;
  return child;
}

function startSpare(python: string, jobsDir: string): ExecaChildProcess {
  const child = startJobProcess([python, join(jobsDir, 'python_spare.py')]);
  setReferenced(child, false);
  return child;
}

function alive(child: ExecaChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && !child.killed;
}

/** An idle spare must not hold the event loop (a CLI command that ends without its Python job). */
function setReferenced(child: ExecaChildProcess, referenced: boolean): void {
  const streams = [child.stdin, child.stdout, child.stderr] as (Readable | Writable | null)[];
  for (const stream of streams) {
    const handle = stream as unknown as { ref?: () => void; unref?: () => void } | null;
    if (referenced) handle?.ref?.();
    else handle?.unref?.();
  }
  if (referenced) child.ref();
  else child.unref();
}
