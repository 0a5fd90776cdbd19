/**
 * Spark types (simpleString) -> target column types, for tables export creates. Documented in
 * docs/export.md. Precision is kept: decimals stay exact, times keep microseconds.
 */
export type Dialect = 'postgres' | 'mysql';

export function targetType(sparkType: string, dialect: Dialect, isKey = false): string {
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

type Family = 'integer' | 'exact' | 'float' | 'text' | 'date' | 'timestamp' | 'binary' | 'boolean';

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

function targetFamily(dataType: string): Family {
  const type = dataType.toLowerCase();
  if (/^(smallint|integer|int|bigint|tinyint|mediumint)/.test(type)) return 'integer';
  if (/^(numeric|decimal)/.test(type)) return 'exact';
  if (/^(real|double|float)/.test(type)) return 'float';
  if (/^date$/.test(type)) return 'date';
  if (/^(timestamp|datetime)/.test(type)) return 'timestamp';
  if (/^(bytea|blob|longblob|mediumblob|binary|varbinary)/.test(type)) return 'binary';
  if (/^bool/.test(type)) return 'boolean';
  return 'text';
}

/** Which target types can take a source type without loss of meaning. */
export function compatible(sparkType: string, targetDataType: string): boolean {
  const source = sparkFamily(sparkType);
  const target = targetFamily(targetDataType);
  if (source === target) return true;
  if (target === 'text') return true;
  if (source === 'integer' && (target === 'exact' || target === 'float')) return true;
  if (source === 'boolean' && target === 'integer') return true;
  return false;
}
