import execa, { type ExecaChildProcess } from 'execa';
import { createInterface } from 'node:readline';
import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { z } from 'zod';
import { TerminalError } from '@dataops/errors';
import type { SparkSettings } from './settings';
import { jobFailure, type JobOutcome } from './outcome';
import { WarmDriver } from './warm-driver';
import { killGroup, PythonSpare, startJobProcess } from '@dataops/job-process';

export interface SparkProgress {
  [key: string]: unknown;
}

export interface SparkJob {
  /** the entry point under jobs/, e.g. "ingest.py" */
  script: string;
  /**
   * spark-submit (the default), or the project's Python alone for a job that needs no Spark (the
   * arrow ingest engine): the same spec, secrets, result and progress protocol either way
   */
  runtime?: 'spark-submit' | 'python';
  runId: string;
  /** what the job must do; written to a JSON file the job reads */
  spec: unknown;
  /** credentials the job needs; written to a 0600 file, never to arguments or URLs */
  secrets?: unknown;
  conf?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  onLog?: (line: string) => void;
  onProgress?: (progress: SparkProgress) => void;
  /** every line the job prints (Spark's own log included) is kept in this file */
  logFile?: string;
}

const PROGRESS_PREFIX = 'DATAOPS_PROGRESS ';
const KILL_GRACE_MS = 10_000;

/**
 * The one door to the job processes: spark-submit (one call = one Spark application) or, for a job
 * that needs no Spark, the project's Python. The job reports its result through a JSON file (not
 * stdout, which Spark and py4j share), its progress through `DATAOPS_PROGRESS {json}` lines on
 * stdout, and everything else is log.
 */
export class SparkRunner {
  /** the long-lived driver of `spark.keepDriver` (jobs/driver.py), started with the first Spark job */
  private readonly warm?: WarmDriver;
  /** the Python process started ahead of the next job without Spark (jobs/python_spare.py) */
  private readonly spare: PythonSpare;
  /** a service keeps a spare ready after each job; a command only prepares one for the job it is about to run */
  private keepSpare = false;

  constructor(private readonly settings: SparkSettings) {
    if (settings.keepDriver) this.warm = new WarmDriver(async () => this.driverCommand(), jobsRoot);
    this.spare = new PythonSpare(settings.python ?? 'python3', settings.jobsDir);
  }

  /**
   * Starts the Python process of the next job without Spark now, while the stage plans, so that
   * the job does not wait for Python's imports. `keep`: a service, which keeps one ready from now
   * on, after every such job.
   */
  preparePython(options: { keep?: boolean } = {}): void {
    if (options.keep) this.keepSpare = true;
    this.spare.prepare();
  }

  /** whether Spark jobs run on one kept driver (`spark.keepDriver`) rather than a spark-submit each */
  get keepsDriver(): boolean {
    return this.warm !== undefined;
  }

  /** With `spark.keepDriver`: starts the driver now (a service at boot), so the first run does not wait for Spark. */
  async warmUp(): Promise<void> {
    await this.warm?.warmUp();
  }

  /** Ends the kept driver, if any (a service shutting down). */
  stop(): void {
    this.keepSpare = false;
    this.warm?.stop();
    this.spare.stop();
  }

  private async driverCommand(): Promise<string[]> {
    await ensureJobsZip(this.settings);
    await jobsRoot();
    const args = this.submitArguments({ script: 'driver.py', runId: `warm-${process.pid}`, spec: null }, { spec: '', secrets: '', result: '' });
    // the driver takes its jobs from a request folder: no --spec/--secrets/--result of its own
    return [this.settings.submit, ...args.slice(0, args.indexOf('--spec'))];
  }

  async run<R>(job: SparkJob, resultSchema: z.ZodType<R>): Promise<R> {
    // a private folder whose name carries our pid: a later start removes it if we were killed
    const workDir = await mkdtemp(join(await jobsRoot(), `job-${process.pid}-${safe(job.runId)}-`));
    try {
      const files = await this.writeInputs(workDir, job);
      const outcome = await this.submit(job, files);
      return parseOutcome(outcome, resultSchema, job.script);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  private async writeInputs(workDir: string, job: SparkJob) {
    const spec = join(workDir, 'spec.json');
    const secrets = join(workDir, 'secrets.json');
    const result = join(workDir, 'result.json');
    await writeFile(spec, JSON.stringify(job.spec, null, 2), { mode: 0o600 });
    await writeFile(secrets, JSON.stringify(job.secrets ?? {}), { mode: 0o600 });
    return { spec, secrets, result };
  }

  /** The argument list holds paths and settings only; secrets stay in the 0600 file. */
  submitArguments(job: SparkJob, files: { spec: string; secrets: string; result: string }): string[] {
    const conf = { ...this.settings.conf, ...(job.conf ?? {}) };
    if (this.settings.python) conf['spark.pyspark.python'] = this.settings.python;
    const args = ['--master', this.settings.master, '--name', `dataops-${job.script.replace(/\.py$/, '')}-${job.runId}`];
    if (this.settings.jars.length > 0) args.push('--jars', this.settings.jars.join(','));
    args.push('--py-files', jobsZipPath(this.settings));
    for (const [key, value] of Object.entries(conf)) args.push('--conf', `${key}=${value}`);
    args.push(join(this.settings.jobsDir, job.script), '--spec', files.spec, '--secrets', files.secrets, '--result', files.result);
    return args;
  }

  /** The command line: spark-submit and its arguments, or python and the script's. */
  commandFor(job: SparkJob, files: { spec: string; secrets: string; result: string }): string[] {
    if (job.runtime === 'python') {
      return [this.settings.python ?? 'python3', join(this.settings.jobsDir, job.script), '--spec', files.spec, '--secrets', files.secrets, '--result', files.result];
    }
    return [this.settings.submit, ...this.submitArguments(job, files)];
  }

  /** The same job on the kept driver: same files, same lines, same log; the driver's outcome. */
  private async submitToDriver(warm: WarmDriver, job: SparkJob, files: { spec: string; secrets: string; result: string }): Promise<JobOutcome> {
    const log = job.logFile ? await openLog(job.logFile) : undefined;
    try {
      return await warm.run(job.script, files, { log, line: (line, stream) => handleLine(job, line, stream) }, { signal: job.signal, timeoutMs: job.timeoutMs });
    } finally {
      await new Promise((done) => (log ? log.end(done) : done(undefined)));
    }
  }

  private async submit(job: SparkJob, files: { spec: string; secrets: string; result: string }): Promise<JobOutcome> {
    if (this.warm && job.runtime !== 'python' && !job.conf) return this.submitToDriver(this.warm, job, files);
    if (job.runtime !== 'python') await ensureJobsZip(this.settings);
    const child = this.startProcess(job, files);
    const stderrTail: string[] = [];
    const log = job.logFile ? await openLog(job.logFile) : undefined;
    followLines(child, job, stderrTail, log);
    const stop = stopper(child);
    const timer = job.timeoutMs ? setTimeout(() => stop('timeout'), job.timeoutMs) : undefined;
    const onAbort = () => stop('aborted');
    job.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const { exitCode, signal } = await child;
      const result = await readFile(files.result, 'utf8').catch(() => undefined);
      return { exitCode: exitCode ?? -1, result, stderrTail, stoppedBy: stop.reason(), killedBy: signal ?? undefined };
    } finally {
      if (timer) clearTimeout(timer);
      job.signal?.removeEventListener('abort', onAbort);
      await new Promise((done) => (log ? log.end(done) : done(undefined)));
      if (job.runtime === 'python' && this.keepSpare) this.spare.prepare();
    }
  }

  /** A Python job goes to the spare when one is ready; anything else, or no spare, gets a process of its own. */
  private startProcess(job: SparkJob, files: { spec: string; secrets: string; result: string }): ExecaChildProcess {
    const [command, script, ...args] = this.commandFor(job, files);
    const spare = job.runtime === 'python' ? this.spare.take(script, args) : undefined;
    return spare ?? startJobProcess([command, script, ...args]);
  }
}

function followLines(child: ExecaChildProcess, job: SparkJob, stderrTail: string[], log?: WriteStream): void {
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      log?.write(`${line}\n`);
      handleLine(job, line, 'stdout');
    });
  }
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      log?.write(`${line}\n`);
      stderrTail.push(line);
      if (stderrTail.length > 40) stderrTail.shift();
      handleLine(job, line, 'stderr');
    });
  }
}

/** A line of a job: progress (stdout, `DATAOPS_PROGRESS {json}`) or log. */
function handleLine(job: SparkJob, line: string, stream: 'stdout' | 'stderr'): void {
  if (stream === 'stdout' && line.startsWith(PROGRESS_PREFIX)) {
    const progress = tryParse(line.slice(PROGRESS_PREFIX.length));
    if (progress) job.onProgress?.(progress);
  } else if (line.trim()) job.onLog?.(line);
}

function stopper(child: ExecaChildProcess) {
  let reason: 'timeout' | 'aborted' | undefined;
  const stop = (why: 'timeout' | 'aborted') => {
    if (reason || child.pid === undefined) return;
    reason = why;
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid!, 'SIGKILL'), KILL_GRACE_MS).unref();
  };
  return Object.assign(stop, { reason: () => reason });
}


function parseOutcome<R>(outcome: JobOutcome, schema: z.ZodType<R>, script: string): R {
  const failure = jobFailure(outcome, script);
  if (failure) throw failure;
  const parsed = schema.safeParse(JSON.parse(outcome.result!).result);
  if (!parsed.success) {
    throw new TerminalError(`Spark job ${script} returned a result this version does not understand: ${parsed.error.message}`);
  }
  return parsed.data;
}

/**
 * Spark ships the shared job package to executors with --py-files. An image builds it once
 * (jobs/dataops_jobs.zip, read-only root file systems welcome); a checkout gets it rebuilt into
 * the private jobs folder at each submit (a few ms), so edits to jobs/ are always picked up.
 */
function jobsZipPath(settings: SparkSettings): string {
  return settings.prebuiltJobsZip ?? join(jobsRootPath(), `dataops_jobs-${process.pid}.zip`);
}

async function ensureJobsZip(settings: SparkSettings): Promise<void> {
  if (settings.prebuiltJobsZip) return;
  const python = settings.python ?? 'python3';
  await jobsRoot();
  const result = await execa(python, ['-m', 'zipfile', '-c', jobsZipPath(settings), join(settings.jobsDir, 'dataops_jobs')], { reject: false });
  if (result.exitCode !== 0) throw new TerminalError(`could not package jobs/dataops_jobs for Spark: ${result.stderr}`);
}

async function openLog(path: string): Promise<WriteStream> {
  await mkdir(dirname(path), { recursive: true });
  return createWriteStream(path, { flags: 'a', mode: 0o640 });
}

function tryParse(text: string): SparkProgress | undefined {
  try {
    return JSON.parse(text) as SparkProgress;
  } catch {
    return undefined;
  }
}

/**
 * Spec, secrets and result files of running jobs: a folder only this user can enter
 * ($DATAOPS_RUNTIME_DIR, else <tmp>/dataops-<uid>/jobs).
 */
export function jobsRootPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATAOPS_RUNTIME_DIR ?? join(tmpdir(), `dataops-${process.getuid?.() ?? 'user'}`, 'jobs');
}

async function jobsRoot(): Promise<string> {
  const root = jobsRootPath();
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(root, 0o700);
  return root;
}

/**
 * Removes what jobs of dead processes left behind (a service killed with -9 cannot clean up):
 * called at every start, so secrets files never outlive their job by more than a restart.
 */
export async function sweepOrphanedJobFiles(): Promise<string[]> {
  const root = jobsRootPath();
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const pid = Number(/^(?:job-|dataops_jobs-|driver-)(\d+)/.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60);
}

