import { formatPath, type ConfigProblem } from './errors';

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Expands ${VAR} and ${VAR:-default} in every string of the parsed YAML. A variable that is unset
 * and has no default is a problem naming the field, not an empty string that fails later.
 */
export function interpolate(value: unknown, env: NodeJS.ProcessEnv, file: string, problems: ConfigProblem[], path: PropertyKey[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (_match, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      problems.push({ file, path: formatPath(path), message: `environment variable ${name} is not set and has no default (\${${name}:-default})` });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, env, file, problems, [...path, index]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, env, file, problems, [...path, key])]));
  }
  return value;
}

/** Numbers written as "${PORT:-3306}" are strings after expansion; the schema coerces those it expects. */
