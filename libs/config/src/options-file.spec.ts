import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptionsFile, readOptionsFile } from './options-file';
import { CredentialsError } from './private-file';

describe(parseOptionsFile.name, () => {
  it('reads one option or value per line, skipping comments, blank lines and surrounding spaces', () => {
    const text = '# written by hand\n\n  --connect  \njdbc:mysql://db:3306/shop\n--username\n  shop_reader\n\n# the password:\n--password\n s3cret \n';
    expect(parseOptionsFile(text, 'src.options')).toEqual({ connect: 'jdbc:mysql://db:3306/shop', username: 'shop_reader', password: 's3cret' });
  });

  it('accepts an option and its value on one line, with a space or =', () => {
    expect(parseOptionsFile('--username shop_reader\n--password-file=/run/secrets/pw\n', 'x')).toEqual({ username: 'shop_reader', passwordFile: '/run/secrets/pw' });
  });

  it('removes the quotes around a quoted value, as Sqoop does', () => {
    expect(parseOptionsFile('--password\n"with # and spaces"\n', 'x').password).toBe('with # and spaces');
  });

  it('ignores the other Sqoop arguments an options file may hold', () => {
    expect(parseOptionsFile('import\n--table\norders\n--username\nu\n--password\np\n', 'x')).toEqual({ username: 'u', password: 'p' });
  });

  it('refuses an option whose value is missing, naming the option and the file', () => {
    expect(() => parseOptionsFile('--username\n--password\np\n', '/etc/dataops/src.options')).toThrow(
      'credentials.optionsFile: options file /etc/dataops/src.options: --username has no value (put it on the next line)',
    );
  });

  it.each([
    ['a password parameter', 'jdbc:mysql://db/shop?user=u&password=url-secret'],
    ['user:password@host', 'jdbc:mysql://u:url-secret@db/shop'],
  ])('refuses a --connect URL that carries %s, without repeating it', (_form, url) => {
    const parse = () => parseOptionsFile(`--connect\n${url}\n--username\nu\n`, 'src.options');
    expect(parse).toThrow(CredentialsError);
    expect(parse).toThrow('--connect must not carry a password');
    expect(parse).not.toThrow(/url-secret/);
  });

  it('accepts a --connect URL without a password', () => {
    expect(parseOptionsFile('--connect\njdbc:mysql://db/shop?useSSL=true\n', 'x').connect).toBe('jdbc:mysql://db/shop?useSSL=true');
  });
});

describe(readOptionsFile.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dataops-options-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a file that group or others can read, with the chmod that fixes it', () => {
    const file = join(dir, 'open.options');
    writeFileSync(file, '--username\nu\n--password\nopen-secret\n');
    chmodSync(file, 0o640);
    expect(() => readOptionsFile(file)).toThrow(`credentials file ${file} is readable by group or others (mode 0640); run: chmod 600 ${file}`);
  });

  it('names the file and the field when the file does not exist', () => {
    expect(() => readOptionsFile(join(dir, 'absent.options'))).toThrow(`credentials.optionsFile: credentials file ${join(dir, 'absent.options')} does not exist`);
  });

  it('reads a private file', () => {
    const file = join(dir, 'private.options');
    writeFileSync(file, '--username\nu\n--password\np\n', { mode: 0o600 });
    expect(readOptionsFile(file)).toEqual({ username: 'u', password: 'p' });
  });
});
