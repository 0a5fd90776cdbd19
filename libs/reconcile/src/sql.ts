import { byCodePoint, type ChecksumKind, type RowDigest, type TableChecksums } from './checksums';

/**
 * The checksum SQL of the databases DataOps reads and writes: MySQL/MariaDB (source and BI) and
 * PostgreSQL (BI). The canonical text of each kind matches jobs/dataops_jobs/checksums.py.
 */
export type ChecksumDialect = 'mysql' | 'postgres';

export interface ChecksumColumn {
  name: string;
  /** SQL giving the column's canonical text (see canonicalText); null: counted only (floats) */
  canonical: string | null;
  /** SQL counted for non-NULL values */
  value: string;
  /** hash the bytes of `value` itself (binary columns) instead of a text */
  bytes?: boolean;
  /**
   * MySQL: `canonical` is utf8mb4 text already (or ASCII on a utf8mb4 connection), so the row
   * text need not CONVERT it: one string copy per value less (the source scan)
   */
  utf8mb4?: boolean;
}

/**
 * The canonical text of a value in a target column of the given type. `targetType` is the
 * column's type as the database reports it (information_schema), `sourceType` the MySQL type a
 * passed-through column came from (its TIME precision decides the fraction digits).
 */
export function canonicalText(dialect: ChecksumDialect, kind: ChecksumKind, value: string, targetType = '', sourceType = ''): string | null {
  const target = targetType.toLowerCase();
  if (kind === 'float') return null;
  if (kind === 'binary') return value;
  if (dialect === 'mysql') {
    switch (kind) {
      case 'integer':
        // BIT(n) as its integer value, like the lake's DECIMAL(20,0)
        return target.startsWith('bit') ? `CAST(${value} + 0 AS CHAR)` : `CAST(${value} AS CHAR)`;
      case 'decimal':
        return withoutTrailingZeros(target.startsWith('bit') ? `CAST(${value} + 0 AS CHAR)` : `CAST(${value} AS CHAR)`);
      case 'date':
        return `DATE_FORMAT(${value}, '%Y-%m-%d')`;
      case 'timestamp':
        return `DATE_FORMAT(${value}, '%Y-%m-%d %H:%i:%s.%f')`;
      case 'boolean':
        return `CASE WHEN ${value} IS NULL THEN NULL WHEN ${value} THEN 'true' ELSE 'false' END`;
      default:
        return `CAST(${value} AS CHAR CHARACTER SET utf8mb4)`;
    }
  }
  switch (kind) {
    case 'date':
      return `to_char(${value}, 'YYYY-MM-DD')`;
    case 'timestamp':
      return target.includes('with time zone')
        ? `to_char(${value} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`
        : `to_char(${value}, 'YYYY-MM-DD HH24:MI:SS.US')`;
    case 'text':
      return target.startsWith('interval') ? mysqlTimeText(value, sourceType) : `${value}::text`;
    case 'decimal':
      // trim_scale (PostgreSQL 13+) drops the same zeros, at a fifth of the cost of three casts,
      // a LIKE and two TRIMs per value; it takes numbers only (a text target column keeps the test)
      return /^(numeric|decimal|bigint|integer|smallint)/.test(target) ? `trim_scale(${value})::text` : withoutTrailingZeros(`${value}::text`);
    default:
      return `${value}::text`;
  }
}

/**
 * A decimal's text without trailing fraction zeros (12.30 -> 12.3, 2.00 -> 2): a target column
 * with a wider scale than the model's holds the same values, and must not look different.
 * The same SQL in MySQL and PostgreSQL; checksums.py does the same in Spark and DuckDB.
 */
function withoutTrailingZeros(text: string): string {
  return `CASE WHEN ${text} LIKE '%.%' THEN ${trimmed(text)} ELSE ${text} END`;
}

function trimmed(text: string): string {
  return `TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM ${text}))`;
}

/**
 * A MySQL DECIMAL(p,scale) value's canonical text, when its scale is known: CAST prints exactly
 * `scale` fraction digits, so whether there is a point to trim is known before the scan, and no
 * value needs withoutTrailingZeros' LIKE test and its second and third CAST (the source scan).
 * Without fraction digits no CAST either: CONCAT_WS prints the number as CAST would.
 */
export function mysqlDecimalText(value: string, scale: number): string {
  return scale > 0 ? trimmed(`CAST(${value} AS CHAR)`) : value;
}

/** An interval as MySQL prints a TIME(fsp): [-]HH:MM:SS[.fraction], hours beyond 24 kept. */
function mysqlTimeText(value: string, sourceType: string): string {
  const fsp = Number(/\((\d)\)/.exec(sourceType)?.[1] ?? 0);
  const format = fsp > 0 ? 'HH24:MI:SS.US' : 'HH24:MI:SS';
  const text = (interval: string) => (fsp > 0 && fsp < 6 ? `left(to_char(${interval}, '${format}'), ${9 + fsp})` : `to_char(${interval}, '${format}')`);
  // to_char of a negative interval signs every field (-838:-59:-59): format its absolute value
  return `CASE WHEN ${value} < interval '0' THEN '-' || ${text(`-${value}`)} ELSE ${text(value)} END`;
}

/**
 * One SELECT computing the row count, every column's non-NULL count and, `by: 'column'`, every
 * column's checksum, or, `by: 'row'`, one checksum of the rows (checksums.ts, `row`): one md5 per
 * row instead of one per value, four to five times cheaper for the database (issue 11); with
 * `digest` crc32 (MySQL only) one CRC32 per row, about a third of that again.
 */
export function checksumQuery(dialect: ChecksumDialect, columns: ChecksumColumn[], from: string, by: 'column' | 'row' = 'column', digest: RowDigest = 'md5'): string {
  if (digest === 'crc32' && (dialect !== 'mysql' || by !== 'row')) throw new Error(`the crc32 row digest is MySQL's and sums rows only (asked: ${dialect}, by ${by})`);
  const parts = ['COUNT(*) AS r'];
  columns.forEach((column, index) => {
    parts.push(`COUNT(${column.value}) AS n${index}`);
    if (column.canonical === null || by === 'row') return;
    parts.push(`${summed(dialect, digestValue(dialect, 'md5', column.bytes ? column.value : column.canonical))} AS h${index}`);
  });
  if (by === 'row') parts.push(`${summed(dialect, digestValue(dialect, digest, rowText(dialect, columns)))} AS rh`);
  return `SELECT ${parts.join(', ')} FROM ${from}`;
}

/** A value's digest as an integer: md5's first 15 hex digits, or CRC32's unsigned 32 bits (MySQL). */
function digestValue(dialect: ChecksumDialect, digest: RowDigest, text: string): string {
  if (digest === 'crc32') return `CRC32(${text})`;
  return dialect === 'mysql' ? `CAST(CONV(LEFT(MD5(${text}), 15), 16, 10) AS UNSIGNED)` : `('x' || left(MD5(${text}), 15))::bit(60)::bigint`;
}

/** The sum of the rows' integers, as decimal text (exact: BIGINT sums are DECIMAL in MySQL, numeric in PostgreSQL). */
function summed(dialect: ChecksumDialect, integer: string): string {
  return dialect === 'mysql' ? `CAST(COALESCE(SUM(${integer}), 0) AS CHAR)` : `COALESCE(SUM(${integer}), 0)::text`;
}

/** A row's canonical text (checksums.ts, `row`; checksums.py's row_text is the other half). */
function rowText(dialect: ChecksumDialect, columns: ChecksumColumn[]): string {
  const hashed = columns.filter((column) => column.canonical !== null).sort((a, b) => byCodePoint(a.name, b.name));
  if (hashed.length === 0) return dialect === 'mysql' ? "''" : "''::text";
  if (dialect === 'mysql') {
    const text = (column: ChecksumColumn) => (column.bytes ? `HEX(${column.value})` : column.utf8mb4 ? column.canonical : `CONVERT(${column.canonical} USING utf8mb4)`);
    return `CONCAT_WS(CHAR(31 USING utf8mb4), ${hashed.map((column) => `COALESCE(${text(column)}, CHAR(30 USING utf8mb4))`).join(', ')})`;
  }
  const text = (column: ChecksumColumn) => (column.bytes ? `upper(encode(${column.value}, 'hex'))` : `(${column.canonical})`);
  return `concat_ws(chr(31), ${hashed.map((column) => `coalesce(${text(column)}, chr(30))`).join(', ')})`;
}

/** The query's one row as checksums. */
export function checksumsFromRow(columns: ChecksumColumn[], row: Record<string, unknown>): TableChecksums {
  const perColumn = columns.every((column, index) => column.canonical === null || row[`h${index}`] !== undefined);
  const checksums: TableChecksums = {
    rows: Number(row.r),
    columns: Object.fromEntries(
      columns.map((column, index) => {
        const nonNull = Number(row[`n${index}`]);
        if (column.canonical === null) return [column.name, { nonNull, hash: null }];
        return [column.name, perColumn ? { nonNull, hash: String(row[`h${index}`]) } : { nonNull }];
      }),
    ),
  };
  if (row.rh !== undefined) checksums.row = String(row.rh);
  return checksums;
}
