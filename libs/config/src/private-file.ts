import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { TerminalError } from '@dataops/errors';

/**
 * A credential that cannot be read: terminal, since retrying will not create a file or fix its
 * mode. `field` is the config field that points at the secret (`credentials.optionsFile`), `at`
 * the connection (`connections.retail_src`); the message says what to do and never holds a secret.
 */
export class CredentialsError extends TerminalError {
  constructor(
    readonly field: string,
    readonly reason: string,
    subject?: string,
    readonly at?: string,
  ) {
    super(`${at ? `${at}.` : ''}${field}: ${reason}`, { subject });
  }

  /** the same problem, located in a connection */
  within(at: string): CredentialsError {
    return new CredentialsError(this.field, this.reason, this.subject, at);
  }
}

/** Why a secret file cannot be used (missing, not a file, readable by group or others), or undefined. */
export function privateFileProblem(path: string): string | undefined {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return `credentials file ${path} does not exist`;
  }
  if (!stat.isFile()) return `credentials file ${path} is not a file`;
  // group or other bits: the fix is one chmod; the alternative is a password any local user reads
  if ((stat.mode & 0o077) !== 0) {
    const octal = (stat.mode & 0o777).toString(8).padStart(4, '0');
    return `credentials file ${path} is readable by group or others (mode ${octal}); run: chmod 600 ${path}`;
  }
  return undefined;
}

export function assertPrivateFile(path: string, field = 'credentials'): void {
  const problem = privateFileProblem(path);
  if (problem) throw new CredentialsError(field, problem, path);
}

export function readPrivateFile(path: string, field = 'credentials'): string {
  assertPrivateFile(path, field);
  return readFileSync(path, 'utf8');
}

export function readPrivateBytes(path: string, field = 'credentials'): Buffer {
  assertPrivateFile(path, field);
  return readFileSync(path);
}

/** A CA or certificate: public, so any mode will do, but it must be there. */
export function publicFileProblem(path: string, what: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `${what} ${path} is not a file`;
  } catch {
    return `${what} ${path} does not exist`;
  }
  return undefined;
}

export function readPublicFile(path: string, field: string, what: string): string {
  const problem = publicFileProblem(path, what);
  if (problem) throw new CredentialsError(field, problem, path);
  return readFileSync(path, 'utf8');
}

/** A path from the config, relative to the config file's folder. */
export function absolute(path: string, base: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}
