import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseCredentials, DataopsConfig, SftpCredentials } from './schema';
import { absolute, CredentialsError, readPrivateBytes, readPrivateFile } from './private-file';
import { readOptionsFile } from './options-file';
import { kafkaPassword } from './kafka-security';

export { absolute, assertPrivateFile, CredentialsError, privateFileProblem, readPrivateFile } from './private-file';
export { parseOptionsFile, readOptionsFile, type SqoopOptions } from './options-file';
export * from './kafka-security';

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

export interface SecretsOptions {
  env?: NodeJS.ProcessEnv;
  /** the connection, for messages: `connections.retail_src` */
  at?: string;
}

/** A connection, or just its credentials block: both are accepted. */
type WithCredentials<T> = T | { credentials: T };

/**
 * The user and password of a database connection, from one of the three credential forms:
 * an options file (Sqoop style), user + passwordFile, or user + passwordEnv. Files are refused
 * when missing or readable by group or others. Synchronous: the files are a few bytes, and the
 * stages call it on their way to opening a connection.
 */
export function resolveDatabaseCredentials(connection: WithCredentials<DatabaseCredentials>, configDir: string, options: SecretsOptions = {}): DatabaseLogin {
  const credentials = credentialsOf(connection);
  return locate(options.at, () => {
    if ('optionsFile' in credentials) return loginFromOptionsFile(absolute(credentials.optionsFile, configDir));
    return { user: credentials.user, password: passwordOf(credentials, configDir, options.env ?? process.env) };
  });
}

/** The SSH login of an sftp connection: a private key (and its passphrase), or a password. */
export function resolveSftpCredentials(connection: WithCredentials<SftpCredentials>, configDir: string, options: SecretsOptions = {}): SftpLogin {
  const credentials = credentialsOf(connection);
  return locate(options.at, () => {
    if (!('privateKeyFile' in credentials)) return { user: credentials.user, password: passwordOf(credentials, configDir, options.env ?? process.env) };
    const privateKey = readPrivateBytes(absolute(credentials.privateKeyFile, configDir), 'credentials.privateKeyFile');
    const passphrase = credentials.passphraseFile
      ? firstLine(readPrivateFile(absolute(credentials.passphraseFile, configDir), 'credentials.passphraseFile'))
      : undefined;
    return { user: credentials.user, privateKey, passphrase };
  });
}

/**
 * Replaces every secret in a text (a driver's error message, a command line) before it is
 * logged, in its plain and URL-encoded forms. Longer secrets first, so one that contains
 * another is not half replaced.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  const forms = secrets
    .filter((secret): secret is string => typeof secret === 'string' && secret.length > 0)
    .flatMap((secret) => [secret, encodeURIComponent(secret)])
    .sort((a, b) => b.length - a.length);
  return forms.reduce((result, secret) => result.split(secret).join('***'), text);
}

function loginFromOptionsFile(file: string): DatabaseLogin {
  const options = readOptionsFile(file);
  // a relative --password-file is relative to the options file, which usually sits beside it
  const password = options.password ?? (options.passwordFile ? passwordFileOfOptions(absolute(localPath(options.passwordFile, file), dirname(file)), file) : undefined);
  if (!options.username || password === undefined) {
    throw new CredentialsError('credentials.optionsFile', `options file ${file} needs --username and --password (or --password-file)`, file);
  }
  return { user: options.username, password };
}

/**
 * Sqoop reads --password-file through Hadoop's FileSystem, so a file shared with a cluster's Sqoop
 * is written `file:///…`; DataOps reads the same local file. Other schemes (hdfs://) are refused.
 */
function localPath(passwordFile: string, optionsFile: string): string {
  if (passwordFile.startsWith('file:')) return fileURLToPath(passwordFile.startsWith('file://') ? passwordFile : `file://${passwordFile.slice('file:'.length)}`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(passwordFile)) {
    throw new CredentialsError('credentials.optionsFile', `--password-file of ${optionsFile} is ${passwordFile}: DataOps reads local files only (a path or file:///…)`, optionsFile);
  }
  return passwordFile;
}

function passwordFileOfOptions(passwordFile: string, optionsFile: string): string {
  try {
    return firstLine(readPrivateFile(passwordFile));
  } catch (error) {
    if (!(error instanceof CredentialsError)) throw error;
    throw new CredentialsError('credentials.optionsFile', `--password-file of ${optionsFile}: ${error.reason}`, passwordFile);
  }
}

function passwordOf(credentials: { passwordFile: string } | { passwordEnv: string }, configDir: string, env: NodeJS.ProcessEnv): string {
  if ('passwordFile' in credentials) return firstLine(readPrivateFile(absolute(credentials.passwordFile, configDir), 'credentials.passwordFile'));
  const value = env[credentials.passwordEnv];
  if (value === undefined || value === '') {
    throw new CredentialsError('credentials.passwordEnv', `environment variable ${credentials.passwordEnv} is not set; export it before starting dataops`);
  }
  return value;
}

function credentialsOf<T>(connection: WithCredentials<T>): T {
  return typeof connection === 'object' && connection !== null && 'credentials' in connection ? (connection as { credentials: T }).credentials : (connection as T);
}

function locate<T>(at: string | undefined, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw at && error instanceof CredentialsError ? error.within(at) : error;
  }
}

/** A password file holds the password on its first line; the trailing newline editors add is not part of it. */
function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? '';
}

/** Every credentials file a connection points at directly, for validation. */
export function credentialFiles(credentials: DatabaseCredentials | SftpCredentials): { field: string; file: string }[] {
  const files: { field: string; file: string }[] = [];
  if ('optionsFile' in credentials) files.push({ field: 'credentials.optionsFile', file: credentials.optionsFile });
  if ('passwordFile' in credentials) files.push({ field: 'credentials.passwordFile', file: credentials.passwordFile });
  if ('privateKeyFile' in credentials) files.push({ field: 'credentials.privateKeyFile', file: credentials.privateKeyFile });
  if ('passphraseFile' in credentials && credentials.passphraseFile) files.push({ field: 'credentials.passphraseFile', file: credentials.passphraseFile });
  return files;
}

/**
 * Every secret the configuration points at (passwords, passphrases, the API token, the Kafka
 * SASL password), for the log
 * masker: one that reaches a message (a driver's error text) is replaced before it is written.
 * A credential that cannot be read is left out here; using it reports the problem.
 */
export function configuredSecrets(config: DataopsConfig, configDir: string): string[] {
  const secrets: (string | undefined)[] = [];
  const attempt = (read: () => string | undefined) => {
    try {
      secrets.push(read());
    } catch {
      // reported where the credential is used
    }
  };
  for (const connection of Object.values(config.connections)) {
    if (connection.type === 'sftp') {
      attempt(() => resolveSftpCredentials(connection, configDir).password);
      attempt(() => resolveSftpCredentials(connection, configDir).passphrase);
    } else attempt(() => resolveDatabaseCredentials(connection, configDir).password);
  }
  const tokenFile = config.api?.tokenFile;
  if (tokenFile) attempt(() => readPrivateFile(absolute(tokenFile, configDir), 'api.tokenFile').trim());
  attempt(() => kafkaPassword(config.kafka, configDir));
  return secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length > 0);
}
