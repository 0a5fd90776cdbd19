import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '@dataops/config';
import type { ExportCompleted, IngestCompleted, TransformCompleted } from '@dataops/contracts';
import { createStages } from '@dataops/pipeline';
import { silentLogger } from '@dataops/stage';
import { readCsvFile } from '../support/csv';
import { EDGE_TYPE_COLUMNS, EDGE_TYPES_SQL, EDGE_TYPES_SQL_MODE } from '../support/edge-types';
import { adminConnection, createTestDatabase, pgPassword, pgPort, repoRoot, tempDir, writeTestConfig } from '../support/stack';

/**
 * The type test end to end, in one run id: every MySQL type at its edges goes MySQL -> lake ->
 * a pass-through model -> PostgreSQL (upsert, then replace), MySQL (upsert) and SFTP CSV, and each
 * value is compared with the source's. So is a table whose table and column names are hostile.
 */
const request = (runId: string) => ({ runId, pipeline: 'p', logicalDate: '2026-11-24' });

const HOSTILE_SQL = `
CREATE TABLE \`weird\`\`name\` (\`id\` INT PRIMARY KEY, \`we\`\`ird.col\` VARCHAR(10), \`a b\` DECIMAL(5,2), \`Ünïcode\` VARCHAR(10), \`select\` DATETIME(6));
INSERT INTO \`weird\`\`name\` VALUES (1, 'x,"y"', 1.50, 'é', '2024-01-01 00:00:00.000001'), (2, '', -0.01, NULL, NULL);
`;
const HOSTILE_COLUMNS = ['id', 'we`ird.col', 'a b', 'Ünïcode', 'select'];

/** Each value as text, in the forms compared below; NULL stays null. */
type Row = Record<string, string | null>;

/** A TIME's or interval's text as microseconds: MySQL prints 838:59:59.000000, PostgreSQL 838:59:59. */
function micros(text: string | null): string | null {
  if (text === null) return null;
  const match = /^(-?)(\d+):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text);
  if (!match) return `unparsed ${text}`;
  const value = ((BigInt(match[2]) * 60n + BigInt(match[3])) * 60n + BigInt(match[4])) * 1_000_000n + BigInt((match[5] ?? '').padEnd(6, '0'));
  return `${match[1]}${value}`;
}

const number = (text: string | null) => (text === null ? null : String(Number(text)));

/** The form each column is compared in: exact text, except floats (as numbers), TIME (microseconds) and bytes (lower hex). */
function comparable(row: Row): Row {
  return { ...row, dbl: number(row.dbl), tm: micros(row.tm), blb: row.blb?.toLowerCase() ?? null, bin: row.bin?.toLowerCase() ?? null, geo: row.geo?.toLowerCase() ?? null };
}

// both export engines: each must deliver the same values (docs/engines.md)
describe.each(['arrow', 'spark'] as const)('every MySQL type at its edges, end to end, export engine %s: MySQL -> lake -> model -> PostgreSQL, MySQL and SFTP CSV', (engine) => {
  const id = randomBytes(3).toString('hex');
  const pgTypes = `public.fid_${id}_types`;
  const pgHostile = `public.fid_${id}_we"ird`;
  let source: { name: string; drop: () => Promise<void> };
  let bi: { name: string; drop: () => Promise<void> };
  let pg: Client;
  let ingested: IngestCompleted;
  let exported: ExportCompleted;
  let upserted: ExportCompleted;
  let models: TransformCompleted['models'];
  let sourceRows: Row[];
  let hostileRows: Row[];

  beforeAll(async () => {
    source = await createTestDatabase();
    bi = await createTestDatabase('dataops_test_bi');
    const admin = await adminConnection(source.name);
    await admin.query(EDGE_TYPES_SQL_MODE);
    await admin.query(EDGE_TYPES_SQL + HOSTILE_SQL);
    await admin.query("SET time_zone = '+00:00'");
    // the source's own text of each value (TIMESTAMP in UTC, as the pipeline reads it)
    const [types] = await admin.query(`SELECT CAST(id AS CHAR) AS id, CAST(tiny1 AS CHAR) AS tiny1, CAST(tiny_u AS CHAR) AS tiny_u,
      CAST(big_u AS CHAR) AS big_u, CAST(big_s AS CHAR) AS big_s, CAST(dec65 AS CHAR) AS dec65, CAST(dec12 AS CHAR) AS dec12,
      CAST(dbl AS CHAR) AS dbl, DATE_FORMAT(d, '%Y-%m-%d') AS d, DATE_FORMAT(dt, '%Y-%m-%d %H:%i:%s.%f') AS dt,
      DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f') AS ts, CAST(tm AS CHAR) AS tm, CAST(yr AS CHAR) AS yr, CAST(b1 + 0 AS CHAR) AS b1,
      CAST(b64 + 0 AS CHAR) AS b64, CAST(js AS CHAR) AS js, CAST(en AS CHAR) AS en, CAST(st AS CHAR) AS st, HEX(blb) AS blb, HEX(bin) AS bin, txt,
      HEX(ST_AsBinary(geo)) AS geo FROM all_types ORDER BY id`);
    sourceRows = (types as Row[]).map((row) => ({ ...row }));
    const [hostile] = await admin.query("SELECT CAST(`id` AS CHAR) AS `id`, `we``ird.col`, CAST(`a b` AS CHAR) AS `a b`, `Ünïcode`, DATE_FORMAT(`select`, '%Y-%m-%d %H:%i:%s.%f') AS `select` FROM `weird``name` ORDER BY `id`");
    hostileRows = (hostile as Row[]).map((row) => ({ ...row }));
    await admin.end();

    const stages = configure(exportsWith('mode: upsert, key: [id]'));
    ingested = await stages.ingest.execute(request('fid-1'), { logger: silentLogger });
    const transformed = await stages.transform.execute(request('fid-1'), { logger: silentLogger });
    exported = await stages.export.execute({ ...request('fid-1'), models: transformed.models }, { logger: silentLogger });
    models = transformed.models;
    // the same values again, through replace into the table upsert created
    upserted = await configure(exportsWith('mode: replace')).export.execute({ ...request('fid-2'), models: transformed.models }, { logger: silentLogger });
    pg = new Client({ host: '127.0.0.1', port: pgPort, database: 'bi', user: 'dataops', password: pgPassword() });
    await pg.connect();
  });

  const root = tempDir('dataops-fidelity');
  const exportsWith = (pgMode: string) => `  - { type: jdbc, connection: bi_pg, model: all_types_copy, table: ${pgTypes}, ${pgMode} }
  - { type: jdbc, connection: bi_mysql, model: all_types_copy, mode: upsert, key: [id] }
  - { type: sftp, connection: sftp, model: all_types_copy, remoteDir: upload/fid_${id}, format: csv }
  - { type: jdbc, connection: bi_pg, model: hostile_copy, table: '${pgHostile}', mode: replace }
  - { type: jdbc, connection: bi_mysql, model: hostile_copy, table: 'we\`ird table', mode: replace }
  - { type: sftp, connection: sftp, model: hostile_copy, remoteDir: upload/fid_${id}, format: csv }`;
  const configure = (exportsYaml: string) =>
    createStages(
      loadConfig(
        writeTestConfig({
          root,
          sourceDatabase: source.name,
          biMysqlDatabase: bi.name,
          models: { all_types_copy: 'SELECT * FROM all_types', hostile_copy: 'SELECT * FROM `weird``name`' },
          pipelineYaml: `exportEngine: ${engine}
source:
  connection: src
  defaults: { mode: full }
transform:
  models: ${join(root, 'models')}
export:
${exportsYaml}
`,
        }),
      ),
      join(repoRoot, 'jobs'),
    );

  afterAll(async () => {
    await pg?.query(`DROP TABLE IF EXISTS ${pgTypes}, public."fid_${id}_we""ird", public.fid_${id}_narrow, public.fid_${id}_narrow_up`).catch(() => undefined);
    await pg?.end();
    await source?.drop();
    await bi?.drop();
  });

  /** The source's rows as the lake keeps them: zero dates and dates the calendar lacks become NULL. */
  const expectedRows = () =>
    sourceRows.map((row) => (row.id === '3' || row.id === '4' ? { ...row, d: null, dt: null } : row)).map(comparable);

  it('counts the dates it could not keep, and reconciles every hop under one run', () => {
    const table = ingested.tables.find((t) => t.table === 'all_types')!;
    expect(table.zeroDates).toEqual({ d: 2, dt: 2 });
    expect(table.reconciliation).toMatchObject({ status: 'match', rows: 5, columns: EDGE_TYPE_COLUMNS.length, countedOnly: ['dbl'] });
    // the databases' row sums (one md5 per row) agree with the lake's and warehouse's for every type:
    // no hop needed the per-column sums
    for (const table of ingested.tables) expect(table.reconciliation).toMatchObject({ status: 'match', by: 'rows' });
    for (const target of [...exported.targets, ...upserted.targets]) {
      expect(target.reconciliation).toMatchObject({ from: 'warehouse', to: target.name, status: 'match' });
      if (target.type === 'jdbc') expect(target.reconciliation).toMatchObject({ by: 'rows' });
    }
  });

  it('creates PostgreSQL columns with the richest type that holds every value', async () => {
    const result = await pg.query(
      `SELECT column_name AS name, format_type(atttypid, atttypmod) AS type FROM information_schema.columns c
         JOIN pg_attribute a ON a.attrelid = $1::regclass AND a.attname = c.column_name
        WHERE table_schema = 'public' AND table_name = $2`,
      [pgTypes, pgTypes.split('.')[1]],
    );
    const types = Object.fromEntries(result.rows.map((row) => [row.name, row.type]));
    expect(types).toMatchObject({
      big_u: 'numeric(20,0)',
      dec65: 'numeric(65,30)',
      dec12: 'numeric(12,2)',
      tm: 'interval(6)',
      js: 'json',
      yr: 'smallint',
      b64: 'numeric(20,0)',
      dt: 'timestamp(6) without time zone',
      ts: 'timestamp(6) with time zone',
      blb: 'bytea',
      en: 'text',
    });
  });

  it('delivers every value to PostgreSQL as it left MySQL, through upsert and then replace', async () => {
    const result = await pg.query(`SELECT id::text, tiny1::text, tiny_u::text, big_u::text, big_s::text, dec65::text, dec12::text, dbl::text,
        to_char(d, 'YYYY-MM-DD') AS d, to_char(dt, 'YYYY-MM-DD HH24:MI:SS.US') AS dt, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS ts,
        tm::text, yr::text, b1::text, b64::text, js::text, en, st, encode(blb, 'hex') AS blb, encode(bin, 'hex') AS bin, txt,
        encode(geo, 'hex') AS geo FROM ${pgTypes} ORDER BY id`);
    expect(result.rows.map(comparable)).toEqual(expectedRows());
    expect(upserted.targets.find((t) => t.table === pgTypes)?.rows).toBe(5);
  });

  it("gives a MySQL target the source's own column types and every value, through upsert", async () => {
    const admin = await adminConnection(bi.name);
    const [columns] = await admin.query('SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [bi.name, 'all_types_copy']);
    const [sourceColumns] = await admin.query('SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [source.name, 'all_types']);
    const typeOf = (rows: unknown) => Object.fromEntries((rows as { name: string; type: string }[]).map((row) => [row.name, row.type]));
    // TIMESTAMP becomes DATETIME (no 2038 limit, no session zone); GEOMETRY arrives as its WKB bytes
    expect(typeOf(columns)).toEqual({ ...typeOf(sourceColumns), ts: 'datetime(6)', geo: 'longblob' });
    await admin.query("SET time_zone = '+00:00'");
    const [rows] = await admin.query(`SELECT CAST(id AS CHAR) AS id, CAST(tiny1 AS CHAR) AS tiny1, CAST(tiny_u AS CHAR) AS tiny_u,
      CAST(big_u AS CHAR) AS big_u, CAST(big_s AS CHAR) AS big_s, CAST(dec65 AS CHAR) AS dec65, CAST(dec12 AS CHAR) AS dec12,
      CAST(dbl AS CHAR) AS dbl, DATE_FORMAT(d, '%Y-%m-%d') AS d, DATE_FORMAT(dt, '%Y-%m-%d %H:%i:%s.%f') AS dt,
      DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f') AS ts, CAST(tm AS CHAR) AS tm, CAST(yr AS CHAR) AS yr, CAST(b1 + 0 AS CHAR) AS b1,
      CAST(b64 + 0 AS CHAR) AS b64, CAST(js AS CHAR) AS js, CAST(en AS CHAR) AS en, CAST(st AS CHAR) AS st, HEX(blb) AS blb, HEX(bin) AS bin, txt,
      HEX(geo) AS geo FROM all_types_copy ORDER BY id`);
    await admin.end();
    expect((rows as Row[]).map((row) => comparable({ ...row }))).toEqual(expectedRows());
  });

  it('writes every value to the SFTP CSV in the documented dialect: RFC 4180, bytes as base64', () => {
    const target = exported.targets.find((t) => t.type === 'sftp' && t.name.includes('all_types_copy'))!;
    const rows = readCsvFile(join(process.env.DATAOPS_SFTP_ROOT!, target.files[0]));
    expect(Object.keys(rows[0])).toEqual(EDGE_TYPE_COLUMNS);
    const fromCsv = rows.map((row) =>
      comparable({
        ...row,
        // an instant is written with its offset (Z for UTC)
        ts: row.ts === null ? null : row.ts.replace('T', ' ').replace(/Z$/, ''),
        blb: base64ToHex(row.blb),
        bin: base64ToHex(row.bin),
        geo: base64ToHex(row.geo),
      }),
    );
    expect(fromCsv).toEqual(expectedRows());
  });

  it('keeps hostile table and column names, and their values, in PostgreSQL, MySQL and the CSV header', async () => {
    const quoted = HOSTILE_COLUMNS.map((name) => `"${name}"`);
    const result = await pg.query(
      `SELECT ${quoted[0]}::text AS "id", ${quoted[1]}, ${quoted[2]}::text AS "a b", ${quoted[3]}, to_char(${quoted[4]}, 'YYYY-MM-DD HH24:MI:SS.US') AS "select"
         FROM public."fid_${id}_we""ird" ORDER BY 1`,
    );
    expect(result.rows).toEqual(hostileRows);
    const admin = await adminConnection(bi.name);
    const [rows] = await admin.query("SELECT CAST(`id` AS CHAR) AS `id`, `we``ird.col`, CAST(`a b` AS CHAR) AS `a b`, `Ünïcode`, DATE_FORMAT(`select`, '%Y-%m-%d %H:%i:%s.%f') AS `select` FROM `we``ird table` ORDER BY `id`");
    await admin.end();
    expect((rows as Row[]).map((row) => ({ ...row }))).toEqual(hostileRows);
    const target = exported.targets.find((t) => t.type === 'sftp' && t.name.includes('hostile_copy'))!;
    const csv = readCsvFile(join(process.env.DATAOPS_SFTP_ROOT!, target.files[0]));
    expect(Object.keys(csv[0])).toEqual(HOSTILE_COLUMNS);
    expect(csv.map((row) => ({ ...row, 'a b': row['a b'] }))).toEqual(hostileRows);
  });

  it('fails a target whose existing column rounds the values, naming the column and both checksums, and leaves it unchanged', async () => {
    // a hand-made table one decimal place short: compatible by type, but -0.01 becomes 0.0
    await pg.query(`CREATE TABLE public.fid_${id}_narrow ("id" integer PRIMARY KEY, "we\`ird.col" text, "a b" numeric(5,1), "Ünïcode" text, "select" timestamp(6))`);
    await pg.query(`INSERT INTO public.fid_${id}_narrow ("id") VALUES (99)`);
    const stages = configure(`  - { type: jdbc, connection: bi_pg, model: hostile_copy, table: public.fid_${id}_narrow, mode: replace }`);
    const failure = await stages.export.execute({ ...request('fid-narrow'), models }, { logger: silentLogger }).catch((error: Error) => error);
    expect(String(failure)).toMatch(/reconciliation failed, target unchanged: model hostile_copy, column a b: checksum \d+ in the warehouse, \d+ in bi_pg:public\.fid_\w+_narrow/);
    expect((await pg.query(`SELECT "id" FROM public.fid_${id}_narrow`)).rows).toEqual([{ id: 99 }]);
  });

  it('leaves a staged target (PostgreSQL upsert, MariaDB replace) as it was when its values do not fit: the sums run while the switch writes, it commits only on a match', async () => {
    await pg.query(`CREATE TABLE public.fid_${id}_narrow_up ("id" integer PRIMARY KEY, "we\`ird.col" text, "a b" numeric(5,1), "Ünïcode" text, "select" timestamp(6))`);
    await pg.query(`INSERT INTO public.fid_${id}_narrow_up ("id") VALUES (99)`);
    const admin = await adminConnection(bi.name);
    await admin.query("CREATE TABLE narrow (`id` INT PRIMARY KEY, `we``ird.col` TEXT, `a b` DECIMAL(5,1), `Ünïcode` TEXT, `select` DATETIME(6)) CHARACTER SET utf8mb4");
    await admin.query('INSERT INTO narrow (`id`) VALUES (99)');
    const reconcileFailed = (where: string) => new RegExp(`reconciliation failed, target unchanged: model hostile_copy, column a b: checksum \\d+ in the warehouse, \\d+ in ${where}`);
    for (const [target, expected] of [
      [`{ type: jdbc, connection: bi_pg, model: hostile_copy, table: public.fid_${id}_narrow_up, mode: upsert, key: [id] }`, reconcileFailed('bi_pg:public\\.fid_\\w+_narrow_up')],
      // the arrow engine's LOAD DATA reports MariaDB's truncation warning before any sum
      ['{ type: jdbc, connection: bi_mysql, model: hostile_copy, table: narrow, mode: replace }', engine === 'arrow' ? /LOAD DATA into \w+: MySQL changed or refused values \(1 warning\(s\): Data truncated for column 'a b'.*\); target unchanged/ : reconcileFailed('bi_mysql:narrow')],
    ] as const) {
      const failure = await configure(`  - ${target}`).export.execute({ ...request('fid-narrow-staged'), models }, { logger: silentLogger }).catch((error: Error) => error);
      expect(String(failure)).toMatch(expected);
    }
    // the upsert's and the replace's writes were rolled back: the one row each table had, alone
    expect((await pg.query(`SELECT "id" FROM public.fid_${id}_narrow_up`)).rows).toEqual([{ id: 99 }]);
    const [kept] = await admin.query('SELECT `id` FROM narrow');
    await admin.end();
    expect(kept).toEqual([{ id: 99 }]);
  });
});

function base64ToHex(text: string | null): string | null {
  return text === null ? null : Buffer.from(text, 'base64').toString('hex');
}
