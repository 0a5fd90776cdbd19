import { durationMs, type SourceConfig, type TableOverride } from '@dataops/config';
import { TerminalError } from '@dataops/errors';
import type { LakeManifest } from '@dataops/lake';
import type { MysqlCatalogRepository, SourceTable } from './mysql-catalog';
import { planColumn, quoteIdentifier, type ColumnReadPlan } from './type-mapping';

export interface TablePlan {
  table: string;
  mode: 'full' | 'append' | 'lastmodified';
  /** this run reads the whole table (full mode, first incremental run, refresh, snapshot due) */
  fullSnapshot: boolean;
  checkColumn: string | null;
  mergeKey: string[] | null;
  splitColumn: string | null;
  /**
   * An integer key (the split column, or the key that would be) the arrow engine reads a large
   * slice by, in ranges one after another, so that its memory does not grow with the table
   */
  chunkColumn?: string | null;
  /** one SQL predicate per slice; Spark reads each slice over its own connection */
  slices: string[];
  /** the rows this run reads: the table's filter and the incremental bounds */
  where: string;
  columns: ColumnReadPlan[];
  /** rows matching `where` when planned */
  estimatedRows: number;
  previousWatermark: { column: string; value: string } | null;
  /** the upper bound read this run, and so the next watermark */
  upperWatermark: string | null;
  /** Hive-style partition columns under the run folder (`partitionBy`); absent: none */
  partitionBy?: string[];
  /** the raw files' format; absent: parquet */
  fileFormat?: 'parquet' | 'orc';
}

const SMALL_TABLE_ROWS = 20_000;
const TEMPORAL = /^(date|datetime|timestamp)/i;
const INTEGER = /^(tinyint|smallint|mediumint|int|integer|bigint)/i;

export interface PlanContext {
  source: SourceConfig;
  catalog: MysqlCatalogRepository;
  fullRefresh: boolean;
  now: Date;
}

export function tableSettings(source: SourceConfig, table: string): TableOverride {
  return { ...source.defaults, ...(source.overrides[table] ?? {}) };
}

export async function planTable(table: SourceTable, previous: LakeManifest | undefined, lastSnapshotAt: string | undefined, context: PlanContext): Promise<TablePlan> {
  const settings = tableSettings(context.source, table.name);
  const mode = settings.mode ?? 'full';
  const columns = table.columns.map((column) => planColumn(column.name, column.columnType, column.nullable));
  checkDrift(table.name, columns, previous, settings.schemaDrift ?? 'fail');
  const checkColumn = mode === 'full' ? null : requireColumn(table, settings.checkColumn, 'checkColumn');
  const temporal = checkColumn ? TEMPORAL.test(columnType(table, checkColumn)) : false;
  const snapshotDue = settings.fullSnapshotEvery !== undefined && (!lastSnapshotAt || ageMs(lastSnapshotAt, context.now) > durationMs(settings.fullSnapshotEvery));
  const fullSnapshot = mode === 'full' || !previous?.watermark || context.fullRefresh || snapshotDue;
  const filter = settings.where ? `(${settings.where})` : '1=1';
  const upper = checkColumn ? await context.catalog.maxValue(table.name, checkColumn, filter, temporal) : null;
  const where = checkColumn
    ? boundsFilter(filter, checkColumn, fullSnapshot ? null : previous!.watermark!.value, upper, mode === 'lastmodified' ? durationMs(settings.lookback ?? '0s') : 0)
    : filter;
  const rows = await context.catalog.count(table.name, where);
  const splitColumn = chooseSplitColumn(table, settings.splitColumn);
  const sliceCount = Math.min(settings.slices ?? 4, context.source.maxConnections);
  const points = splitColumn && rows >= SMALL_TABLE_ROWS && sliceCount > 1 ? await context.catalog.quantiles(table.name, splitColumn, where, rows, sliceCount) : [];
  return {
    table: table.name,
    mode,
    fullSnapshot,
    checkColumn,
    mergeKey: mode === 'lastmodified' ? (settings.mergeKey ?? null) : null,
    splitColumn: points.length > 0 ? splitColumn : null,
    chunkColumn: splitColumn && INTEGER.test(columnType(table, splitColumn)) ? splitColumn : null,
    slices: slicePredicates(splitColumn, points),
    where,
    columns,
    estimatedRows: rows,
    previousWatermark: previous?.watermark ?? null,
    upperWatermark: upper ?? previous?.watermark?.value ?? null,
    partitionBy: partitionColumns(table, settings.partitionBy ?? []),
    fileFormat: settings.format ?? 'parquet',
  };
}

// Folder names are the values' text: kinds whose text both engines (and every reader) write alike.
const PARTITIONABLE = /^(tinyint|smallint|mediumint|int|integer|bigint|char|varchar|date|enum)\b/i;

function partitionColumns(table: SourceTable, columns: string[]): string[] {
  for (const column of columns) {
    requireColumn(table, column, 'partitionBy');
    if (!PARTITIONABLE.test(columnType(table, column))) {
      throw new TerminalError(`table ${table.name}: partitionBy column "${column}" is ${columnType(table, column)}; partition by an integer, CHAR/VARCHAR/ENUM or DATE column`, {
        subject: table.name,
      });
    }
  }
  return columns;
}

/** Predicates from split points p1 < p2 < … : (-inf, p1), [p1, p2), …, [pn, +inf), NULLs in the first. */
export function slicePredicates(column: string | null, points: string[]): string[] {
  if (!column || points.length === 0) return ['1=1'];
  const key = quoteIdentifier(column);
  const literal = sqlLiteral;
  const slices = [`(${key} < ${literal(points[0])} OR ${key} IS NULL)`];
  for (let index = 1; index < points.length; index += 1) slices.push(`(${key} >= ${literal(points[index - 1])} AND ${key} < ${literal(points[index])})`);
  slices.push(`${key} >= ${literal(points[points.length - 1])}`);
  return slices;
}

/**
 * Incremental bounds: (lower - lookback, upper]. The upper bound is taken before the read so rows
 * arriving meanwhile wait for the next run instead of slipping past a moving watermark.
 */
export function boundsFilter(filter: string, column: string, lower: string | null, upper: string | null, lookbackMs: number): string {
  const key = quoteIdentifier(column);
  const parts = [filter];
  if (upper !== null) parts.push(`${key} <= ${sqlLiteral(upper)}`);
  if (lower !== null) {
    const lowered = lookbackMs > 0 ? `${sqlLiteral(lower)} - INTERVAL ${Math.round(lookbackMs * 1000)} MICROSECOND` : sqlLiteral(lower);
    parts.push(`${key} > ${lowered}`);
  }
  return parts.join(' AND ');
}

/** Integers stay numbers (a quoted BIGINT would be compared as a double and lose digits). */
export function sqlLiteral(value: string): string {
  return /^-?\d+$/.test(value) ? value : `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

function chooseSplitColumn(table: SourceTable, configured: string | undefined): string | null {
  if (configured) return requireColumn(table, configured, 'splitColumn');
  const candidates = [table.primaryKey, ...table.uniqueKeys].filter((key) => key.length === 1).map((key) => key[0]);
  return candidates.find((column) => INTEGER.test(columnType(table, column))) ?? null;
}

function requireColumn(table: SourceTable, column: string | undefined, field: string): string {
  if (!column) throw new TerminalError(`table ${table.name}: ${field} is required for this mode`, { subject: table.name });
  if (!table.columns.some((candidate) => candidate.name === column)) {
    throw new TerminalError(`table ${table.name}: ${field} "${column}" is not a column of the table`, { subject: table.name });
  }
  return column;
}

function columnType(table: SourceTable, column: string): string {
  return table.columns.find((candidate) => candidate.name === column)?.columnType ?? '';
}

/**
 * MariaDB's JSON is a LONGTEXT with a json_valid check: manifests written before the catalog
 * recognised it say `longtext`. That is the same column, not drift.
 */
function sameSourceType(before: string, now: string): boolean {
  const normal = (type: string) => (type.toLowerCase() === 'json' ? 'longtext' : type.toLowerCase());
  return normal(before) === normal(now);
}

/** A dropped column or a changed type stops the table, unless the table's policy lets it evolve. */
function checkDrift(table: string, columns: ColumnReadPlan[], previous: LakeManifest | undefined, policy: 'fail' | 'evolve'): void {
  if (!previous || policy === 'evolve') return;
  for (const old of previous.schema) {
    const now = columns.find((column) => column.name === old.name);
    if (!now) throw new TerminalError(`table ${table}: column ${old.name} (${old.mysqlType}) was dropped at the source; set schemaDrift: evolve for this table to accept it`, { subject: table });
    if (!sameSourceType(old.mysqlType, now.mysqlType)) {
      throw new TerminalError(`table ${table}: column ${old.name} changed type from ${old.mysqlType} to ${now.mysqlType}; set schemaDrift: evolve for this table to accept it`, { subject: table });
    }
  }
}

function ageMs(iso: string, now: Date): number {
  return now.getTime() - Date.parse(iso);
}
