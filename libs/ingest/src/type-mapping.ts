/**
 * MySQL column types -> what Spark reads and Parquet stores. Lossless by default; documented in
 * docs/type-mapping.md. Each column gets a read expression (what the SELECT sends to MySQL) and a
 * Spark type (given to Spark's JDBC reader as customSchema, so no driver default decides).
 */
export interface ColumnReadPlan {
  name: string;
  mysqlType: string;
  /** SQL in the SELECT list, aliased back to the column name */
  expression: string;
  /** Spark DDL type for customSchema */
  sparkType: string;
  nullable: boolean;
  /** DATE/DATETIME/TIMESTAMP: zero dates become NULL and are counted */
  zeroDateCapable: boolean;
  /** read as exact text, then cast by Spark to `sparkType` (see temporal below) */
  readAsText: boolean;
}

export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

export function planColumn(name: string, columnType: string, nullable: boolean): ColumnReadPlan {
  const type = columnType.toLowerCase();
  const column = quoteIdentifier(name);
  const plan = (sparkType: string, expression = column, zeroDateCapable = false): ColumnReadPlan => ({
    name,
    mysqlType: columnType,
    expression,
    sparkType,
    nullable,
    zeroDateCapable,
    readAsText: zeroDateCapable,
  });
  /**
   * Dates and times travel as text and are cast by Spark: java.sql.Timestamp/Date use the hybrid
   * Julian calendar, which would move a DATETIME '1000-01-01' by five days on its way in.
   */
  const temporal = (sparkType: string) => plan(sparkType, temporalText(column, base, fractionDigits(type)), true);
  const unsigned = type.includes('unsigned');
  const base = type.replace(/\(.*$/, '').replace(/ .*$/, '');
  switch (base) {
    case 'tinyint':
      // TINYINT(1) stays a number: Connector/J's tinyInt1isBit is off, and 0..255 needs SMALLINT when unsigned
      return plan(unsigned ? 'SMALLINT' : 'TINYINT');
    case 'smallint':
      return plan(unsigned ? 'INT' : 'SMALLINT');
    case 'mediumint':
      return plan('INT');
    case 'int':
    case 'integer':
      return plan(unsigned ? 'BIGINT' : 'INT');
    case 'bigint':
      // above 2^63 does not fit a signed long: DECIMAL(20,0) holds every BIGINT UNSIGNED exactly
      return plan(unsigned ? 'DECIMAL(20,0)' : 'BIGINT');
    case 'decimal':
    case 'numeric':
      return decimalPlan(type, plan, column);
    case 'float':
      // MariaDB's text protocol prints a FLOAT with 6 significant digits (3.40282e38 for FLT_MAX),
      // which Connector/J would parse; as DOUBLE it sends the stored float32 value exactly
      return plan('FLOAT', `CAST(${column} AS DOUBLE)`);
    case 'double':
    case 'real':
      return plan('DOUBLE');
    case 'bit':
      // BIT(n) as its unsigned integer value (n <= 64 always fits DECIMAL(20,0))
      return plan('DECIMAL(20,0)', `CAST(${column} AS UNSIGNED)`);
    case 'date':
      return temporal('DATE');
    case 'datetime':
      // a wall-clock time without zone
      return temporal('TIMESTAMP_NTZ');
    case 'timestamp':
      // an instant; the session and Spark both run in UTC
      return temporal('TIMESTAMP');
    case 'time':
      // TIME spans -838:59:59..838:59:59: more than a day, so it is kept as its exact text
      return plan('STRING', `CAST(${column} AS CHAR)`);
    case 'year':
      return plan('SMALLINT', `CAST(${column} AS UNSIGNED)`);
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return plan('BINARY');
    case 'geometry':
    case 'point':
    case 'linestring':
    case 'polygon':
    case 'multipoint':
    case 'multilinestring':
    case 'multipolygon':
    case 'geometrycollection':
      // standard WKB (the SRID is dropped; documented)
      return plan('BINARY', `ST_AsBinary(${column})`);
    default:
      // char, varchar, text, enum, set, json (MariaDB: longtext) and anything textual
      return plan('STRING');
  }
}

/**
 * A DATE as YYYY-MM-DD, a DATETIME or TIMESTAMP (in the session's time zone, UTC) as
 * YYYY-MM-DD HH:MM:SS.ffffff: the text DATE_FORMAT gives with %f, zero and impossible dates
 * included (0000-00-00, 2021-02-30), at half its cost for the server. CAST prints a DATETIME(p)
 * with its own p fraction digits, so one of fewer than six is widened first.
 */
function temporalText(column: string, base: string, digits: number): string {
  if (base === 'date' || digits === 6) return `CAST(${column} AS CHAR)`;
  return `CAST(CAST(${column} AS DATETIME(6)) AS CHAR)`;
}

/** The fraction digits of a DATETIME(p) or TIMESTAMP(p) column type (0 without a precision). */
function fractionDigits(columnType: string): number {
  return Number(/\((\d)\)/.exec(columnType)?.[1] ?? 0);
}

function decimalPlan(type: string, plan: (sparkType: string, expression?: string) => ColumnReadPlan, column: string): ColumnReadPlan {
  const match = /\((\d+)(?:,\s*(\d+))?\)/.exec(type);
  const precision = match ? Number(match[1]) : 10;
  const scale = match?.[2] ? Number(match[2]) : 0;
  // Spark decimals stop at 38 digits: wider ones are kept as their exact decimal text
  if (precision > 38) return plan('STRING', `CAST(${column} AS CHAR)`);
  return plan(`DECIMAL(${precision},${scale})`);
}

/** customSchema for Spark's JDBC reader: `name` TYPE, ... */
export function customSchema(columns: ColumnReadPlan[]): string {
  return columns.map((column) => `${quoteIdentifier(column.name)} ${column.readAsText ? 'STRING' : column.sparkType}`).join(', ');
}

/** Columns the job casts from text after reading: name -> Spark type. */
export function textCasts(columns: ColumnReadPlan[]): Record<string, string> {
  return Object.fromEntries(columns.filter((column) => column.readAsText).map((column) => [column.name, column.sparkType]));
}
