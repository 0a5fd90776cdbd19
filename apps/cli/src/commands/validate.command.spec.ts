import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONFIG_FIXTURES, prepareFixtureDir, readFixtureHeader } from '../../../../test/fixtures/configs/fixture-dir';
import { registerValidateCommand } from './validate.command';

// every case starts a real node process (tsx-compiled sources when dist/ is stale): seconds on a busy machine
jest.setTimeout(60_000);

const ROOT = resolve(__dirname, '../../../..');
const DATAOPS = join(ROOT, 'bin', 'dataops');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real command, as a user runs it: `bin/dataops …` in a folder of its own. */
function dataops(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const base: NodeJS.ProcessEnv = { ...process.env, DATAOPS_CONFIG: '', ...env };
  delete base.DATAOPS_FIXTURE_UNSET_HOST;
  return new Promise((done) => {
    execFile(process.execPath, [DATAOPS, ...args], { cwd, env: base, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr });
    });
  });
}

const badFixtures = readdirSync(CONFIG_FIXTURES).filter((name) => name.startsWith('bad-') && name.endsWith('.yaml'));
const folders: string[] = [];
function folderFor(given: string[] = []): string {
  const dir = prepareFixtureDir(given);
  folders.push(dir);
  return dir;
}
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe(registerValidateCommand.name, () => {
  it('covers at least the twelve kinds of bad config the brief lists', () => {
    expect(badFixtures.length).toBeGreaterThanOrEqual(12);
  });

  it.concurrent('prints ok with the pipeline names and exits 0 for a valid config', async () => {
    const result = await dataops(['validate', '-c', 'valid.yaml'], folderFor());
    expect(result).toEqual({ code: 0, stdout: 'ok: valid.yaml: 1 pipeline (shop)\n', stderr: '' });
  });

  it.concurrent.each(badFixtures)('refuses %s with exit 2, naming the file and the field', async (fixture) => {
    const header = readFixtureHeader(fixture);
    const dir = folderFor(header.given);
    const result = await dataops(['validate', '-c', fixture], dir);
    const lines = result.stderr.trimEnd().split('\n');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(header.expect.length).toBeGreaterThan(0);
    for (const expected of header.expect) {
      const line = `${fixture}: ${expected.replaceAll('{dir}', dir)}`;
      expect(lines.filter((printed) => printed.startsWith(line))).toHaveLength(1);
    }
    for (const secret of header.never) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it.concurrent('passes the retail example when its credential files exist with mode 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dataops-retail-'));
    folders.push(dir);
    cpSync(join(ROOT, 'examples', 'retail'), join(dir, 'examples', 'retail'), { recursive: true });
    const secrets = join(dir, '.dataops', 'secrets');
    mkdirSync(secrets, { recursive: true, mode: 0o700 });
    const options = '--username\nfake_user\n--password\nfake-password\n';
    for (const file of ['source-mysql.options', 'bi-mysql.options']) writeFileSync(join(secrets, file), options, { mode: 0o600 });
    for (const file of ['bi-postgres.password', 'control-postgres.password', 'sftp_id_ed25519', 'sftp_known_hosts']) {
      writeFileSync(join(secrets, file), 'fake\n', { mode: 0o600 });
    }
    const result = await dataops(['validate', '-c', 'examples/retail/dataops.yaml'], dir);
    expect(result).toEqual({ code: 0, stdout: 'ok: examples/retail/dataops.yaml: 1 pipeline (retail)\n', stderr: '' });
  });

  it.concurrent('finds the config through $DATAOPS_CONFIG and through -c before the command', async () => {
    const dir = folderFor();
    const fromEnv = await dataops(['validate'], dir, { DATAOPS_CONFIG: 'valid.yaml' });
    const fromGlobalOption = await dataops(['-c', 'valid.yaml', 'validate'], dir);
    expect([fromEnv.code, fromGlobalOption.code]).toEqual([0, 0]);
  });

  it.concurrent('exits 2 when there is no ./dataops.yaml and no -c', async () => {
    const result = await dataops(['validate'], folderFor());
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('dataops.yaml: config file not found; pass -c FILE or set DATAOPS_CONFIG\n');
  });

  it.concurrent.each([[['bogus']], [['validate', '--bogus']], [['validate', '-c']], [[]]])('exits 2 on bad usage: dataops %j', async (args) => {
    const result = await dataops(args, folderFor());
    expect(result.code).toBe(2);
    expect(result.stderr).not.toBe('');
  });

  it.concurrent('exits 0 for --help', async () => {
    const result = await dataops(['--help'], folderFor());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('validate');
  });
});
