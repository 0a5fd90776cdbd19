import { CredentialsError, readPrivateFile } from './private-file';

/** What a Sqoop options file can tell us; other Sqoop arguments in it are ignored. */
export interface SqoopOptions {
  username?: string;
  password?: string;
  passwordFile?: string;
  connect?: string;
}

const KNOWN: Record<string, keyof SqoopOptions> = {
  '--username': 'username',
  '--password': 'password',
  '--password-file': 'passwordFile',
  '--connect': 'connect',
};

/**
 * A Sqoop options file: one option or value per line, `#` comment lines and blank lines ignored,
 * surrounding whitespace trimmed, a value may be quoted
 * (https://sqoop.apache.org/docs/1.4.7/SqoopUserGuide.html#_using_options_files_to_pass_arguments).
 * `--option value` and `--option=value` on one line are accepted too. `field` names the config
 * field that points at the file, for messages; no message ever contains a value.
 */
export function parseOptionsFile(text: string, path: string, field = 'credentials.optionsFile'): SqoopOptions {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
  const options: SqoopOptions = {};
  for (let index = 0; index < lines.length; index += 1) {
    const [option, inline] = splitOption(lines[index]);
    const key = KNOWN[option];
    if (!key) continue;
    const value = inline ?? lines[index + 1];
    if (value === undefined || value.startsWith('--')) {
      throw new CredentialsError(field, `options file ${path}: ${option} has no value (put it on the next line)`, path);
    }
    if (inline === undefined) index += 1;
    options[key] = unquote(value);
  }
  if (options.connect && carriesPassword(options.connect)) {
    // Spark and Sqoop print the JDBC URL in their logs and plans: a password there leaks
    throw new CredentialsError(field, `options file ${path}: --connect must not carry a password; use --password or --password-file`, path);
  }
  return options;
}

/** Reads and parses an options file, refusing it when group or others can read it. */
export function readOptionsFile(path: string, field = 'credentials.optionsFile'): SqoopOptions {
  return parseOptionsFile(readPrivateFile(path, field), path, field);
}

function splitOption(line: string): [string, string | undefined] {
  const match = /^(--[a-z-]+)(?:=|\s+)(.+)$/.exec(line);
  return match ? [match[1], match[2].trim()] : [line, undefined];
}

function unquote(value: string): string {
  const quoted = value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]);
  return quoted ? value.slice(1, -1) : value;
}

/** `?password=`, `;password=` (SQL Server style) or `user:password@host` in a JDBC URL */
function carriesPassword(url: string): boolean {
  return /[?&;]password=/i.test(url) || /^jdbc:[a-z0-9]+:\/\/[^/@?]*:[^/@?]*@/i.test(url);
}
