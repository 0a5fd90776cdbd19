import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { MysqlConnection } from '@dataops/config';
import { adminConnection, adminLogin, createTestDatabase, mysqlPort } from '../../../test/support/stack';
import { MysqlCatalogRepository, notACalendarDate, type DateScan } from './mysql-catalog';
import { planColumn } from './type-mapping';

/** checksums.py's sum of one md5 prefix per text, for the expected side. */
const summed = (texts: string[]) => texts.reduce((sum, text) => sum + BigInt(`0x${createHash('md5').update(text, 'utf8').digest('hex').slice(0, 15)}`), 0n).toString();

/** checksums.py's sum of one CRC32 per text (the source's row digest). */
const crc32Summed = (texts: string[]) => texts.reduce((sum, text) => sum + BigInt(crc32(Buffer.from(text, 'utf8'))), 0n).toString();

describe('the source scan on MariaDB', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let catalog: MysqlCatalogRepository;

  beforeAll(async () => {
    database = await createTestDatabase();
    const admin = await adminConnection(database.name);
    await admin.query(`SET SESSION sql_mode = 'ALLOW_INVALID_DATES'; SET time_zone = '+00:00';
      CREATE TABLE dates (id INT PRIMARY KEY, d DATE, dt DATETIME(6), dt0 DATETIME, dt3 DATETIME(3), ts3 TIMESTAMP(3) NULL DEFAULT NULL, price DECIMAL(5,4), big DECIMAL(20,0));
      INSERT INTO dates VALUES
        (1, '0000-00-00', '0000-00-00 00:00:00', NULL, NULL, '0000-00-00 00:00:00', 0, 0),
        (2, '2020-00-15', '2020-12-00 10:00:00', NULL, NULL, NULL, 1.2300, 18446744073709551615),
        (3, '2021-02-30', '2021-04-31 23:59:59.999999', NULL, NULL, NULL, -0.0010, -99999999999999999999),
        (4, '0000-03-01', '0000-02-29 00:00:00.000001', '0999-12-31 23:59:59', '0001-01-01 00:00:00.5', '1970-01-01 00:00:01.010', 9.9999, 10),
        (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (6, '2024-02-29', '2023-02-29 12:00:00', '9999-12-31 23:59:59', '2024-06-15 10:11:12.001', '2038-01-19 03:14:07.999', -1, 100),
        (7, '1900-02-29', '2000-02-29 00:00:00', '2021-12-31 00:00:00', '1000-01-01 00:00:00', NULL, 0.5, -1);`);
    await admin.end();
    const connection: MysqlConnection = { type: 'mysql', host: '127.0.0.1', port: mysqlPort, database: database.name, credentials: { optionsFile: 'unused' }, properties: {} };
    catalog = await MysqlCatalogRepository.connect(connection, adminLogin());
  });

  afterAll(async () => {
    await catalog?.close();
    await database?.drop();
  });

  it.each(['', 'TRADITIONAL', 'ALLOW_INVALID_DATES', 'ORACLE'])('tells the dates the calendar lacks from those it has, year 0 included (sql_mode %p)', async (mode) => {
    const admin = await adminConnection(database.name);
    try {
      await admin.query(`SET SESSION sql_mode = '${mode}'`);
      const [rows] = await admin.query(`SELECT id, ${notACalendarDate('d')} AS d, ${notACalendarDate('dt')} AS dt FROM dates ORDER BY id`);
      const flags = (rows as Record<string, string | null>[]).map((row) => `${row.id}:${row.d ?? 'NULL'}/${row.dt ?? 'NULL'}`);
      // 0000-02-29 is a day of the proleptic Gregorian calendar (year 0 is a leap year), 1900-02-29 and 2023-02-29 are not
      expect(flags).toEqual(['1:1/1', '2:1/1', '3:1/1', '4:0/0', '5:NULL/NULL', '6:0/1', '7:1/0']);
    } finally {
      await admin.end();
    }
  });

  /** Each row as the lake holds it, in checksums.py's canonical text (null: NULL). */
  const lake: Record<string, string | null>[] = [
    { id: '1', d: null, dt: null, dt0: null, dt3: null, ts3: null, price: '0', big: '0' },
    { id: '2', d: null, dt: null, dt0: null, dt3: null, ts3: null, price: '1.23', big: '18446744073709551615' },
    { id: '3', d: null, dt: null, dt0: null, dt3: null, ts3: null, price: '-0.001', big: '-99999999999999999999' },
    { id: '4', d: '0000-03-01', dt: '0000-02-29 00:00:00.000001', dt0: '0999-12-31 23:59:59.000000', dt3: '0001-01-01 00:00:00.500000', ts3: '1970-01-01 00:00:01.010000', price: '9.9999', big: '10' },
    { id: '5', d: null, dt: null, dt0: null, dt3: null, ts3: null, price: null, big: null },
    { id: '6', d: '2024-02-29', dt: null, dt0: '9999-12-31 23:59:59.000000', dt3: '2024-06-15 10:11:12.001000', ts3: '2038-01-19 03:14:07.999000', price: '-1', big: '100' },
    { id: '7', d: null, dt: '2000-02-29 00:00:00.000000', dt0: '2021-12-31 00:00:00.000000', dt3: '1000-01-01 00:00:00.000000', ts3: null, price: '0.5', big: '-1' },
  ];
  const names = Object.keys(lake[0]).sort();
  /** By id, the stored values the lake holds as NULL (zero and impossible dates), in the text the reader reads. */
  const STORED_TEXTS: Record<number, Record<string, string>> = {
    1: { d: '0000-00-00', dt: '0000-00-00 00:00:00.000000', ts3: '0000-00-00 00:00:00.000000' },
    2: { d: '2020-00-15', dt: '2020-12-00 10:00:00.000000' },
    3: { d: '2021-02-30', dt: '2021-04-31 23:59:59.999999' },
    6: { dt: '2023-02-29 12:00:00.000000' },
    7: { d: '1900-02-29' },
  };

  async function scan(by: 'row' | 'column', dates: DateScan = 'calendar') {
    const columns = (await catalog.tables(false))[0].columns.map((column) => planColumn(column.name, column.columnType, column.nullable));
    return catalog.sourceScan('dates', columns, '1 = 1', by, dates);
  }

  it('counts the zero and impossible dates, and sums every value in the text the lake prints it in', async () => {
    const { checksums, zeroDates } = await scan('column');
    expect(zeroDates).toEqual({ d: 4, dt: 4, ts3: 1 });
    for (const name of names) {
      const texts = lake.map((row) => row[name]).filter((text): text is string => text !== null);
      expect([name, checksums.columns[name]]).toEqual([name, { nonNull: texts.length, hash: summed(texts) }]);
    }
  });

  it('sums the rows in the text the lake joins them in', async () => {
    const { checksums, zeroDates } = await scan('row');
    expect(zeroDates).toEqual({ d: 4, dt: 4, ts3: 1 });
    // by CRC32, the source's row digest (a third of md5's CPU), over the same text
    expect(checksums).toMatchObject({ rowDigest: 'crc32', row: crc32Summed(lake.map((row) => names.map((name) => row[name] ?? '\u001e').join('\u001f'))) });
  });

  it('sums the dates by their stored text, zero and impossible ones too, and counts no zero dates, when asked for the stored dates', async () => {
    // the lake's rows with the stored text where the reader makes a NULL: what a reader that kept every value would hold
    const stored = lake.map((row, index) => ({ ...row, ...STORED_TEXTS[index + 1] }));
    const { checksums, zeroDates } = await scan('row', 'stored');
    expect(zeroDates).toBeNull();
    expect(checksums).toMatchObject({ rows: 7, rowDigest: 'crc32', row: crc32Summed(stored.map((row) => names.map((name) => row[name] ?? '\u001e').join('\u001f'))) });
    expect(checksums.columns).toMatchObject({ d: { nonNull: 6 }, dt: { nonNull: 6 }, ts3: { nonNull: 3 } });
  });
});
