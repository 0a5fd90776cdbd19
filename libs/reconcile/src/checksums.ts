import { z } from 'zod';

/**
 * Order-independent checksums of a table's columns, the same on every hop (docs/reconciliation.md):
 * per column, the values that are not NULL, and the sum over the rows of the first 15 hex digits
 * of md5(the value's canonical text). Computed by MySQL (source, BI), Spark and DuckDB (lake,
 * warehouse, files) and PostgreSQL (BI); jobs/dataops_jobs/checksums.py has the other half.
 */
export const rowDigest = z.enum(['md5', 'crc32']);
export type RowDigest = z.infer<typeof rowDigest>;

export const columnChecksum = z.object({
  nonNull: z.number().int().nonnegative(),
  /**
   * decimal text of the sum; null for float and double columns, compared by their non-NULL count
   * only; absent from a row-level scan (a database's quick side: see `row`)
   */
  hash: z.string().regex(/^\d+$/).nullable().optional(),
});
export const tableChecksums = z.object({
  rows: z.number().int().nonnegative(),
  columns: z.record(z.string(), columnChecksum),
  /**
   * the sum over the rows of md5(the row's canonical text): every hashed column's canonical text
   * (bytes as upper-case hex, NULL as U+001E) joined by U+001F, columns in code-point order of
   * their names. One md5 per row where the per-column sums take one per value: the databases
   * (source, BI) compute this and only on a difference the per-column sums, to name the column.
   */
  row: z.string().regex(/^\d+$/).optional(),
  /**
   * how `row` hashes a row's text: md5 (the default: its first 15 hex digits), or CRC32, which the
   * MySQL source computes for a third of md5's CPU (the ingest; docs/reconciliation.md). Sums by
   * different digests never match.
   */
  rowDigest: rowDigest.optional(),
});
export type ColumnChecksum = z.infer<typeof columnChecksum>;
export type TableChecksums = z.infer<typeof tableChecksums>;

/** The canonical text family of a column, from its lake/warehouse (Spark) type. */
export type ChecksumKind = 'integer' | 'decimal' | 'text' | 'date' | 'timestamp' | 'boolean' | 'binary' | 'float';

export function checksumKind(sparkType: string): ChecksumKind {
  const type = sparkType.trim().toLowerCase();
  if (/^(tinyint|smallint|int|integer|bigint)$/.test(type)) return 'integer';
  if (type.startsWith('decimal')) return 'decimal';
  if (/^(float|double|real)$/.test(type)) return 'float';
  if (type === 'date') return 'date';
  if (type.startsWith('timestamp')) return 'timestamp';
  if (type === 'boolean') return 'boolean';
  if (type === 'binary') return 'binary';
  return 'text';
}

export interface Mismatch {
  /** null: the row count */
  column: string | null;
  what: 'rows' | 'non-NULL values' | 'checksum' | 'row checksum' | 'missing column';
  expected: string;
  actual: string;
}

/** Every difference between two hops' checksums of the same rows; empty when they agree. */
export function compareChecksums(expected: TableChecksums, actual: TableChecksums): Mismatch[] {
  const found: Mismatch[] = [];
  if (expected.rows !== actual.rows) found.push({ column: null, what: 'rows', expected: String(expected.rows), actual: String(actual.rows) });
  for (const [name, want] of Object.entries(expected.columns)) {
    const got = actual.columns[name];
    if (!got) {
      found.push({ column: name, what: 'missing column', expected: 'present', actual: 'absent' });
      continue;
    }
    if (want.nonNull !== got.nonNull) found.push({ column: name, what: 'non-NULL values', expected: String(want.nonNull), actual: String(got.nonNull) });
    else if (typeof want.hash === 'string' && typeof got.hash === 'string' && want.hash !== got.hash) found.push({ column: name, what: 'checksum', expected: want.hash, actual: got.hash });
  }
  // a row-level side: the row sums stand for the column sums it did not compute
  if (found.length === 0 && !(hasColumnSums(expected) && hasColumnSums(actual))) {
    const [want, got] = [digestOf(expected), digestOf(actual)];
    // (a side without row sums cannot vouch for the rows: the per-column sums must)
    if (want !== got) found.push({ column: null, what: 'row checksum', expected: `${expected.row ?? 'not summed'} by ${want}`, actual: `${actual.row ?? 'not summed'} by ${got}` });
    else if (expected.row !== actual.row) found.push({ column: null, what: 'row checksum', expected: expected.row ?? 'not summed', actual: actual.row ?? 'not summed' });
  }
  return found;
}

function digestOf(checksums: TableChecksums): RowDigest {
  return checksums.rowDigest ?? 'md5';
}

/** True when a side summed each column, not only its rows. */
export function hasColumnSums(checksums: TableChecksums): boolean {
  return Object.values(checksums.columns).some((column) => typeof column.hash === 'string');
}

/** True when the only difference is the row sums: the per-column sums must name the column (or clear it). */
export function onlyRowsDiffer(mismatches: Mismatch[]): boolean {
  return mismatches.length > 0 && mismatches.every((mismatch) => mismatch.what === 'row checksum');
}

/** Names in code-point order (not UTF-16 units, as Array.sort would): Python's sorted() agrees. */
export function byCodePoint(a: string, b: string): number {
  const [x, y] = [Array.from(a), Array.from(b)];
  for (let index = 0; index < Math.min(x.length, y.length); index += 1) {
    const difference = x[index].codePointAt(0)! - y[index].codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return x.length - y.length;
}

/**
 * The checksums of two disjoint sets of rows of the same columns, as one: counts add, and so do
 * the hashes (sums of md5 prefixes, beyond 2^53 at a few hundred rows: added as BigInt). Lets a
 * hop sum a table in parts (the source, slice by slice).
 */
export function addChecksums(a: TableChecksums, b: TableChecksums): TableChecksums {
  const names = Object.keys(a.columns);
  const others = Object.keys(b.columns);
  if (names.length !== others.length || others.some((name) => !(name in a.columns))) {
    throw new Error(`cannot add checksums of different columns: ${names.join(', ')} and ${others.join(', ')}`);
  }
  const columns = Object.fromEntries(
    names.map((name) => {
      const [x, y] = [a.columns[name], b.columns[name]];
      const hash = x.hash === undefined || y.hash === undefined ? undefined : x.hash === null || y.hash === null ? null : (BigInt(x.hash) + BigInt(y.hash)).toString();
      return [name, hash === undefined ? { nonNull: x.nonNull + y.nonNull } : { nonNull: x.nonNull + y.nonNull, hash }];
    }),
  );
  if (digestOf(a) !== digestOf(b)) throw new Error(`cannot add row sums of different digests: ${digestOf(a)} and ${digestOf(b)}`);
  const row = a.row === undefined || b.row === undefined ? undefined : (BigInt(a.row) + BigInt(b.row)).toString();
  const sum: TableChecksums = row === undefined ? { rows: a.rows + b.rows, columns } : { rows: a.rows + b.rows, columns, row };
  return a.rowDigest === undefined ? sum : { ...sum, rowDigest: a.rowDigest };
}

/** "table orders, column amount: checksum 123 at the source, 456 in the lake" (every mismatch, one sentence each). */
/** What a matching reconciliation compared, for the log: a checksum per row over every column, or one per column. */
export function summedBy(by: 'rows' | 'columns', columns: number): string {
  return by === 'rows' ? `by count and one checksum per row over its ${columns} columns` : `by count and each of its ${columns} columns' checksum`;
}

export function describeMismatches(subject: string, from: string, to: string, mismatches: Mismatch[]): string {
  return mismatches
    .map((m) => `${subject}${m.column === null ? '' : `, column ${m.column}`}: ${m.what} ${m.expected} ${from}, ${m.actual} ${to}`)
    .join('; ');
}

/** The columns compared by count only (float and double): named in the summary so nobody assumes more. */
export function countedOnly(checksums: TableChecksums): string[] {
  return Object.entries(checksums.columns)
    .filter(([, column]) => column.hash === null)
    .map(([name]) => name);
}
