import { formatPath, type ConfigProblem } from './errors';

/**
 * ${VAR} or ${VAR:-default}. Only upper-case names are variables, so that `${logical_date}` in
 * a check's SQL reaches the transform stage untouched; `$${VAR}` is a literal `${VAR}`.
 */
const VARIABLE = /\$(\$?)\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g;

export interface Interpolation {
  value: unknown;
  problems: ConfigProblem[];
  /** the paths of fields that named a missing variable: the schema's own complaint about them is noise */
  missing: string[];
}

/**
 * Expands variables in every string scalar of the parsed YAML (keys are left alone). A variable
 * that is unset or empty takes its default; with no default it is a problem naming the field, not
 * an empty string that fails later somewhere else.
 */
export function interpolate(value: unknown, env: NodeJS.ProcessEnv, file: string): Interpolation {
  const result: Interpolation = { value: undefined, problems: [], missing: [] };
  result.value = expand(value, [], env, (path, name) => {
    result.missing.push(formatPath(path));
    result.problems.push({ file, path: formatPath(path), message: `environment variable ${name} is not set and has no default (write \${${name}:-default})` });
  });
  return result;
}

type Missing = (path: PropertyKey[], name: string) => void;

function expand(value: unknown, path: PropertyKey[], env: NodeJS.ProcessEnv, missing: Missing): unknown {
  if (typeof value === 'string') return expandString(value, path, env, missing);
  if (Array.isArray(value)) return value.map((item, index) => expand(item, [...path, index], env, missing));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expand(item, [...path, key], env, missing)]));
  }
  return value;
}

function expandString(text: string, path: PropertyKey[], env: NodeJS.ProcessEnv, missing: Missing): string {
  return text.replace(VARIABLE, (match, escaped: string, name: string, fallback: string | undefined) => {
    if (escaped) return match.slice(1);
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    missing(path, name);
    return '';
  });
}
