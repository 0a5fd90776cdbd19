import { TerminalError } from '@dataops/errors';

/**
 * One problem in a config file, printed on one line:
 * `examples/retail/dataops.yaml: pipelines.retail.source.tables.include[2]: expected string, got number (line 81)`.
 * `path` is the field in dotted/bracket notation (for a YAML syntax error: `line L, column C`).
 */
export interface ConfigProblem {
  file: string;
  path: string;
  message: string;
  /** the line of the field in the YAML file, when it is known */
  line?: number;
}

/** Every problem of a config at once: a user fixes them in one pass instead of one per run. */
export class ConfigError extends TerminalError {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'), { subject: problems[0]?.file });
  }
}

export function formatProblem(problem: ConfigProblem): string {
  const where = problem.path ? `${problem.file}: ${problem.path}` : problem.file;
  const line = problem.line === undefined ? '' : ` (line ${problem.line})`;
  return `${where}: ${problem.message}${line}`;
}

/** zod's path ['pipelines', 'retail', 'tables', 2] -> pipelines.retail.tables[2] */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => {
      if (typeof part === 'number') return `[${part}]`;
      const text = String(part);
      // keys that are not identifiers (spark.conf keys, table names with dots) are quoted
      const key = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(text) ? text : `[${JSON.stringify(text)}]`;
      return index === 0 || key.startsWith('[') ? key : `.${key}`;
    })
    .join('');
}
