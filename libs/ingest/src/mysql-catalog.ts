import mysql from 'mysql2/promise';
import { databaseTlsError, mysqlClientOptions, type MysqlConnection } from '@dataops/config';
import { TerminalError, TransientError } from '@dataops/errors';
import { canonicalText, checksumKind, checksumQuery, checksumsFromRow, mysqlDecimalText, type ChecksumColumn, type ChecksumKind, type RowDigest, type TableChecksums } from '@dataops/reconcile';
import { quoteIdentifier, type ColumnReadPlan } from './type-mapping';

export interface SourceColumn {
  name: string;
  columnType: string;
  nullable: boolean;
}

export interface SourceTable {
  name: string;
  isView: boolean;
  estimatedRows: number;
  estimatedBytes: number;
  columns: SourceColumn[];
  primaryKey: string[];
  uniqueKeys: string[][];
}

export interface Login {
  user: string;
  password: string;
}

/** One scan of the source for the reconciliation: the checksums, and the zero dates the reader turned into NULL. */
export interface SourceScan {
  checksums: TableChecksums;
  /** per column, only those with any; null: not counted (a `stored` scan of a table with date columns) */
  zeroDates: Record<string, number> | null;
}

/**
 * What a source scan sums of the date columns. `calendar`: the calendar dates only, zero and
 * impossible dates as the NULL the reader makes them, and counted. `stored`: every stored value's
 * text, nothing counted: the calendar test per value (twice: once for the count, once for the
 * text) is about 40% of the scan's MariaDB CPU on the sample, and a table whose lake files match
 * its stored texts has no zero date to count (ingest-stage's reconcile).
 */
export type DateScan = 'calendar' | 'stored';

/** The one door to the MySQL source's metadata and the few control queries ingest needs. */
/** The catalog's own connections (discovery and planning queries; each source scan opens one more of its own). */
export const CATALOG_CONNECTIONS = 2;

/**
 * How the source's row sums hash a row (libs/reconcile): CRC32 costs MariaDB a third of md5's CPU
 * on the sample's order_items; the ingest jobs sum the lake's rows the same way (ingest-job.ts).
 */
export const SOURCE_ROW_DIGEST: RowDigest = 'crc32';

export class MysqlCatalogRepository {
  private constructor(
    private readonly pool: mysql.Pool,
    readonly database: string,
    private readonly options: mysql.ConnectionOptions,
  ) {}

  /** `name`: the connection's name in the config, for messages */
  static async connect(connection: MysqlConnection, login: Login, name?: string): Promise<MysqlCatalogRepository> {
    const options: mysql.ConnectionOptions = {
      ...mysqlClientOptions(connection, login, undefined, name),
      timezone: 'Z',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      charset: 'utf8mb4',
    };
    const pool = mysql.createPool({ ...options, connectionLimit: CATALOG_CONNECTIONS });
    const repository = new MysqlCatalogRepository(pool, connection.database, options);
    await repository.query('SELECT 1', []).catch((error) => {
      void pool.end();
      throw databaseTlsError(error, connection, name) ?? classify(error, `${connection.host}:${connection.port}/${connection.database}`);
    });
    return repository;
  }

  async tables(includeViews: boolean): Promise<SourceTable[]> {
    const tables = await this.query<{ name: string; type: string; rows: string | null; bytes: string | null }>(
      `SELECT TABLE_NAME AS name, TABLE_TYPE AS type, TABLE_ROWS AS \`rows\`, DATA_LENGTH AS bytes
         FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`,
      [this.database],
    );
    const columns = await this.query<{ table: string; name: string; type: string; nullable: string }>(
      `SELECT TABLE_NAME AS \`table\`, COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
      [this.database],
    );
    const keys = await this.query<{ table: string; index: string; column: string; nonUnique: string }>(
      `SELECT TABLE_NAME AS \`table\`, INDEX_NAME AS \`index\`, COLUMN_NAME AS \`column\`, NON_UNIQUE AS nonUnique
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
      [this.database],
    );
    const json = await this.mariadbJsonColumns();
    return tables
      .filter((table) => includeViews || table.type !== 'VIEW')
      .map((table) => ({
        name: table.name,
        isView: table.type === 'VIEW',
        estimatedRows: Number(table.rows ?? 0),
        estimatedBytes: Number(table.bytes ?? 0),
        columns: columns
          .filter((column) => column.table === table.name)
          .map((column) => ({ name: column.name, columnType: json.has(`${table.name}\0${column.name}`) ? 'json' : column.type, nullable: column.nullable === 'YES' })),
        primaryKey: keys.filter((key) => key.table === table.name && key.index === 'PRIMARY').map((key) => key.column),
        uniqueKeys: uniqueKeysOf(keys.filter((key) => key.table === table.name && key.index !== 'PRIMARY' && key.nonUnique === '0')),
      }));
  }

  /**
   * MariaDB's JSON is LONGTEXT with a json_valid() check, which COLUMN_TYPE does not show: the
   * check names the column (table\0column keys). MySQL's JSON is its own type, and its
   * CHECK_CONSTRAINTS has no TABLE_NAME: there this finds nothing.
   */
  private async mariadbJsonColumns(): Promise<Set<string>> {
    const checks = await this.query<{ table: string; name: string; clause: string }>(
      `SELECT TABLE_NAME AS \`table\`, CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause
         FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND LEVEL = 'Column'`,
      [this.database],
    ).catch((error: Error) => {
      if (/Unknown column/i.test(error.message)) return [];
      throw error;
    });
    const quoted = (name: string) => `\`${name.replaceAll('`', '``')}\``;
    return new Set(checks.filter((check) => check.clause === `json_valid(${quoted(check.name)})`).map((check) => `${check.table}\0${check.name}`));
  }

  /**
   * Fails, naming the table, when the source user may not read all of it. MySQL shows a user only
   * the columns it may read, so a grant on some columns (GRANT SELECT (id) ON t) would otherwise
   * ingest the table without the others, in silence; SELECT * is refused unless every column is.
   */
  async assertReadable(tables: string[]): Promise<void> {
    for (const table of tables) {
      await this.query(`SELECT * FROM ${quoteIdentifier(table)} LIMIT 0`, []).catch((error: Error) => {
        if (!(error instanceof TerminalError)) throw error;
        throw new TerminalError(`table ${table}: the source user may not read all of it; it needs SELECT on the whole table (${error.message})`, { subject: table, cause: error });
      });
    }
  }

  async count(table: string, where: string): Promise<number> {
    const [row] = await this.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${quoteIdentifier(table)} WHERE ${where}`, []);
    return Number(row.n);
  }

  /** The greatest value of a column as exact text (DATETIME(6) keeps its microseconds). */
  async maxValue(table: string, column: string, where: string, temporal: boolean): Promise<string | null> {
    const expression = temporal ? `DATE_FORMAT(MAX(${quoteIdentifier(column)}), '%Y-%m-%d %H:%i:%s.%f')` : `CAST(MAX(${quoteIdentifier(column)}) AS CHAR)`;
    const [row] = await this.query<{ value: string | null }>(`SELECT ${expression} AS value FROM ${quoteIdentifier(table)} WHERE ${where}`, []);
    return row.value;
  }

  /** Split points from the data: the values at every 1/slices of the rows, in key order. */
  async quantiles(table: string, column: string, where: string, rows: number, slices: number): Promise<string[]> {
    const points: string[] = [];
    for (let index = 1; index < slices; index += 1) {
      const offset = Math.floor((rows * index) / slices);
      const [row] = await this.query<{ value: string | null }>(
        `SELECT CAST(${quoteIdentifier(column)} AS CHAR) AS value FROM ${quoteIdentifier(table)} WHERE ${where} AND ${quoteIdentifier(column)} IS NOT NULL
          ORDER BY ${quoteIdentifier(column)} LIMIT 1 OFFSET ${offset}`,
        [],
      );
      if (row?.value !== null && row?.value !== undefined && points.at(-1) !== row.value) points.push(row.value);
    }
    return points;
  }

  /**
   * The source side of the source-to-lake reconciliation: row count and per-column checksums of
   * the rows the readers read (same bounds, or one slice of them), over the same read expressions,
   * in UTC as the readers run; and, in the same scan, each date column's zero dates (turned into NULL).
   * On a connection of its own, outside the pool (several run at once), closed after: its time
   * zone never reaches the pool.
   */
  async sourceScan(table: string, columns: ColumnReadPlan[], where: string, by: 'row' | 'column' = 'row', dates: DateScan = 'calendar'): Promise<SourceScan> {
    const checksumColumns = columns.map((column) => sourceChecksumColumn(column, dates));
    const dateColumns = columns.filter((column) => column.zeroDateCapable);
    const counters = dates === 'calendar' ? dateColumns.map((column) => zeroDateCounter(column.name)) : [];
    const all = [...checksumColumns, ...counters];
    // the rows summed by CRC32: a third of md5's CPU in MariaDB; the lake side sums the same (SOURCE_ROW_DIGEST)
    const sql = checksumQuery('mysql', all, `${quoteIdentifier(table)} WHERE ${where}`, by, by === 'row' ? SOURCE_ROW_DIGEST : 'md5');
    const connection = await mysql.createConnection(this.options).catch((error) => {
      throw classify(error, this.database);
    });
    try {
      await connection.query("SET time_zone = '+00:00'");
      const [rows] = await connection.query(sql);
      const counted = checksumsFromRow(all, (rows as Record<string, unknown>[])[0]);
      const columnChecksums = Object.fromEntries(checksumColumns.map((column) => [column.name, counted.columns[column.name]]));
      const checksums: TableChecksums =
        counted.row === undefined ? { rows: counted.rows, columns: columnChecksums } : { rows: counted.rows, columns: columnChecksums, row: counted.row, rowDigest: SOURCE_ROW_DIGEST };
      return { checksums, zeroDates: dates === 'stored' && dateColumns.length > 0 ? null : zeroDatesOf(counted, counters) };
    } catch (error) {
      throw classify(error, `${this.database}.${table}`);
    } finally {
      connection.destroy();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    try {
      const [rows] = await this.pool.query(sql, params);
      return rows as T[];
    } catch (error) {
      throw classify(error, this.database);
    }
  }
}

/**
 * True for the values ingest turns into NULL: zero dates (0000-00-00), a zero month or day
 * (2020-00-15, which NO_ZERO_IN_DATE would refuse) and days the month does not have (2021-02-30,
 * kept by ALLOW_INVALID_DATES). Year 0 with a real month and day is a date (proleptic Gregorian).
 * `value`: a stored DATE, DATETIME or TIMESTAMP. MONTH() and DAYOFMONTH() return its fields as
 * stored whatever the sql_mode, about five times cheaper than taking its text apart; the month's
 * length is computed, not asked of LAST_DAY(), which counts year 0 as a common year (Spark and the
 * arrow engine keep 0000-02-29) and which MySQL documents as NULL for an invalid date. NULL for NULL.
 */
export function notACalendarDate(value: string): string {
  const [month, day] = [`MONTH(${value})`, `DAYOFMONTH(${value})`];
  // most days are 28 or less: the month's length is then never computed
  return `(${month} = 0 OR ${day} = 0 OR (${day} > 28 AND ${day} > ${daysInMonth(value)}))`;
}

/** MOD, not %: sql_mode ORACLE has no % operator. */
function daysInMonth(value: string): string {
  const year = `YEAR(${value})`;
  const leap = `MOD(${year}, 4) = 0 AND (MOD(${year}, 100) <> 0 OR MOD(${year}, 400) = 0)`;
  return `CASE MONTH(${value}) WHEN 2 THEN CASE WHEN ${leap} THEN 29 ELSE 28 END WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END`;
}

/**
 * A source column's canonical text: what the lake holds is what the reader read, so the source is
 * summed over the same values (zero and impossible dates as NULL), each in the text checksums.py
 * gives the lake's value. Every text is utf8mb4 already: numbers and dates are ASCII on the scan's
 * utf8mb4 connection, and canonicalText casts the rest to utf8mb4.
 */
function sourceChecksumColumn(column: ColumnReadPlan, dates: DateScan): ChecksumColumn {
  const kind = checksumKind(column.sparkType);
  const value = column.expression;
  if (kind === 'binary') return { name: column.name, value, canonical: value, bytes: true };
  if (column.zeroDateCapable) return { ...(dates === 'calendar' ? calendarDateColumn(column) : storedDateColumn(column)), utf8mb4: true };
  return { name: column.name, value, canonical: sourceText(kind, value, column.sparkType), utf8mb4: true };
}

/**
 * An integer, or a decimal without fraction digits, needs no CAST: CONCAT_WS prints it as CAST
 * would, and the scan of 1 M order_items rows took 15% less MariaDB CPU without its four CASTs.
 */
function sourceText(kind: ChecksumKind, value: string, sparkType: string): string | null {
  if (kind === 'integer') return value;
  if (kind === 'decimal') return mysqlDecimalText(value, decimalScale(sparkType));
  return canonicalText('mysql', kind, value);
}

/**
 * A date column's calendar dates, the others NULL as the reader makes them. Tested on the stored
 * value, once for the count (which needs no text) and once for the text: the reader's own read
 * expression (type-mapping's temporalText: six fraction digits, as the lake prints them), in its
 * session time zone. NOT: a value is kept only if known to be a date.
 */
function calendarDateColumn(column: ColumnReadPlan): ChecksumColumn {
  const stored = quoteIdentifier(column.name);
  const kept = (sql: string) => `CASE WHEN NOT ${notACalendarDate(stored)} THEN ${sql} END`;
  return { name: column.name, value: kept('1'), canonical: kept(column.expression) };
}

/** A date column's every stored value, zero and impossible dates in their stored text (DateScan `stored`). */
function storedDateColumn(column: ColumnReadPlan): ChecksumColumn {
  return { name: column.name, value: quoteIdentifier(column.name), canonical: column.expression };
}

/** The scale of a Spark DECIMAL(p,s). */
function decimalScale(sparkType: string): number {
  return Number(/,\s*(\d+)\s*\)/.exec(sparkType)?.[1] ?? 0);
}

/** Names the zero-date counters apart from the columns: MySQL identifiers cannot hold a NUL. */
const ZERO_DATES = '\0zero dates:';

/**
 * A column's stored non-NULL values, counted along with the checksums: the checksum column turns
 * zero and impossible dates into NULL, so the difference is the column's zero dates, counted in
 * the checksum scan rather than by a scan (and a second date test per row) of their own.
 */
function zeroDateCounter(column: string): ChecksumColumn {
  return { name: `${ZERO_DATES}${column}`, value: quoteIdentifier(column), canonical: null };
}

/** Per date column, its stored values less those its checksum column counted (only the columns with any). */
function zeroDatesOf(counted: TableChecksums, counters: ChecksumColumn[]): Record<string, number> {
  const found: Record<string, number> = {};
  for (const counter of counters) {
    const column = counter.name.slice(ZERO_DATES.length);
    const zeroDates = counted.columns[counter.name].nonNull - counted.columns[column].nonNull;
    if (zeroDates > 0) found[column] = zeroDates;
  }
  return found;
}

function uniqueKeysOf(rows: { index: string; column: string }[]): string[][] {
  const byIndex = new Map<string, string[]>();
  for (const row of rows) byIndex.set(row.index, [...(byIndex.get(row.index) ?? []), row.column]);
  return [...byIndex.values()];
}

/** Access denied and missing privileges are terminal; an unreachable server is transient. */
export function classify(error: unknown, where: string): Error {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message;
  if (['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR', 'ER_NO_SUCH_TABLE', 'ER_PARSE_ERROR'].includes(code)) {
    return new TerminalError(`MySQL ${where}: ${message}`, { cause: error });
  }
  if (['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'ECONNRESET'].includes(code)) {
    return new TransientError(`MySQL ${where} is unreachable (${code}); will retry`, { cause: error });
  }
  return new TerminalError(`MySQL ${where}: ${message}`, { cause: error });
}
