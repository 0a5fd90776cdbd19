import { checksumKind, compareChecksums, countedOnly, describeMismatches, type TableChecksums } from './checksums';
import { canonicalText, checksumQuery } from './sql';

const lake: TableChecksums = {
  rows: 3,
  columns: { id: { nonNull: 3, hash: '123' }, amount: { nonNull: 2, hash: '456' }, ratio: { nonNull: 3, hash: null } },
};

describe('compareChecksums', () => {
  it('finds nothing when two hops hold the same values', () => {
    expect(compareChecksums(lake, structuredClone(lake))).toEqual([]);
  });

  it('names the column and both values of a checksum that differs', () => {
    const bi = structuredClone(lake);
    bi.columns.amount.hash = '457';
    const found = compareChecksums(lake, bi);
    expect(found).toEqual([{ column: 'amount', what: 'checksum', expected: '456', actual: '457' }]);
    expect(describeMismatches('table orders', 'in the warehouse', 'in bi_pg:orders', found)).toBe(
      'table orders, column amount: checksum 456 in the warehouse, 457 in bi_pg:orders',
    );
  });

  it('reports a lost row, a value turned NULL and a missing column', () => {
    const bi: TableChecksums = { rows: 2, columns: { id: { nonNull: 3, hash: '123' }, amount: { nonNull: 1, hash: '400' } } };
    expect(compareChecksums(lake, bi).map((m) => `${m.column}:${m.what}`)).toEqual(['null:rows', 'amount:non-NULL values', 'ratio:missing column']);
  });

  it('compares floating-point columns by their non-NULL count only, and says so', () => {
    expect(countedOnly(lake)).toEqual(['ratio']);
  });
});

describe('checksumKind', () => {
  it('groups Spark types by their canonical text', () => {
    expect(['TINYINT', 'decimal(20,0)', 'STRING', 'timestamp_ntz', 'DOUBLE', 'binary'].map(checksumKind)).toEqual([
      'integer',
      'decimal',
      'text',
      'timestamp',
      'float',
      'binary',
    ]);
  });
});

describe('checksum SQL', () => {
  it('renders a PostgreSQL interval the way MySQL prints a TIME, sign and hours beyond a day included', () => {
    const sql = canonicalText('postgres', 'text', '"t"', 'interval', 'time(6)');
    expect(sql).toContain(`'-' || to_char(-"t", 'HH24:MI:SS.US')`);
  });

  it('hashes the bytes of a binary column and leaves float columns out of the sum', () => {
    const sql = checksumQuery('mysql', [
      { name: 'b', value: '`b`', canonical: '`b`', bytes: true },
      { name: 'f', value: '`f`', canonical: null },
    ], '`t`');
    expect(sql).toBe('SELECT COUNT(*) AS r, COUNT(`b`) AS n0, CAST(COALESCE(SUM(CAST(CONV(LEFT(MD5(`b`), 15), 16, 10) AS UNSIGNED)), 0) AS CHAR) AS h0, COUNT(`f`) AS n1 FROM `t`');
  });
});
