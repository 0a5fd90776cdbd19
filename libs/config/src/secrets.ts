import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { TerminalError } from '@dataops/errors';
import type { DatabaseCredentials, SftpCredentials } from './schema';

export interface DatabaseLogin {
  user: string;
  password: string;
}

export interface SftpLogin {
  user: string;
  privateKey?: Buffer;
  passphrase?: string;
  password?: string;
}

/**
 * A credentials file readable by group or others is refused: the fix is one chmod, and the
 * alternative is a password any local user can read.
 */
export function assertPrivateFile(path: string, field = 'credentials'): void {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new TerminalError(`${field}: credentials file ${path} does not exist`, { subject: path });
  }
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new TerminalError(`${field}: credentials file ${path} is readable by group or others (mode ${octal}); run: chmod 600 ${path}`, {
      subject: path,
    });
  }
}

export function readPrivateFile(path: string, field = 'credentials'): string {
  assertPrivateFile(path, field);
  return readFileSync(path, 'utf8');
}

export interface SqoopOptions {
  username?: string;
  password?: string;
  passwordFile?: string;
  connect?: string;
}

/**
 * A Sqoop options file: one option or value per line, `#` comments and blank lines ignored
 * (https://sqoop.apache.org/docs/1.4.7/SqoopUserGuide.html#_using_options_files_to_pass_arguments).
 */
export function parseOptionsFile(text: string, path: string): SqoopOptions {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
  const options: SqoopOptions = {};
  for (let index = 0; index < lines.length; index += 1) {
    const option = lines[index];
    const value = lines[index + 1];
    const take = () => {
      if (value === undefined || value.startsWith('--')) throw new TerminalError(`options file ${path}: ${option} has no value on the next line`, { subject: path });
      index += 1;
      return value;
    };
    if (option === '--username') options.username = take();
    else if (option === '--password') options.password = take();
    else if (option === '--password-file') options.passwordFile = take();
    else if (option === '--connect') options.connect = take();
  }
  if (options.connect && /password=/i.test(options.connect)) {
    throw new TerminalError(`options file ${path}: --connect must not carry a password; use --password or --password-file`, { subject: path });
  }
  return options;
}

export function readOptionsFile(path: string): SqoopOptions {
  return parseOptionsFile(readPrivateFile(path, 'optionsFile'), path);
}

export function resolveDatabaseCredentials(credentials: DatabaseCredentials, configDir: string, env: NodeJS.ProcessEnv = process.env): DatabaseLogin {
  if ('optionsFile' in credentials) {
    const file = absolute(credentials.optionsFile, configDir);
    const options = readOptionsFile(file);
    const password = options.password ?? (options.passwordFile ? firstLine(readPrivateFile(absolute(options.passwordFile, configDir), 'password-file')) : undefined);
    if (!options.username || password === undefined) {
      throw new TerminalError(`options file ${file} needs --username and --password (or --password-file)`, { subject: file });
    }
    return { user: options.username, password };
  }
  return { user: credentials.user, password: passwordOf(credentials, configDir, env) };
}

export function resolveSftpCredentials(credentials: SftpCredentials, configDir: string, env: NodeJS.ProcessEnv = process.env): SftpLogin {
  if ('privateKeyFile' in credentials) {
    const keyFile = absolute(credentials.privateKeyFile, configDir);
    assertPrivateFile(keyFile, 'privateKeyFile');
    const passphrase = credentials.passphraseFile ? firstLine(readPrivateFile(absolute(credentials.passphraseFile, configDir), 'passphraseFile')) : undefined;
    return { user: credentials.user, privateKey: readFileSync(keyFile), passphrase };
  }
  return { user: credentials.user, password: passwordOf(credentials, configDir, env) };
}

function passwordOf(credentials: { passwordFile: string } | { passwordEnv: string }, configDir: string, env: NodeJS.ProcessEnv): string {
  if ('passwordFile' in credentials) return firstLine(readPrivateFile(absolute(credentials.passwordFile, configDir), 'passwordFile'));
  const value = env[credentials.passwordEnv];
  if (value === undefined) throw new TerminalError(`environment variable ${credentials.passwordEnv} (credentials.passwordEnv) is not set`);
  return value;
}

/** Every credentials file a connection points at, for validation. */
export function credentialFiles(credentials: DatabaseCredentials | SftpCredentials): { field: string; file: string }[] {
  const files: { field: string; file: string }[] = [];
  if ('optionsFile' in credentials) files.push({ field: 'credentials.optionsFile', file: credentials.optionsFile });
  if ('passwordFile' in credentials) files.push({ field: 'credentials.passwordFile', file: credentials.passwordFile });
  if ('privateKeyFile' in credentials) files.push({ field: 'credentials.privateKeyFile', file: credentials.privateKeyFile });
  if ('passphraseFile' in credentials && credentials.passphraseFile) files.push({ field: 'credentials.passphraseFile', file: credentials.passphraseFile });
  return files;
}

/** Replaces every secret value in a text (a driver's error message, say) before it is logged. */
export function redact(text: string, secrets: (string | undefined)[]): string {
  return secrets.filter((secret): secret is string => !!secret && secret.length >= 4).reduce((result, secret) => result.split(secret).join('***'), text);
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? '';
}

export function absolute(path: string, base: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}
