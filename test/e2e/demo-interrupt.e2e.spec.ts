import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunSummary } from '@dataops/contracts';
import { dataopsHome, repoRoot } from '../support/stack';

const run = promisify(execFile);
const config = join(repoRoot, 'examples/retail/dataops.yaml');

/** A command of the repository; its exit code and output, never a throw. */
async function command(file: string, args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(file, args, { cwd: repoRoot, env: { ...process.env, DATAOPS_CONFIG: config }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: `${failed.stdout}${failed.stderr}` };
  }
}
const dataops = (...args: string[]) => command(process.execPath, [join(repoRoot, 'bin/dataops'), ...args]);

async function newestRun(): Promise<RunSummary | undefined> {
  const { code, stdout } = await dataops('runs', 'retail', '--limit', '1', '--json');
  return code === 0 ? (JSON.parse(stdout) as RunSummary[])[0] : undefined;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds: number): Promise<T> {
  for (let i = 0; i < seconds; i += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`${what}: not after ${seconds} s`);
}

/** The scale the sample database already has: the test never reloads a developer's bigger one. */
function demoScale(): string {
  try {
    return readFileSync(join(dataopsHome, 'demo-loaded'), 'utf8').trim();
  } catch {
    return '0.01';
  }
}

describe('a Ctrl-C on the demo', () => {
  let demo: ChildProcess | undefined;
  afterAll(() => {
    if (demo?.pid && demo.exitCode === null && demo.signalCode === null) process.kill(-demo.pid, 'SIGKILL');
  });

  it('stops only the demo: the stack and the services keep running, and the run it started finishes', async () => {
    const before = (await newestRun())?.runId;
    // detached: the demo leads its own process group, as it does under a terminal
    demo = spawn(join(repoRoot, 'scripts/demo'), [], { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEMO_SCALE: demoScale() } });
    let output = '';
    demo.stdout!.on('data', (chunk) => (output += chunk));
    demo.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => demo!.once('exit', (code, signal) => resolve(signal ?? code)));

    const admitted = await until('the demo run admitted', async () => {
      const newest = await newestRun();
      if (demo!.exitCode !== null) throw new Error(`the demo ended before its run was admitted:\n${output}`);
      return newest && newest.runId !== before && newest.status === 'running' ? newest : undefined;
    }, 900);
    process.kill(-demo.pid!, 'SIGINT');
    await Promise.race([exited, new Promise((_, reject) => setTimeout(() => reject(new Error(`the demo did not stop on SIGINT:\n${output}`)), 30_000))]);

    const stack = await command(join(repoRoot, 'scripts/stack'), ['status']);
    expect({ code: stack.code, stdout: stack.stdout }).toMatchObject({ code: 0 });
    const services = await command(join(repoRoot, 'scripts/services'), ['status']);
    expect({ code: services.code, stdout: services.stdout }).toMatchObject({ code: 0 });
    expect(services.stdout.match(/ready=yes/g)).toHaveLength(4);

    // the run goes on in the services: following it again ends in its summary, succeeded
    const followed = await dataops('status', admitted.runId, '--follow', '--json', '--timeout', '20');
    expect({ code: followed.code, tail: followed.stdout.slice(-2000) }).toMatchObject({ code: 0 });
    const summary = JSON.parse(followed.stdout.trim().split('\n').at(-1)!) as RunSummary;
    expect(summary).toMatchObject({ runId: admitted.runId, status: 'succeeded' });
    expect(summary.stages.export?.targets.length).toBeGreaterThan(0);
    // the demo builds and restarts everything first; a developer's full-size sample takes a while
  }, 1_200_000);
});
