import type { MysqlConnection } from '@dataops/config';
import { MysqlCatalogRepository } from './mysql-catalog';
import { planColumn } from './type-mapping';

// the scan's SQL, as sent; mysql-catalog.int.spec.ts runs it on MariaDB
const sent: string[] = [];
jest.mock('mysql2/promise', () => {
  const query = async (sql: string) => {
    sent.push(sql);
    return [[{ r: '0' }]];
  };
  return { __esModule: true, default: { createPool: () => ({ query, end: async () => undefined }), createConnection: async () => ({ query, destroy: () => undefined }) } };
});

async function scanSql(columns: [string, string][]): Promise<string> {
  const connection: MysqlConnection = { type: 'mysql', host: 'localhost', port: 3306, database: 'shop', credentials: { optionsFile: 'unused' }, properties: {} };
  const catalog = await MysqlCatalogRepository.connect(connection, { user: 'u', password: 'p' });
  sent.length = 0;
  await catalog.sourceScan('t', columns.map(([name, type]) => planColumn(name, type, true)), '1 = 1', 'row');
  return sent.find((sql) => sql.startsWith('SELECT'))!;
}

describe('the source scan SQL', () => {
  it('tests a date on its stored fields, not its text, and counts the dates without printing them', async () => {
    const sql = await scanSql([['at', 'datetime(6)']]);
    expect(sql).toContain('COUNT(CASE WHEN NOT (MONTH(`at`) = 0 OR DAYOFMONTH(`at`) = 0 OR (DAYOFMONTH(`at`) > 28 AND DAYOFMONTH(`at`) > CASE MONTH(`at`) WHEN 2');
    expect(sql).toContain(') THEN 1 END) AS n0');
    expect(sql).not.toMatch(/SUBSTRING|LAST_DAY|DATE_FORMAT/);
  });

  it('prints a date as CAST does, and a time widened to the six fraction digits the lake prints', async () => {
    const sql = await scanSql([['d', 'date'], ['at', 'timestamp(3)']]);
    expect(sql).toContain('THEN CAST(`d` AS CHAR) END');
    expect(sql).toContain('THEN CAST(CAST(`at` AS DATETIME(6)) AS CHAR) END');
  });

  it('trims the fraction zeros of a decimal with a scale only, without asking each value for a point', async () => {
    const sql = await scanSql([['price', 'decimal(12,2)'], ['units', 'bigint(20) unsigned']]);
    expect(sql).toContain("COALESCE(TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM CAST(`price` AS CHAR))), CHAR(30 USING utf8mb4))");
    // a number without fraction digits goes to CONCAT_WS as it is: it prints it as CAST would
    expect(sql).toContain('COALESCE(`units`, CHAR(30 USING utf8mb4))');
    expect(sql).not.toContain('LIKE');
  });

  it('joins integers without a CAST', async () => {
    const sql = await scanSql([['id', 'int(11)'], ['year', 'year(4)']]);
    expect(sql).toContain('COALESCE(`id`, CHAR(30 USING utf8mb4)), COALESCE(CAST(`year` AS UNSIGNED), CHAR(30 USING utf8mb4))');
  });

  it('prints a DATETIME(6) as CAST does, with no widening', async () => {
    const sql = await scanSql([['at', 'datetime(6)']]);
    expect(sql).toContain('THEN CAST(`at` AS CHAR) END');
  });

  it('sums the stored dates without testing them, and counts no zero dates, when asked for the stored dates', async () => {
    const connection: MysqlConnection = { type: 'mysql', host: 'localhost', port: 3306, database: 'shop', credentials: { optionsFile: 'unused' }, properties: {} };
    const catalog = await MysqlCatalogRepository.connect(connection, { user: 'u', password: 'p' });
    sent.length = 0;
    const scan = await catalog.sourceScan('t', [planColumn('at', 'datetime(3)', true)], '1 = 1', 'row', 'stored');
    const sql = sent.find((text) => text.startsWith('SELECT'))!;
    expect(sql).toBe('SELECT COUNT(*) AS r, COUNT(`at`) AS n0, CAST(COALESCE(SUM(CRC32(CONCAT_WS(CHAR(31 USING utf8mb4), COALESCE(CAST(CAST(`at` AS DATETIME(6)) AS CHAR), CHAR(30 USING utf8mb4))))), 0) AS CHAR) AS rh FROM `t` WHERE 1 = 1');
    expect(scan.zeroDates).toBeNull();
  });

  it('joins texts that are utf8mb4 already without converting them, and bytes as hex', async () => {
    const sql = await scanSql([['name', 'varchar(10)'], ['blob', 'varbinary(4)']]);
    expect(sql).toContain('COALESCE(CAST(`name` AS CHAR CHARACTER SET utf8mb4), CHAR(30 USING utf8mb4))');
    expect(sql).toContain('COALESCE(HEX(`blob`), CHAR(30 USING utf8mb4))');
    expect(sql).not.toContain('CONVERT(');
  });
});
