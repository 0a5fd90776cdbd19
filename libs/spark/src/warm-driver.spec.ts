import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransientError } from '@dataops/errors';
import { jobFailure } from './outcome';
import { WarmDriver } from './warm-driver';

// A stand-in for jobs/driver.py speaking its protocol (READY, request files, DONE lines): the
// process handling is what is under test, not Spark. A job named hang.py never finishes; the
// driver writes its pid when it takes a job, so a test kills it only under a running job.
const FAKE_DRIVER = `
const fs = require('fs'), path = require('path');
const [pidFile] = process.argv.slice(2);
const requests = process.argv[process.argv.indexOf('--requests') + 1];
fs.appendFileSync(pidFile + '.starts', (process.argv.includes('--warm-up') ? 'warm-up' : 'cold') + '\\n');
console.log('DATAOPS_DRIVER_READY');
setInterval(() => {
  for (const name of fs.readdirSync(requests).filter((f) => f.endsWith('.json'))) {
    const request = JSON.parse(fs.readFileSync(path.join(requests, name), 'utf8'));
    fs.unlinkSync(path.join(requests, name));
    fs.writeFileSync(pidFile, String(process.pid));
    if (request.script === 'hang.py') continue;
    fs.writeFileSync(request.result, JSON.stringify({ result: { ok: true } }));
    console.log('DATAOPS_DONE ' + JSON.stringify({ id: request.id, code: 0 }));
  }
}, 20);
`;

describe('the kept Spark driver', () => {
  let dir: string;
  let driver: WarmDriver;
  const pidFile = () => join(dir, 'driver.pid');
  const files = (name: string) => ({ spec: join(dir, `${name}.spec`), secrets: join(dir, `${name}.secrets`), result: join(dir, `${name}.result`) });
  const sink = { line: () => undefined };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warm-driver-'));
    await writeFile(join(dir, 'fake-driver.js'), FAKE_DRIVER);
    driver = new WarmDriver(async () => [process.execPath, join(dir, 'fake-driver.js'), pidFile()], async () => dir);
  });

  afterEach(async () => {
    driver.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a job and returns its result', async () => {
    const outcome = await driver.run('model.py', files('one'), sink, {});
    expect(outcome.exitCode).toBe(0);
    expect(jobFailure(outcome, 'model.py')).toBeUndefined();
  });

  it('reports a driver killed under a job as a transient failure, and the next job gets a new driver', async () => {
    const hung = driver.run('hang.py', files('hung'), sink, {});
    await waitFor(() => existsSync(pidFile()));
    const firstPid = Number(await readFile(pidFile(), 'utf8'));
    process.kill(firstPid, 'SIGKILL');

    const outcome = await hung;
    expect(outcome.killedBy).toBe('SIGKILL');
    const failure = jobFailure(outcome, 'hang.py');
    expect(failure).toBeInstanceOf(TransientError);
    expect(failure?.message).toMatch(/killed by SIGKILL.*a retry starts it again/);

    const next = await driver.run('model.py', files('next'), sink, {});
    expect(next.exitCode).toBe(0);
    expect(Number(await readFile(pidFile(), 'utf8'))).not.toBe(firstPid);
  });

  it('warms up a driver started at boot, and not one started for a waiting job', async () => {
    await driver.warmUp();
    const hung = driver.run('hang.py', files('hung'), sink, {});
    await waitFor(() => existsSync(pidFile()));
    process.kill(Number(await readFile(pidFile(), 'utf8')), 'SIGKILL');
    await hung;
    await driver.run('model.py', files('next'), sink, {});

    expect((await readFile(`${pidFile()}.starts`, 'utf8')).trim().split('\n')).toEqual(['warm-up', 'cold']);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!condition()) throw new Error('timed out waiting for the fake driver');
}
