/**
 * Model columns -> target column types, for tables export creates (docs/type-mapping.md, "BI
 * targets"). A column a model passes through unchanged carries its MySQL type (`sourceType`, from
 * Spark field metadata): it gets the richest target type that holds every value exactly. Other
 * columns are mapped from their Spark type. Decimals stay exact, times keep microseconds.
 */
export type Dialect = 'postgres' | 'mysql';

export interface ModelColumn {
  name: string;
  /** Spark's simpleString */
  type: string;
  sourceType?: string;
}

export function targetType(column: ModelColumn, dialect: Dialect, isKey = false): string {
  const fromSource = column.sourceType ? sourceTargetType(column.sourceType, dialect, isKey) : undefined;
  return fromSource ?? sparkTargetType(column.type, dialect, isKey);
}

function sparkTargetType(sparkType: string, dialect: Dialect, isKey: boolean): string {
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(sparkType);
  if (decimal) return dialect === 'postgres' ? `numeric(${decimal[1]},${decimal[2]})` : `DECIMAL(${decimal[1]},${decimal[2]})`;
  const table: Record<string, [string, string]> = {
    tinyint: ['smallint', 'TINYINT'],
    smallint: ['smallint', 'SMALLINT'],
    int: ['integer', 'INT'],
    bigint: ['bigint', 'BIGINT'],
    float: ['real', 'FLOAT'],
    double: ['double precision', 'DOUBLE'],
    boolean: ['boolean', 'TINYINT(1)'],
    date: ['date', 'DATE'],
    timestamp_ntz: ['timestamp(6) without time zone', 'DATETIME(6)'],
    // MySQL's TIMESTAMP stops in 2038: an instant is kept as a UTC DATETIME(6) there
    timestamp: ['timestamp(6) with time zone', 'DATETIME(6)'],
    binary: ['bytea', 'LONGBLOB'],
    string: ['text', isKey ? 'VARCHAR(255)' : 'LONGTEXT'],
  };
  const mapped = table[sparkType] ?? ['text', 'LONGTEXT'];
  return dialect === 'postgres' ? mapped[0] : mapped[1];
}

/**
 * The richer type a MySQL column keeps in the target, where the Spark type alone would lose its
 * meaning; undefined leaves it to the Spark type. MySQL targets get the source's own type (with
 * two exceptions below); PostgreSQL gets the closest type that holds every MySQL value.
 */
function sourceTargetType(sourceType: string, dialect: Dialect, isKey: boolean): string | undefined {
  const type = sourceType.trim().toLowerCase();
  const base = type.replace(/\(.*$/, '').replace(/ .*$/, '');
  const size = /\((\d+)(?:,\s*(\d+))?\)/.exec(type);
  if (dialect === 'mysql') {
    // TIMESTAMP stops in 2038 and depends on the session zone: the lake's UTC instant goes to DATETIME
    if (base === 'timestamp') return size ? `DATETIME(${size[1]})` : 'DATETIME';
    // a key cannot be a TEXT/BLOB without a prefix length
    if (isKey && /text|blob|json/.test(base)) return undefined;
    // spatial types arrive as WKB (the SRID is dropped at ingest): kept as bytes
    if (SPATIAL.has(base)) return undefined;
    return sourceType;
  }
  switch (base) {
    case 'decimal':
    case 'numeric':
      // numeric holds any precision: DECIMAL(65,30) arrives as exact text and is numeric again here
      return `numeric(${size?.[1] ?? 10},${size?.[2] ?? 0})`;
    case 'json':
      // json, not jsonb: json keeps the exact text (key order, duplicate keys, number spelling)
      return 'json';
    case 'time':
      // TIME spans -838:59:59..838:59:59, beyond PostgreSQL's time of day
      return size ? `interval(${size[1]})` : 'interval';
    case 'char':
    case 'varchar':
      // varchar, not char: PostgreSQL's char(n) pads values with spaces, MySQL's returns them unpadded
      return size ? `varchar(${size[1]})` : 'text';
    case 'year':
      return 'smallint';
    default:
      return undefined;
  }
}

const SPATIAL = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection']);

type Family = 'integer' | 'exact' | 'float' | 'text' | 'date' | 'timestamp' | 'binary' | 'boolean' | 'interval' | 'bit';

function sparkFamily(sparkType: string): Family {
  if (/^(tinyint|smallint|int|bigint)$/.test(sparkType)) return 'integer';
  if (sparkType.startsWith('decimal')) return 'exact';
  if (/^(float|double)$/.test(sparkType)) return 'float';
  if (sparkType === 'date') return 'date';
  if (sparkType.startsWith('timestamp')) return 'timestamp';
  if (sparkType === 'binary') return 'binary';
  if (sparkType === 'boolean') return 'boolean';
  return 'text';
}

/** The family of the values a column holds: a passed-through column's source type says more than Spark's. */
function columnFamily(column: ModelColumn): Family {
  const base = column.sourceType?.trim().toLowerCase().replace(/\(.*$/, '').replace(/ .*$/, '');
  if (base === 'decimal' || base === 'numeric') return 'exact';
  // BIGINT UNSIGNED travels as decimal(20,0), but its values are integers
  if (base && /^(tinyint|smallint|mediumint|int|integer|bigint|year)$/.test(base)) return 'integer';
  if (base === 'time') return 'interval';
  if (base === 'bit') return 'bit';
  return sparkFamily(column.type);
}

function targetFamily(dataType: string): Family {
  const type = dataType.toLowerCase();
  if (/^(smallint|integer|int|bigint|tinyint|mediumint)\b/.test(type)) return 'integer';
  if (/^(numeric|decimal)/.test(type)) return 'exact';
  if (/^(real|double|float)/.test(type)) return 'float';
  if (/^date$/.test(type)) return 'date';
  if (/^(timestamp|datetime)/.test(type)) return 'timestamp';
  if (/^(bytea|blob|longblob|mediumblob|binary|varbinary)/.test(type)) return 'binary';
  if (/^bool/.test(type)) return 'boolean';
  if (/^(interval|time\b)/.test(type)) return 'interval';
  if (/^bit/.test(type)) return 'bit';
  return 'text';
}

/** Which target types can take a model column without loss of meaning. */
export function compatible(column: ModelColumn, targetDataType: string): boolean {
  const source = columnFamily(column);
  const target = targetFamily(targetDataType);
  if (source === target) return true;
  if (target === 'text') return true;
  if (source === 'integer' && (target === 'exact' || target === 'float')) return true;
  if (source === 'bit' && (target === 'exact' || target === 'integer')) return true;
  if (source === 'boolean' && target === 'integer') return true;
  return false;
}
