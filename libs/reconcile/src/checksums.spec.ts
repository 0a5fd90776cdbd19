import { addChecksums, byCodePoint, checksumKind, compareChecksums, countedOnly, describeMismatches, onlyRowsDiffer, type TableChecksums } from './checksums';
import { canonicalText, checksumQuery, mysqlDecimalText } from './sql';

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

describe('addChecksums', () => {
  it('sums two parts of a table: counts add, and hashes add beyond 2^64 without losing a digit', () => {
    const part = (rows: number, hash: string): TableChecksums => ({ rows, columns: { id: { nonNull: rows, hash }, ratio: { nonNull: rows - 1, hash: null } } });
    const sum = addChecksums(part(2, '18446744073709551615'), part(3, '18446744073709551617'));
    expect(sum).toEqual({ rows: 5, columns: { id: { nonNull: 5, hash: '36893488147419103232' }, ratio: { nonNull: 3, hash: null } } });
  });

  it('compares the sum of the parts as the whole: a changed part shows in the sum', () => {
    const first: TableChecksums = { rows: 1, columns: { id: { nonNull: 1, hash: '100' } } };
    const whole: TableChecksums = { rows: 3, columns: { id: { nonNull: 3, hash: '123' } } };
    expect(compareChecksums(whole, addChecksums(first, { rows: 2, columns: { id: { nonNull: 2, hash: '23' } } }))).toEqual([]);
    expect(compareChecksums(whole, addChecksums(first, { rows: 2, columns: { id: { nonNull: 2, hash: '24' } } }))).toEqual([
      { column: 'id', what: 'checksum', expected: '123', actual: '124' },
    ]);
  });

  it('refuses parts of different columns', () => {
    expect(() => addChecksums(lake, { rows: 1, columns: { id: { nonNull: 1, hash: '1' } } })).toThrow(/different columns/);
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

  it('trims a PostgreSQL number by trim_scale, and a decimal held as text by taking its text apart', () => {
    expect(canonicalText('postgres', 'decimal', '"price"', 'numeric')).toBe('trim_scale("price")::text');
    expect(canonicalText('postgres', 'decimal', '"id"', 'bigint')).toBe('trim_scale("id")::text');
    expect(canonicalText('postgres', 'decimal', '"price"', 'text')).toBe(`CASE WHEN "price"::text LIKE '%.%' THEN TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM "price"::text)) ELSE "price"::text END`);
  });

  it('trims a MySQL decimal of a known scale without asking each value for a point', () => {
    expect(mysqlDecimalText('`price`', 2)).toBe("TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM CAST(`price` AS CHAR)))");
    expect(mysqlDecimalText('`units`', 0)).toBe('`units`');
  });

  it('converts a MySQL row text to utf8mb4 unless the column says it is already', () => {
    const sql = checksumQuery('mysql', [
      { name: 'a', value: '`a`', canonical: 'CAST(`a` AS CHAR)', utf8mb4: true },
      { name: 'b', value: '`b`', canonical: '`b`' },
    ], '`t`', 'row');
    expect(sql).toContain('CONCAT_WS(CHAR(31 USING utf8mb4), COALESCE(CAST(`a` AS CHAR), CHAR(30 USING utf8mb4)), COALESCE(CONVERT(`b` USING utf8mb4), CHAR(30 USING utf8mb4)))');
  });

  it('hashes the bytes of a binary column and leaves float columns out of the sum', () => {
    const sql = checksumQuery('mysql', [
      { name: 'b', value: '`b`', canonical: '`b`', bytes: true },
      { name: 'f', value: '`f`', canonical: null },
    ], '`t`');
    expect(sql).toBe('SELECT COUNT(*) AS r, COUNT(`b`) AS n0, CAST(COALESCE(SUM(CAST(CONV(LEFT(MD5(`b`), 15), 16, 10) AS UNSIGNED)), 0) AS CHAR) AS h0, COUNT(`f`) AS n1 FROM `t`');
  });
});

describe('row checksums: the databases sum the rows, one md5 per row', () => {
  const warehouse = { rows: 2, columns: { id: { nonNull: 2, hash: '11' }, amount: { nonNull: 1, hash: '22' } }, row: '33' };
  const rowLevel = (row: string, amountNonNull = 1) => ({ rows: 2, columns: { id: { nonNull: 2 }, amount: { nonNull: amountNonNull } }, row });

  it('agrees when the rows, the non-NULL counts and the row sums agree', () => {
    expect(compareChecksums(warehouse, rowLevel('33'))).toEqual([]);
  });

  it('reports a differing row sum on its own, for the per-column sums to name the column', () => {
    const mismatches = compareChecksums(warehouse, rowLevel('34'));
    expect(mismatches).toEqual([{ column: null, what: 'row checksum', expected: '33', actual: '34' }]);
    expect(onlyRowsDiffer(mismatches)).toBe(true);
  });

  it('names a column whose non-NULL count differs without needing the per-column sums', () => {
    const mismatches = compareChecksums(warehouse, rowLevel('33', 2));
    expect(mismatches).toEqual([{ column: 'amount', what: 'non-NULL values', expected: '1', actual: '2' }]);
    expect(onlyRowsDiffer(mismatches)).toBe(false);
  });

  it('does not let a side without row sums vouch for a row-level side', () => {
    const { row: _row, ...withoutRows } = warehouse;
    expect(onlyRowsDiffer(compareChecksums(withoutRows, rowLevel('33')))).toBe(true);
  });

  it('adds the row sums of parts, beyond 2^64', () => {
    expect(addChecksums(rowLevel('18446744073709551615'), rowLevel('1')).row).toBe('18446744073709551616');
  });

  it('never matches row sums of different digests, even when the numbers agree', () => {
    const source = { ...rowLevel('33'), rowDigest: 'crc32' as const };
    const mismatches = compareChecksums(source, warehouse);
    expect(mismatches).toEqual([{ column: null, what: 'row checksum', expected: '33 by crc32', actual: '33 by md5' }]);
    expect(compareChecksums(source, { ...warehouse, rowDigest: 'crc32' })).toEqual([]);
  });

  it('adds parts summed by the same digest, keeping it, and refuses to mix digests', () => {
    const part = { ...rowLevel('4294967295'), rowDigest: 'crc32' as const };
    expect(addChecksums(part, part)).toMatchObject({ row: '8589934590', rowDigest: 'crc32' });
    expect(() => addChecksums(part, rowLevel('1'))).toThrow(/different digests: crc32 and md5/);
  });

  it('sums the rows by CRC32 in MySQL, exactly, and only there', () => {
    const columns = [{ name: 'id', value: '`id`', canonical: 'CAST(`id` AS CHAR)', utf8mb4: true }];
    expect(checksumQuery('mysql', columns, '`t`', 'row', 'crc32')).toBe(
      'SELECT COUNT(*) AS r, COUNT(`id`) AS n0, CAST(COALESCE(SUM(CRC32(CONCAT_WS(CHAR(31 USING utf8mb4), COALESCE(CAST(`id` AS CHAR), CHAR(30 USING utf8mb4))))), 0) AS CHAR) AS rh FROM `t`',
    );
    expect(() => checksumQuery('postgres', columns, 't', 'row', 'crc32')).toThrow(/MySQL's/);
    expect(() => checksumQuery('mysql', columns, '`t`', 'column', 'crc32')).toThrow(/rows only/);
  });

  it('orders names by code point, as Python does', () => {
    expect(['b', 'a', '\u{1F600}', '\uFF5E'].sort(byCodePoint)).toEqual(['a', 'b', '\uFF5E', '\u{1F600}']);
  });
});
