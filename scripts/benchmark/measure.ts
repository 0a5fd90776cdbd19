// Process helpers and statistics shared by the benchmark's modules.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '@dataops/contracts';
import { repoRoot } from '../../test/support/stack';

export interface Executed {
  /** the last 256 KiB of stdout (the run summary is its last line with --json) */
  stdout: string;
}

/** Runs a command to the end; stdout is kept (its tail), stderr only shown when it fails. */
export function execute(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Executed> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let errors = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-256 * 1024)));
    child.stderr.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ stdout: output }) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${errors}\n${output.slice(-2000)}`))));
  });
}

/**
 * CPU seconds (user + system) the MariaDB server has used so far, from /proc; undefined when no
 * mariadbd runs on this machine. The difference across a figure is what the work cost the source.
 */
export function sourceCpuSeconds(): number | undefined {
  try {
    const pid = execFileSync('pgrep', ['-x', 'mariadbd'], { encoding: 'utf8' }).trim().split('\n')[0];
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command's closing parenthesis: utime and stime are the 12th and 13th
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Seconds the work took (wall clock). */
export async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const began = process.hrtime.bigint();
  const value = await work();
  return { seconds: Number(process.hrtime.bigint() - began) / 1e9, value };
}

/** The middle value; with an even count, the mean of the two middle ones. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * The `dataops` command as built when the benchmark started (dist/), called directly: bin/dataops
 * would fall back to compiling the sources through tsx whenever someone edits a library during the
 * run, and the figures would then include that compilation.
 */
const compiledCli = join(repoRoot, 'dist', 'apps', 'cli', 'src', 'main.js');

/** A `--json` progress line of `dataops run` / `trigger --wait`. */
export interface ProgressLine {
  at: string;
  stage: string;
  subject: string;
  phase: string;
}

/** Runs the command; with --json, its run summary (the last line) and its progress lines. */
export async function dataopsJson(config: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ summary?: RunSummary; progress: ProgressLine[] }> {
  const { stdout } = await execute(process.execPath, ['-e', 'require(process.argv[1]).runAndExit(process.argv.slice(2))', compiledCli, ...args, '-c', config], env);
  const progress: ProgressLine[] = [];
  let summary: RunSummary | undefined;
  for (const line of stdout.trim().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as Partial<ProgressLine> & { type?: string; runId?: string };
      if (parsed.type === 'progress' && parsed.at && parsed.phase) progress.push(parsed as ProgressLine);
      else if (parsed.runId) summary = parsed as unknown as RunSummary;
    } catch {
      // a partial first line (the kept tail starts mid-line)
    }
  }
  return { summary, progress };
}

export async function dataops(config: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<RunSummary | undefined> {
  return (await dataopsJson(config, args, env)).summary;
}

/**
 * Where an ingest stage's time goes, from its progress lines' timestamps: planning until the engine
 * reports its first read; the engine reading and writing until its last table is written; then
 * until the first table is committed (the engine's end, the lake side of the reconciliation, the
 * first table's source checksums); then the other tables committed one after another (each
 * table's source checksums and manifest); seconds.
 */
export interface IngestProfile {
  /** the stage's startedAt to finishedAt */
  stage: number;
  planning: number;
  readWrite: number;
  engineEnd: number;
  commits: number;
}

export function ingestProfile(summary: RunSummary | undefined, progress: ProgressLine[]): IngestProfile | undefined {
  const ingest = progress.filter((line) => line.stage === 'ingest');
  const at = (phase: string) => ingest.filter((line) => line.phase === phase).map((line) => Date.parse(line.at));
  const reading = at('reading');
  const written = at('written');
  const done = at('done');
  const started = summary?.stages.ingest?.startedAt;
  if (!started || reading.length === 0 || written.length === 0 || done.length === 0) return undefined;
  return {
    stage: secondsBetween(started, summary?.stages.ingest?.finishedAt),
    planning: (Math.min(...reading) - Date.parse(started)) / 1000,
    readWrite: (Math.max(...written) - Math.min(...reading)) / 1000,
    engineEnd: (Math.min(...done) - Math.max(...written)) / 1000,
    commits: (Math.max(...done) - Math.min(...done)) / 1000,
  };
}

/** Seconds between two ISO times (NaN when one is missing). */
export const secondsBetween = (from?: string | null, to?: string | null) => (from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : Number.NaN);

/** Each stage's own time in a run summary (startedAt to finishedAt), seconds. */
export function stageSeconds(summary: RunSummary | undefined): Record<'ingest' | 'transform' | 'export', number> {
  const stages = summary?.stages ?? {};
  return {
    ingest: secondsBetween(stages.ingest?.startedAt, stages.ingest?.finishedAt),
    transform: secondsBetween(stages.transform?.startedAt, stages.transform?.finishedAt),
    export: secondsBetween(stages.export?.startedAt, stages.export?.finishedAt),
  };
}
