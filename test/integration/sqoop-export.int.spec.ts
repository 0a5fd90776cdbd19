import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '@dataops/config';
import type { ModelResult } from '@dataops/contracts';
import { runSqoopExport, type SqoopExportRequest } from '@dataops/export';
import { createStages } from '@dataops/pipeline';
import { silentLogger } from '@dataops/stage';
import { SparkRunner } from '@dataops/spark';
import { ensureSqoop } from '../support/sqoop';
import { adminConnection, createTestDatabase, dataopsHome, mysqlPort, pgPassword, pgPort, python, repoRoot, secrets, tempDir, writeTestConfig } from '../support/stack';

/**
 * `sqoop export` (real Sqoop 1.4.7, jobs/sqoop_export.py) of a Parquet model into PostgreSQL through
 * Sqoop's staging table, and into MariaDB with --update-key/--update-mode allowinsert.
 */
const runner = new SparkRunner({ submit: '', master: 'local[1]', jars: [], conf: {}, python: join(dataopsHome, 'venv', 'bin', 'python'), jobsDir: join(repoRoot, 'jobs') });

const ROWS = [
  ['1', 'plain', '12.34', '2026-11-20 10:00:00.123456', '2026-11-20', 'true', '1.5'],
  ['2', 'comma, "quote" and \\ backslash', '-0.01', '1000-01-01 00:00:00.000001', '1000-01-01', 'false', '-2.25'],
  ['3', 'émoji 🎉 漢字', '9999999999.99', '9999-12-31 23:59:59.999999', '9999-12-31', null, null],
  ['4', '', null, null, null, 'true', '0.1'],
  ['5', null, '0.00', '1970-01-01 00:00:00.000000', '1970-01-01', 'false', '1e+300'],
];

function writeModel(folder: string, extra = ''): void {
  mkdirSync(folder, { recursive: true });
  python<string>(`
import json, decimal, datetime, pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
rows = json.loads(${JSON.stringify(JSON.stringify(ROWS))})
col = lambda i: [r[i] for r in rows]
table = pa.table({
  'id': pa.array([int(v) for v in col(0)], pa.int64()),
  'name': pa.array(col(1), pa.string()),
  'amount': pa.array([None if v is None else decimal.Decimal(v) for v in col(2)], pa.decimal128(12, 2)),
  'at': pc.cast(pa.array(col(3), pa.string()), pa.timestamp('us')),
  'day': pc.cast(pa.array(col(4), pa.string()), pa.date32()),
  'ok': pa.array([None if v is None else v == 'true' for v in col(5)], pa.bool_()),
  'score': pa.array([None if v is None else float(v) for v in col(6)], pa.float64()),
  ${extra}
})
pq.write_table(table, '${folder}/part-00000.snappy.parquet')
print(json.dumps('ok'))`);
}

function optionsLogin(file: string): { user: string; password: string } {
  const lines = readFileSync(join(secrets, file), 'utf8').split('\n').map((line) => line.trim());
  return { user: lines[lines.indexOf('--username') + 1], password: lines[lines.indexOf('--password') + 1] };
}

const COLUMNS = ['id', 'name', 'amount', 'at', 'day', 'ok', 'score'];

describe('sqoop export (real Sqoop 1.4.7) of a model', () => {
  let work: string;
  let pg: Client;
  const schema = `dataops_test_sqoopexp_${randomBytes(4).toString('hex')}`;
  const pgLogin = () => ({ user: 'dataops', password: pgPassword() });
  const lines: string[] = [];

  beforeAll(async () => {
    ensureSqoop();
    work = tempDir('dataops-sqoop-export');
    writeModel(join(work, 'model'));
    pg = new Client({ host: '127.0.0.1', port: pgPort, database: 'bi', user: 'dataops', password: pgPassword() });
    await pg.connect();
    await pg.query(`CREATE SCHEMA ${schema}`);
  });

  afterAll(async () => {
    await pg?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pg?.end();
  });

  const request = (overrides: Partial<SqoopExportRequest>): SqoopExportRequest => ({
    name: 'test',
    dialect: 'postgres',
    jdbcUrl: `jdbc:postgresql://127.0.0.1:${pgPort}/bi`,
    table: `${schema}.sales`,
    columns: COLUMNS,
    modelPath: join(work, 'model'),
    mode: { kind: 'staging', stagingTable: `${schema}.sales_stage` },
    temporalColumns: ['at', 'day'],
    ...overrides,
  });

  it('exports into PostgreSQL through Sqoop’s staging table, which it empties first; values exact', async () => {
    await pg.query(`CREATE TABLE ${schema}.sales (id bigint PRIMARY KEY, name text, amount numeric(12,2), at timestamp(6), day date, ok boolean, score double precision)`);
    await pg.query(`CREATE TABLE ${schema}.sales_stage (LIKE ${schema}.sales)`);
    await pg.query(`INSERT INTO ${schema}.sales_stage (id, name) VALUES (99, 'planted')`);
    const result = await runSqoopExport(runner, request({}), pgLogin(), { runId: 'sqoop-export-pg', onLog: (line) => lines.push(line) });
    expect(result.rows).toBe(5);
    const { rows } = await pg.query(
      `SELECT id::text, name, amount::text, to_char(at, 'YYYY-MM-DD HH24:MI:SS.US') AS at, to_char(day, 'YYYY-MM-DD') AS day, ok::text, score::text FROM ${schema}.sales ORDER BY id`,
    );
    expect(rows.map((row) => Object.values(row))).toEqual(ROWS);
    expect((await pg.query(`SELECT count(*)::int AS n FROM ${schema}.sales_stage`)).rows[0].n).toBe(0);
    expect(lines.join('\n')).toMatch(/sqoop export \[test\]: .*Exported 5 records/);
    expect(lines.join('\n')).not.toContain(pgPassword());
  });

  it('upserts into MariaDB with --update-key/--update-mode allowinsert, fractional seconds kept', async () => {
    const database = await createTestDatabase('dataops_test_sqoopexp');
    try {
      const admin = await adminConnection(database.name);
      await admin.query('CREATE TABLE sales (id BIGINT PRIMARY KEY, name TEXT, amount DECIMAL(12,2), at DATETIME(6), day DATE, ok TINYINT(1), score DOUBLE)');
      await admin.query("INSERT INTO sales (id, name) VALUES (1, 'old'), (42, 'untouched')");
      const result = await runSqoopExport(
        runner,
        request({ dialect: 'mysql', jdbcUrl: `jdbc:mysql://127.0.0.1:${mysqlPort}/${database.name}`, table: 'sales', mode: { kind: 'upsert', key: ['id'] } }),
        optionsLogin('admin-mysql.options'),
        { runId: 'sqoop-export-mysql', onLog: (line) => lines.push(line) },
      );
      expect(result.rows).toBe(5);
      const [rows] = await admin.query(
        "SELECT CAST(id AS CHAR) AS id, name, CAST(amount AS CHAR) AS amount, DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f') AS at, DATE_FORMAT(day, '%Y-%m-%d') AS day, ok, score FROM sales ORDER BY sales.id",
      );
      await admin.end();
      const got = (rows as Record<string, unknown>[]).map((row) => [row.id, row.name, row.amount, row.at, row.day, row.ok === null ? null : row.ok === 1 ? 'true' : 'false', row.score === null ? null : String(row.score)]);
      expect(got).toEqual([
        ...ROWS.map((row) => [...row.slice(0, 6), row[6] === null ? null : String(Number(row[6]))]),
        ['42', 'untouched', null, null, null, null, null],
      ]);
    } finally {
      await database.drop();
    }
  });

  it('refuses what Sqoop cannot do, before it starts: PostgreSQL upsert, binary columns', async () => {
    await expect(runSqoopExport(runner, request({ mode: { kind: 'upsert', key: ['id'] } }), pgLogin(), { runId: 'x' })).rejects.toThrow(/cannot upsert into PostgreSQL/);
    writeModel(join(work, 'binary'), "'blob': pa.array([b'\\\\x00'] * 5, pa.binary()),");
    await expect(runSqoopExport(runner, request({ columns: [...COLUMNS, 'blob'], modelPath: join(work, 'binary') }), pgLogin(), { runId: 'y' })).rejects.toThrow(
      /column blob is binary, which sqoop export cannot read from text/,
    );
  });

  it('fills the export stage’s own staging table with loader: sqoop: reconciled, switched in one transaction, a retry changes nothing', async () => {
    const root = tempDir('dataops-sqoop-loader');
    const table = `${schema}.loaded_sales`;
    const loaded = loadConfig(
      writeTestConfig({
        root,
        sourceDatabase: 'unused_by_export',
        models: { sales: 'SELECT 1 AS id' },
        pipelineYaml: `source:\n  connection: src\ntransform:\n  models: ${join(root, 'models')}\nexport:\n  - { type: jdbc, connection: bi_pg, model: sales, table: ${table}, mode: replace, loader: sqoop }\n`,
      }),
    );
    const model: ModelResult = {
      name: 'sales',
      rows: ROWS.length,
      path: join(work, 'model'),
      format: 'parquet',
      columns: [
        { name: 'id', type: 'bigint', nullable: false },
        { name: 'name', type: 'string', nullable: true },
        { name: 'amount', type: 'decimal(12,2)', nullable: true },
        { name: 'at', type: 'timestamp_ntz', nullable: true },
        { name: 'day', type: 'date', nullable: true },
        { name: 'ok', type: 'boolean', nullable: true },
        { name: 'score', type: 'double', nullable: true },
      ],
    };
    const stage = createStages(loaded, join(repoRoot, 'jobs')).export;
    const request = { runId: 'sqoop-loader-1', pipeline: 'p', logicalDate: '2026-11-24', models: [model] };
    const first = await stage.execute(request, { logger: silentLogger });
    expect(first.targets[0]).toMatchObject({ rows: 5, reconciliation: { from: 'warehouse', status: 'match', rows: 5, columns: 7, countedOnly: ['score'] } });
    const { rows } = await pg.query(
      `SELECT id::text, name, amount::text, to_char(at, 'YYYY-MM-DD HH24:MI:SS.US') AS at, to_char(day, 'YYYY-MM-DD') AS day, ok::text, score::text FROM ${table} ORDER BY id`,
    );
    expect(rows.map((row) => Object.values(row))).toEqual(ROWS);
    const again = await stage.execute(request, { logger: silentLogger });
    expect(again.targets[0].rows).toBe(5);
    expect((await pg.query('SELECT count(*)::int AS n FROM dataops_export_runs WHERE target_table = $1', [table])).rows[0].n).toBe(1);
    expect((await pg.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(5);
  });
});
