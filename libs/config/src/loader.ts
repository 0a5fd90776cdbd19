import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { DataopsConfig } from './schema';
import { ConfigError, formatPath, type ConfigProblem } from './errors';
import { parseConfigYaml, type YamlConfigDocument } from './yaml-document';
import { interpolate } from './interpolate';
import { secretKeyProblems } from './forbidden-keys';
import { validateSchema } from './schema-problems';
import { resolvePaths } from './resolve-paths';
import { crossReferenceFindings } from './cross-references';
import { connectionFindings, type Finding } from './connection-checks';

export interface LoadedConfig {
  /** absolute path of the config file */
  path: string;
  /** its folder: relative paths in the file were resolved against it */
  dir: string;
  /** the validated config, defaults applied, variables expanded, every path absolute */
  config: DataopsConfig;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * Read every connection's secrets to prove they are usable (default true). A service that
   * only mounts the secrets it needs (Kubernetes) may pass false; it still fails on first use.
   */
  checkCredentials?: boolean;
}

/** The config file: an explicit path, else $DATAOPS_CONFIG, else ./dataops.yaml. */
export function configPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(explicit || env.DATAOPS_CONFIG || 'dataops.yaml');
}

/**
 * Reads, expands, validates and cross-checks a config. Throws one ConfigError holding every
 * problem found (each `file: field.path: message`), so a user fixes them in one pass.
 */
export function loadConfig(explicit?: string, options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const path = configPath(explicit, env);
  const file = displayConfigPath(path);
  const document = parseConfigYaml(readConfigText(path, file), file);
  const { config: shaped, problems } = checkShape(document, env, file);
  if (!shaped) throw new ConfigError(problems);
  const dir = dirname(path);
  const config = resolvePaths(shaped, dir);
  const findings = [...crossReferenceFindings(config), ...connectionFindings(config, dir, { env, readSecrets: options.checkCredentials ?? true })];
  if (findings.length > 0) throw new ConfigError(findings.map((finding) => located(finding, file, document)).sort(byLine));
  return { path, dir, config };
}

/** Secret keys, variables and the schema: reported together, since each is about one field. */
function checkShape(document: YamlConfigDocument, env: NodeJS.ProcessEnv, file: string): { config?: DataopsConfig; problems: ConfigProblem[] } {
  const secretProblems = secretKeyProblems(document.value, file);
  const expanded = interpolate(document.value, env, file);
  const schema = validateSchema(expanded.value, file);
  // a field whose variable is missing fails the schema too, and a password key breaks the
  // credentials block around it (and its ${VAR} is beside the point): one line about each is enough
  const underSecret = (path: string) => secretProblems.some((secret) => isWithin(path, secret.path));
  const aboveSecret = (path: string) => secretProblems.some((secret) => isWithin(secret.path, path));
  const schemaProblems = schema.problems.filter((problem) => !expanded.missing.some((missing) => isWithin(problem.path, missing)) && !aboveSecret(problem.path));
  const envProblems = expanded.problems.filter((problem) => !underSecret(problem.path));
  const problems = withLines([...secretProblems, ...envProblems, ...schemaProblems], document);
  if (schema.config && problems.length === 0) return { config: schema.config, problems: [] };
  return { problems: problems.length > 0 ? problems : withLines(schema.problems, document) };
}

function isWithin(path: string, parent: string): boolean {
  return path === parent || path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);
}

function readConfigText(path: string, file: string): string {
  if (!existsSync(path)) throw new ConfigError([{ file, path: '', message: 'config file not found; pass -c FILE or set DATAOPS_CONFIG' }]);
  if (!statSync(path).isFile()) throw new ConfigError([{ file, path: '', message: 'not a file; pass the dataops.yaml file itself' }]);
  return readFileSync(path, 'utf8');
}

/** Each problem with its line, in the order of the file. */
function withLines(problems: ConfigProblem[], document: YamlConfigDocument): ConfigProblem[] {
  return problems.map((problem) => ({ ...problem, line: document.lineOf(parsePath(problem.path)) })).sort(byLine);
}

function byLine(a: ConfigProblem, b: ConfigProblem): number {
  return (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER);
}

function located(finding: Finding, file: string, document: YamlConfigDocument): ConfigProblem {
  return { file, path: formatPath(finding.path), message: finding.message, line: document.lineOf(finding.path) };
}

/** The inverse of formatPath, for problems that were formatted before their line was known. */
function parsePath(path: string): PropertyKey[] {
  const parts: PropertyKey[] = [];
  for (const match of path.matchAll(/([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (match[1] !== undefined) parts.push(match[1]);
    else if (match[2] !== undefined) parts.push(Number(match[2]));
    else parts.push(JSON.parse(match[3]) as string);
  }
  return parts;
}

/** Paths under the current folder are shown relative to it, as the user typed them. */
export function displayConfigPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown && !shown.startsWith('..') ? shown : path;
}
