import { z } from 'zod';
import { TerminalError } from '@dataops/errors';
import type { SparkRunner } from '@dataops/spark';

/**
 * `sqoop export` (real Sqoop 1.4.7) as an alternative to the JDBC exporter: jobs/sqoop_export.py
 * writes the model as Sqoop's text and runs `sqoop export` with these arguments (docs/sqoop.md).
 *
 * - `staging`: Sqoop's `--staging-table … --clear-staging-table`: the staging table is emptied,
 *   filled, then moved into the target with one `INSERT … SELECT` (an append: Sqoop has no replace).
 * - `upsert`: `--update-key … --update-mode allowinsert`, MySQL/MariaDB only: Sqoop 1.4.7 implements
 *   it for MySQL, Oracle, SQL Server and CUBRID, not PostgreSQL (refused here, before Sqoop starts).
 *
 * Credentials reach Sqoop through an options file with `--password-file` that the job writes 0600
 * in its private folder; the arguments hold placeholders for it and for the text folder.
 */
export type SqoopExportMode = { kind: 'staging'; stagingTable: string } | { kind: 'upsert'; key: string[] } | { kind: 'direct' };

export interface SqoopExportRequest {
  /** for messages and logs, e.g. `bi_pg:sales` */
  name: string;
  dialect: 'postgres' | 'mysql';
  /** the target's JDBC URL, without credentials */
  jdbcUrl: string;
  /** the target table; `schema.table` for PostgreSQL */
  table: string;
  columns: string[];
  /** the model's Parquet folder */
  modelPath: string;
  mode: SqoopExportMode;
  /**
   * DATE/DATETIME/TIMESTAMP columns: they travel as text (`--map-column-java c=String`) that the
   * database parses. Bound as java.sql.Timestamp/Date they would be moved by the Julian calendar
   * before 1582 and, to MariaDB 10.x, lose their fractional seconds (Connector/J 9.7 takes it for
   * MySQL 5.5; docs/sqoop.md, What failed). PostgreSQL gets `stringtype=unspecified` for that.
   */
  temporalColumns?: string[];
}

export const sqoopExportResult = z.object({ name: z.string(), rows: z.number().int().nonnegative() });

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function sqoopExportArguments(request: SqoopExportRequest): string[] {
  const fail = (why: string) => new TerminalError(`export ${request.name}: ${why}`, { subject: request.table });
  if (request.mode.kind === 'upsert' && request.dialect === 'postgres') {
    throw fail('sqoop export cannot upsert into PostgreSQL (Sqoop 1.4.7: "Mixed update/insert is not supported against the target database yet"): use a staging export (mode replace or append) or the jdbc exporter');
  }
  // Sqoop puts names into its SQL and its generated Java class as they are: plain names only
  for (const name of [...request.columns, ...(request.mode.kind === 'upsert' ? request.mode.key : [])]) {
    if (!IDENTIFIER.test(name)) throw fail(`column ${JSON.stringify(name)} is not a plain name ([A-Za-z_][A-Za-z0-9_]*), which sqoop export needs: use the jdbc exporter`);
  }
  const [schema, table] = request.dialect === 'postgres' && request.table.includes('.') ? request.table.split('.', 2) : [undefined, request.table];
  // direct: into a table nobody reads (the export stage's own staging table, switched in by DataOps)
  const mode =
    request.mode.kind === 'staging'
      ? ['--staging-table', request.mode.stagingTable.split('.').at(-1)!, '--clear-staging-table']
      : request.mode.kind === 'upsert'
        ? ['--update-key', request.mode.key.join(','), '--update-mode', 'allowinsert']
        : [];
  const temporal = (request.temporalColumns ?? []).filter((column) => request.columns.includes(column));
  return [
    'export',
    '--options-file',
    '$SQOOP_CREDENTIALS',
    '--table',
    table,
    '--columns',
    request.columns.join(','),
    '--export-dir',
    '$SQOOP_EXPORT_DIR',
    // the job's text: every value enclosed in ", escaped by \, NULL as an unenclosed \N
    '--input-fields-terminated-by',
    ',',
    '--input-enclosed-by',
    '"',
    '--input-escaped-by',
    '\\\\',
    '--input-null-string',
    '\\\\N',
    '--input-null-non-string',
    '\\\\N',
    '--num-mappers',
    '1',
    ...mode,
    ...(temporal.length > 0 ? ['--map-column-java', temporal.map((column) => `${column}=String`).join(',')] : []),
    '--outdir',
    '$SQOOP_WORK',
    '--bindir',
    '$SQOOP_WORK',
    // PostgreSQL's schema is an argument of Sqoop's PostgreSQL manager, after `--`
    ...(schema ? ['--', '--schema', schema] : []),
  ];
}

/** PostgreSQL: text parameters typed by the server, so a timestamp sent as text is parsed by PostgreSQL. */
export function sqoopJdbcUrl(request: Pick<SqoopExportRequest, 'dialect' | 'jdbcUrl'>): string {
  if (request.dialect !== 'postgres') return request.jdbcUrl;
  return `${request.jdbcUrl}${request.jdbcUrl.includes('?') ? '&' : '?'}stringtype=unspecified`;
}

export async function runSqoopExport(
  runner: SparkRunner,
  request: SqoopExportRequest,
  login: { user: string; password: string },
  options: { runId: string; signal?: AbortSignal; logFile?: string; onLog?: (line: string) => void },
): Promise<z.infer<typeof sqoopExportResult>> {
  return runner.run(
    {
      script: 'sqoop_export.py',
      runtime: 'python',
      runId: options.runId,
      spec: { name: request.name, url: sqoopJdbcUrl(request), columns: request.columns, model: { path: request.modelPath }, arguments: sqoopExportArguments(request) },
      secrets: { target: login },
      signal: options.signal,
      logFile: options.logFile,
      onLog: options.onLog,
    },
    sqoopExportResult,
  );
}
