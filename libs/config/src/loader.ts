import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { dataopsConfig, type DataopsConfig } from './schema';
import { ConfigError, formatPath, type ConfigProblem } from './errors';
import { interpolate } from './interpolate';
import { crossReferenceProblems } from './cross-references';
import { absolute } from './secrets';

export interface LoadedConfig {
  /** absolute path of the config file */
  path: string;
  /** its folder: relative paths in the file are relative to it */
  dir: string;
  config: DataopsConfig;
}

/** The config file: an explicit path, else $DATAOPS_CONFIG, else ./dataops.yaml. */
export function configPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(explicit ?? env.DATAOPS_CONFIG ?? 'dataops.yaml');
}

/** Reads, expands, validates and cross-checks a config; all problems are reported at once. */
export function loadConfig(explicit?: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const path = configPath(explicit, env);
  const file = displayName(path);
  if (!existsSync(path)) throw new ConfigError([{ file, path: '', message: 'config file not found (use -c FILE or set DATAOPS_CONFIG)' }]);
  const raw = parseYaml(readFileSync(path, 'utf8'), file);
  const problems: ConfigProblem[] = [];
  findPasswordKeys(raw, file, problems);
  const expanded = interpolate(raw, env, file, problems);
  const parsed = dataopsConfig.safeParse(expanded);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ file, path: formatPath(issue.path), message: issue.message });
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const dir = dirname(path);
  const config = resolvePaths(parsed.data, dir);
  const crossProblems = crossReferenceProblems(config, dir, file);
  if (crossProblems.length > 0) throw new ConfigError(crossProblems);
  return { path, dir, config };
}

function parseYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  // uniqueKeys: a pipeline defined twice is an error, not the second one silently winning
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => {
        const at = lineCounter.linePos(error.pos[0]);
        const duplicate = error.code === 'DUPLICATE_KEY' ? `duplicate key ${duplicateKeyName(document.contents, error.pos[0])}` : undefined;
        return { file, path: `line ${at.line}, column ${at.col}`, message: duplicate ?? error.message.split('\n')[0] };
      }),
    );
  }
  return document.toJS();
}

function duplicateKeyName(node: Node | null, offset: number): string {
  let found = '';
  const visit = (current: unknown) => {
    if (isMap(current)) {
      for (const pair of current.items) {
        if (isScalar(pair.key) && pair.key.range && pair.key.range[0] <= offset && offset <= pair.key.range[1]) found = `"${String(pair.key.value)}"`;
        visit(pair.value);
      }
    } else if (isSeq(current)) current.items.forEach(visit);
  };
  visit(node);
  return found || '(see that line)';
}

function findPasswordKeys(value: unknown, file: string, problems: ConfigProblem[], path: PropertyKey[] = []): void {
  if (Array.isArray(value)) value.forEach((item, index) => findPasswordKeys(item, file, problems, [...path, index]));
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (/^(password|passwd|pwd|secret|passphrase)$/i.test(key)) {
        problems.push({
          file,
          path: formatPath([...path, key]),
          message: 'passwords never go in dataops.yaml: use credentials.passwordFile, credentials.optionsFile or credentials.passwordEnv',
        });
      } else findPasswordKeys(item, file, problems, [...path, key]);
    }
  }
}

/** Local paths become absolute; URIs (file://, hdfs://) stay as written. */
function resolvePaths(config: DataopsConfig, dir: string): DataopsConfig {
  const storagePath = (value: string) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : absolute(value, dir));
  const pipelines = Object.fromEntries(
    Object.entries(config.pipelines).map(([name, pipeline]) => [
      name,
      pipeline.transform ? { ...pipeline, transform: { ...pipeline.transform, models: absolute(pipeline.transform.models, dir) } } : pipeline,
    ]),
  );
  return { ...config, storage: { ...config.storage, lake: storagePath(config.storage.lake), warehouse: storagePath(config.storage.warehouse) }, pipelines };
}

function displayName(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown.startsWith('..') ? path : shown;
}
