import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialsError, redact, resolveDatabaseCredentials, resolveSftpCredentials } from './secrets';

describe(resolveDatabaseCredentials.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dataops-secrets-'));
  const secret = (name: string, text: string, mode = 0o600) => writeFileSync(join(dir, name), text, { mode });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads user and password from an options file, relative to the config folder', () => {
    secret('src.options', '--username\nshop_reader\n--password\nfrom-options\n');
    expect(resolveDatabaseCredentials({ optionsFile: 'src.options' }, dir)).toEqual({ user: 'shop_reader', password: 'from-options' });
  });

  it('follows an options file --password-file relative to the options file', () => {
    mkdirSync(join(dir, 'nested'), { recursive: true });
    secret('nested/pw.options', '--username\nu\n--password-file\npw.txt\n');
    secret('nested/pw.txt', 'from-password-file\n');
    expect(resolveDatabaseCredentials({ optionsFile: join(dir, 'nested', 'pw.options') }, '/elsewhere').password).toBe('from-password-file');
  });

  it("follows Sqoop's file:///… form of --password-file, and refuses a password file on HDFS", () => {
    secret('uri.options', `--username\nu\n--password-file\nfile://${join(dir, 'nested', 'pw.txt')}\n`);
    expect(resolveDatabaseCredentials({ optionsFile: join(dir, 'uri.options') }, '/elsewhere').password).toBe('from-password-file');
    secret('hdfs.options', '--username\nu\n--password-file\nhdfs://nn:9000/secrets/pw\n');
    expect(() => resolveDatabaseCredentials({ optionsFile: join(dir, 'hdfs.options') }, '/elsewhere')).toThrow(/is hdfs:\/\/nn:9000\/secrets\/pw: DataOps reads local files only/);
  });

  it('reads the first line of a password file, without its newline', () => {
    secret('bi.password', 'line-one\nline-two\n');
    expect(resolveDatabaseCredentials({ credentials: { user: 'bi', passwordFile: 'bi.password' } }, dir)).toEqual({ user: 'bi', password: 'line-one' });
  });

  it('reads a password from the environment variable the config names', () => {
    const env = { BI_PASSWORD: 'from-env' };
    expect(resolveDatabaseCredentials({ user: 'bi', passwordEnv: 'BI_PASSWORD' }, dir, { env })).toEqual({ user: 'bi', password: 'from-env' });
  });

  it('names the connection and field when the environment variable is not set', () => {
    const read = () => resolveDatabaseCredentials({ user: 'bi', passwordEnv: 'BI_PASSWORD' }, dir, { env: {}, at: 'connections.bi_pg' });
    expect(read).toThrow('connections.bi_pg.credentials.passwordEnv: environment variable BI_PASSWORD is not set');
  });

  it('refuses an options file without a password, and is terminal', () => {
    secret('nopw.options', '--username\nu\n');
    let thrown: unknown;
    try {
      resolveDatabaseCredentials({ optionsFile: 'nopw.options' }, dir);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CredentialsError);
    expect(thrown).toMatchObject({ errorClass: 'terminal', field: 'credentials.optionsFile' });
  });

  it('never puts the secret in the error when a password file is readable by others', () => {
    secret('open.password', 'open-secret-value\n', 0o644);
    const read = () => resolveDatabaseCredentials({ user: 'bi', passwordFile: 'open.password' }, dir, { at: 'connections.bi_pg' });
    expect(read).toThrow(`connections.bi_pg.credentials.passwordFile: credentials file ${join(dir, 'open.password')} is readable by group or others (mode 0644)`);
    expect(read).not.toThrow(/open-secret-value/);
  });
});

describe(resolveSftpCredentials.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dataops-sftp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the private key as bytes and the passphrase from its file', () => {
    writeFileSync(join(dir, 'id'), 'KEY-BYTES', { mode: 0o600 });
    writeFileSync(join(dir, 'id.pass'), 'phrase\n', { mode: 0o600 });
    const login = resolveSftpCredentials({ user: 'drop', privateKeyFile: 'id', passphraseFile: 'id.pass' }, dir);
    expect({ ...login, privateKey: login.privateKey?.toString() }).toEqual({ user: 'drop', privateKey: 'KEY-BYTES', passphrase: 'phrase' });
  });

  it('refuses a private key that group can read', () => {
    writeFileSync(join(dir, 'open_id'), 'KEY', { mode: 0o640 });
    expect(() => resolveSftpCredentials({ user: 'drop', privateKeyFile: 'open_id' }, dir)).toThrow('credentials.privateKeyFile: credentials file');
  });
});

describe(redact.name, () => {
  it('replaces every occurrence of each secret, plain and URL-encoded', () => {
    const text = 'login failed for p@ss/word (url: jdbc:mysql://db?password=p%40ss%2Fword) and p@ss/word again';
    expect(redact(text, ['p@ss/word'])).toBe('login failed for *** (url: jdbc:mysql://db?password=***) and *** again');
  });

  it('replaces a longer secret before a shorter one it contains', () => {
    expect(redact('token abcdef', ['abc', 'abcdef'])).toBe('token ***');
  });

  it('leaves the text alone when there is no secret to hide', () => {
    expect(redact('nothing secret', [undefined, ''])).toBe('nothing secret');
  });
});
