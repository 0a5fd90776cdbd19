import { z } from 'zod';

/**
 * Order-independent checksums of a table's columns, the same on every hop (docs/reconciliation.md):
 * per column, the values that are not NULL, and the sum over the rows of the first 15 hex digits
 * of md5(the value's canonical text). Computed by MySQL (source, BI), Spark and DuckDB (lake,
 * warehouse, files) and PostgreSQL (BI); jobs/dataops_jobs/checksums.py has the other half.
 */
export const columnChecksum = z.object({
  nonNull: z.number().int().nonnegative(),
  /** decimal text of the sum; null for float and double columns, compared by their non-NULL count only */
  hash: z.string().regex(/^\d+$/).nullable(),
});
export const tableChecksums = z.object({
  rows: z.number().int().nonnegative(),
  columns: z.record(z.string(), columnChecksum),
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
  what: 'rows' | 'non-NULL values' | 'checksum' | 'missing column';
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
    else if (want.hash !== null && got.hash !== null && want.hash !== got.hash) found.push({ column: name, what: 'checksum', expected: want.hash, actual: got.hash });
  }
  return found;
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
      const hash = x.hash === null || y.hash === null ? null : (BigInt(x.hash) + BigInt(y.hash)).toString();
      return [name, { nonNull: x.nonNull + y.nonNull, hash }];
    }),
  );
  return { rows: a.rows + b.rows, columns };
}

/** "table orders, column amount: checksum 123 at the source, 456 in the lake" (every mismatch, one sentence each). */
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
