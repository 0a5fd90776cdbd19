import execa, { type ExecaChildProcess } from 'execa';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { WriteStream } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TransientError } from '@dataops/errors';
import type { JobOutcome } from './outcome';

const READY = 'DATAOPS_DRIVER_READY';
const DONE_PREFIX = 'DATAOPS_DONE ';
const KILL_GRACE_MS = 10_000;

/** Where one job's lines go while it runs on the driver. */
export interface JobSink {
  /** a line the job printed (progress lines included), already written to the job's log */
  line(text: string, stream: 'stdout' | 'stderr'): void;
  log?: WriteStream;
}

interface Running {
  id: string;
  sink: JobSink;
  stderrTail: string[];
  /** `code`: the job's exit code from the driver; `killedBy`: what ended the driver under the job */
  finish: (code: number | undefined, killedBy?: string) => void;
}

/**
 * One Spark application kept up for a service's lifetime (jobs/driver.py): the JVM and the
 * SparkContext start once, and every Spark job of the service runs on it, one at a time, in a
 * session of its own. Stopping a job (cancel, timeout) stops the whole driver, the only way to
 * stop Spark work for sure; the next job starts a new one. The driver dies with this process
 * (setpriv --pdeathsig), like a job of its own.
 */
export class WarmDriver {
  private child?: ExecaChildProcess;
  private ready?: Promise<void>;
  private running?: Running;
  private queue: Promise<unknown> = Promise.resolve();
  private stopReason?: 'timeout' | 'aborted';

  /** the driver's request folder (requests are files: spark-submit does not pass stdin on to Python) */
  private requests?: string;

  /**
   * `command`: spark-submit and its arguments for jobs/driver.py, without --requests;
   * `privateRoot`: a 0700 folder for the request folder (the jobs' runtime folder)
   */
  constructor(
    private readonly command: () => Promise<string[]>,
    private readonly privateRoot: () => Promise<string>,
  ) {}

  /** Runs one job (its spec, secrets and result files written by the caller) after the ones before it. */
  run(script: string, files: { spec: string; secrets: string; result: string }, sink: JobSink, options: { signal?: AbortSignal; timeoutMs?: number }): Promise<JobOutcome> {
    const next = this.queue.then(() => this.runNow(script, files, sink, options));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Starts the driver ahead of the first job (a service at boot), so no run waits for it, with its
   * warm-up (jobs/dataops_jobs/warm_up.py) before it reports ready: nobody waits yet. A driver
   * started for a waiting job (the first job without warmUp, or the next after a killed driver)
   * skips it: the job itself warms the JVM, and waiting for the warm-up too would only delay it.
   */
  async warmUp(): Promise<void> {
    await this.started(true);
  }

  /** Ends the driver (a service shutting down); a job running now fails as stopped. */
  stop(): void {
    this.kill('aborted');
  }

  private async runNow(script: string, files: { spec: string; secrets: string; result: string }, sink: JobSink, options: { signal?: AbortSignal; timeoutMs?: number }): Promise<JobOutcome> {
    this.stopReason = undefined;
    const stderrTail: string[] = [];
    let onAbort: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.started();
      this.hold(true);
      const id = randomUUID();
      const { code, killedBy } = await new Promise<{ code?: number; killedBy?: string }>((settle) => {
        this.running = { id, sink, stderrTail, finish: (exitCode, killer) => settle({ code: exitCode, killedBy: killer }) };
        onAbort = () => this.kill('aborted');
        options.signal?.addEventListener('abort', onAbort, { once: true });
        if (options.signal?.aborted) onAbort();
        if (options.timeoutMs) timer = setTimeout(() => this.kill('timeout'), options.timeoutMs);
        void this.send({ id, script, ...files }).catch(() => this.kill('aborted'));
      });
      const result = await readFile(files.result, 'utf8').catch(() => undefined);
      return { exitCode: code ?? -1, result, stderrTail, stoppedBy: this.stopReason, killedBy };
    } catch (error) {
      // the driver did not start: the job's outcome says why, with the driver's last lines; one
      // killed while starting (the OOM killer, an operator) is retried like one killed under a job
      return { exitCode: -1, stderrTail: [...stderrTail, (error as Error).message], stoppedBy: this.stopReason, killedBy: (error as Partial<DriverExited>).signal };
    } finally {
      this.hold(false);
      this.running = undefined;
      if (timer) clearTimeout(timer);
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** A request file, complete before the driver can see it (written aside, then renamed). */
  private async send(request: { id: string; script: string; spec: string; secrets: string; result: string }): Promise<void> {
    const path = join(this.requests!, `${Date.now()}-${request.id}`);
    await writeFile(`${path}.tmp`, JSON.stringify(request), { mode: 0o600 });
    await rename(`${path}.tmp`, `${path}.json`);
  }

  private started(warmUp = false): Promise<void> {
    if (this.child && this.ready) return this.ready;
    this.ready = this.spawn(warmUp);
    // a failed start is reported to the job that waited for it; the next job tries again
    this.ready.catch(() => {
      this.child = undefined;
      this.ready = undefined;
    });
    return this.ready;
  }

  private async spawn(warmUp: boolean): Promise<void> {
    const command = await this.command();
    const requests = await mkdtemp(join(await this.privateRoot(), `driver-${process.pid}-`));
    this.requests = requests;
    const child = execa('setpriv', ['--pdeathsig', 'KILL', '--', ...command, '--requests', requests, ...(warmUp ? ['--warm-up'] : [])], {
      reject: false,
      detached: true,
      stdin: 'ignore',
      env: { PYTHONUNBUFFERED: '1' },
    });
    this.child = child;
    const startLines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line === READY) return resolve();
        if (line.startsWith(DONE_PREFIX)) {
          const done = JSON.parse(line.slice(DONE_PREFIX.length)) as { id: string; code: number };
          if (this.running?.id === done.id) this.running.finish(done.code);
          return;
        }
        this.route(line, 'stdout', startLines);
      });
      createInterface({ input: child.stderr! }).on('line', (line) => this.route(line, 'stderr', startLines));
      void child.then(({ exitCode, signal }) => {
        void rm(requests, { recursive: true, force: true });
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
        // the driver died under a job (kill -9, the OOM killer, a JVM crash): the job did not
        // commit, and a retry runs it again on a new driver
        this.running?.finish(undefined, signal ?? `its Spark driver exiting with code ${exitCode}`);
        reject(new DriverExited(`the Spark driver exited while starting (${signal ?? `exit code ${exitCode}`}): ${startLines.slice(-5).join(' | ')}`, signal));
      });
    });
    // an idle driver must not keep the service (or a test runner) from exiting
    this.hold(false);
  }

  /** Keeps this process alive while a job runs on the driver; lets it exit while the driver idles. */
  private hold(running: boolean): void {
    const child = this.child;
    if (!child) return;
    for (const handle of [child, child.stdout, child.stderr] as unknown as { ref?: () => void; unref?: () => void }[]) {
      if (running) handle?.ref?.();
      else handle?.unref?.();
    }
  }

  private route(line: string, stream: 'stdout' | 'stderr', startLines: string[]): void {
    const running = this.running;
    if (!running) {
      startLines.push(line);
      if (startLines.length > 40) startLines.shift();
      return;
    }
    running.sink.log?.write(`${line}\n`);
    if (stream === 'stderr') {
      running.stderrTail.push(line);
      if (running.stderrTail.length > 40) running.stderrTail.shift();
    }
    running.sink.line(line, stream);
  }

  private kill(reason: 'timeout' | 'aborted'): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    this.stopReason ??= reason;
    killGroup(pid, 'SIGTERM');
    setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS).unref();
  }
}

class DriverExited extends TransientError {
  constructor(
    message: string,
    readonly signal?: string,
  ) {
    super(message);
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
