import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { repoRoot, tempDir } from '../../../test/support/stack';
import { startEarlySpare } from '@dataops/job-process';
import { SparkRunner } from './runner';
import type { SparkSettings } from './settings';

// The project's Python (the stack's venv, with pyarrow and setproctitle) running a job folder that
// holds the real jobs/python_spare.py and a job that says how it was started.
const python = process.env.PYSPARK_PYTHON ?? join(repoRoot, '.dataops', 'venv', 'bin', 'python');
const jobsDir = tempDir('dataops-spare-jobs');
copyFileSync(join(repoRoot, 'jobs', 'python_spare.py'), join(jobsDir, 'python_spare.py'));
writeFileSync(
  join(jobsDir, 'how_started.py'),
  [
    'import json, os, sys',
    'args = dict(zip(sys.argv[1::2], sys.argv[2::2]))',
    '# pyarrow is imported by the spare ahead of the job, never by this script',
    'started = {"preloaded": "pyarrow" in sys.modules, "pid": os.getpid(), "cmdline": open(f"/proc/{os.getpid()}/cmdline").read().replace(chr(0), " ").strip()}',
    'json.dump({"result": started}, open(args["--result"], "w"))',
  ].join('\n'),
);
const settings: SparkSettings = { submit: 'spark-submit', master: 'local[1]', jars: [], conf: {}, python, jobsDir, keepDriver: false };
const started = z.object({ preloaded: z.boolean(), pid: z.number(), cmdline: z.string() });
const howStarted = (runner: SparkRunner, runId = 'spare-test-run') => runner.run({ script: 'how_started.py', runtime: 'python', runId, spec: {} }, started);

/**
 * The spares of this file's job folder (other suites in the same jest process may leave spares of
 * their own, of the real jobs/ folder), still waiting for a job.
 */
function sparesOf(parent: number, folder = jobsDir): number[] {
  return execFileSync('ps', ['-eo', 'pid,ppid,args'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid, ...args]) => Number(ppid) === parent && args.join(' ').includes(join(folder, 'python_spare.py')))
    .map(([pid]) => Number(pid));
}

describe('the Python process started ahead of a job (jobs/python_spare.py, libs/spark)', () => {
  it('runs a job on the spare prepared before it: its modules already imported, its command line that of the job', async () => {
    const runner = new SparkRunner(settings);
    runner.preparePython();
    const job = await howStarted(runner, 'run-with-a-spare');
    expect(job.preloaded).toBe(true);
    expect(job.cmdline).toContain(`${join(jobsDir, 'how_started.py')} --spec`);
    expect(job.cmdline).toContain('run-with-a-spare');
    runner.stop();
  });

  it('starts a job of its own when no spare was prepared, as before', async () => {
    const runner = new SparkRunner(settings);
    const job = await howStarted(runner);
    expect(job.preloaded).toBe(false);
  });

  it('starts a job of its own when the spare died while it waited', async () => {
    const runner = new SparkRunner(settings);
    runner.preparePython();
    const [spare] = sparesOf(process.pid);
    expect(spare).toBeDefined();
    process.kill(spare, 'SIGKILL');
    for (let i = 0; i < 100 && sparesOf(process.pid).includes(spare); i += 1) await new Promise((done) => setTimeout(done, 20));
    await new Promise((done) => setTimeout(done, 50));
    const job = await howStarted(runner);
    expect(job).toMatchObject({ preloaded: false });
    expect(job.pid).not.toBe(spare);
  });

  it('keeps one ready after every job for a service (keep), and none once stopped', async () => {
    const runner = new SparkRunner(settings);
    runner.preparePython({ keep: true });
    const first = await howStarted(runner);
    const second = await howStarted(runner);
    expect([first.preloaded, second.preloaded]).toEqual([true, true]);
    expect(second.pid).not.toBe(first.pid);
    expect(sparesOf(process.pid)).toHaveLength(1);
    runner.stop();
    for (let i = 0; i < 100 && sparesOf(process.pid).length > 0; i += 1) await new Promise((done) => setTimeout(done, 20));
    expect(sparesOf(process.pid)).toEqual([]);
  });

  it('shares one waiting spare among the runners of a process: stages created one after another leave one, not one each', async () => {
    for (let i = 0; i < 3; i += 1) new SparkRunner(settings).preparePython();
    expect(sparesOf(process.pid)).toHaveLength(1);
    const job = await howStarted(new SparkRunner(settings));
    expect(job.preloaded).toBe(true);
    expect(sparesOf(process.pid)).toEqual([]);
  });

  it('takes over the spare the command started before it loaded (startEarlySpare), for the same interpreter and jobs folder only', async () => {
    startEarlySpare(python, jobsDir);
    const [early] = sparesOf(process.pid);
    const job = await howStarted(new SparkRunner(settings));
    expect({ preloaded: job.preloaded, sameProcess: job.pid === early }).toEqual({ preloaded: true, sameProcess: true });
    startEarlySpare(python, tempDir('dataops-other-jobs'));
    const other = await howStarted(new SparkRunner(settings));
    expect(other.preloaded).toBe(false);
  });

  it('never keeps a command from exiting: a process that prepared a spare and did nothing more ends at once, and its spare with it', async () => {
    // a job folder of its own, to find this spare once its parent is gone (it would be re-parented, not orphaned unseen)
    const ownJobs = tempDir('dataops-spare-exit');
    copyFileSync(join(jobsDir, 'python_spare.py'), join(ownJobs, 'python_spare.py'));
    const spares = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((line) => line.includes(join(ownJobs, 'python_spare.py')));
    // the built runner (scripts/test builds before the tests), in a Node process of its own
    const script = `const { SparkRunner } = require(${JSON.stringify(join(repoRoot, 'dist', 'libs', 'spark', 'src'))});
      new SparkRunner(${JSON.stringify({ ...settings, jobsDir: ownJobs })}).preparePython();
      setTimeout(() => console.log(require('node:child_process').execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(${JSON.stringify(ownJobs)})), 300).unref();
      setTimeout(() => {}, 400);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const began = Date.now();
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    // the spare was there while the process lived, and did not hold it open
    expect({ code, spareWhileAlive: output.trim(), endedWithinSeconds: (Date.now() - began) / 1000 < 10 }).toEqual({ code: 0, spareWhileAlive: 'true', endedWithinSeconds: true });
    for (let i = 0; i < 100 && spares().length > 0; i += 1) await new Promise((done) => setTimeout(done, 20));
    expect(spares()).toEqual([]);
  });
});
