import type { ExecaChildProcess } from 'execa';
import type { Readable, Writable } from 'node:stream';
import { join } from 'node:path';
import { killGroup, startJobProcess } from './job-process';

/**
 * The spares waiting for a job in this process, one at most per interpreter and jobs folder: every
 * runner of the process shares it, so that runners created one after another (a test suite's
 * stages) never leave one idle spare each, and the one a command started first thing
 * (startEarlySpare) is the one its stage takes.
 */
const waiting = new Map<string, ExecaChildProcess>();

/**
 * The door to the Python process started ahead of the next Python job (jobs/python_spare.py): it
 * imports pyarrow, DuckDB and ConnectorX while the stage plans, then runs the job it is given as
 * `python <script> <args>` would. A job that finds no spare ready starts its own process, as
 * before; the outcome is the same either way (issue 11: the imports were ~0.3 s of every job).
 */
export class PythonSpare {
  private readonly key: string;

  constructor(
    private readonly python: string,
    private readonly jobsDir: string,
  ) {
    this.key = `${python}\0${jobsDir}`;
  }

  /** Starts a spare unless one is waiting. It never keeps a command from exiting, and dies with us (pdeathsig). */
  prepare(): void {
    const ready = waiting.get(this.key);
    if (ready && alive(ready)) return;
    const child = startJobProcess([this.python, join(this.jobsDir, 'python_spare.py')]);
    setReferenced(child, false);
    waiting.set(this.key, child);
  }

  /** The waiting spare, now running `script args`; undefined when none is ready (the caller starts the job itself). */
  take(script: string, args: string[]): ExecaChildProcess | undefined {
    const child = waiting.get(this.key);
    waiting.delete(this.key);
    if (!child || !alive(child) || !child.stdin) return undefined;
    setReferenced(child, true);
    child.stdin.end(`${JSON.stringify({ script, args })}\n`);
    return child;
  }

  /** Ends the waiting spare, if any (a service shutting down). */
  stop(): void {
    const child = waiting.get(this.key);
    waiting.delete(this.key);
    if (child?.pid !== undefined) killGroup(child.pid, 'SIGKILL');
  }
}

/**
 * Starts a spare now, before anything else is loaded (apps/cli/src/early-python.ts): Node spends
 * ~0.4 s loading the CLI's modules on one core while Python imports on the other.
 */
export function startEarlySpare(python: string, jobsDir: string): void {
  new PythonSpare(python, jobsDir).prepare();
}

function alive(child: ExecaChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && !child.killed;
}

/** A waiting spare must not hold the event loop (a CLI command that ends without its Python job). */
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
