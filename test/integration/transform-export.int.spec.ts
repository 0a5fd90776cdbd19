import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig, type LoadedConfig } from '@dataops/config';
import type { TransformCompleted } from '@dataops/contracts';
import { TerminalError } from '@dataops/errors';
import { abandonInPlace, ExportStage, loadInPlace, openTarget, prepareJdbcExport, openSftp } from '@dataops/export';
import { createStages } from '@dataops/pipeline';
import { silentLogger } from '@dataops/stage';
import type { TransformStage } from '@dataops/transform';
import { adminConnection, createTestDatabase, pgPassword, pgPort, python, repoRoot, tempDir, writeTestConfig } from '../support/stack';

const id = randomBytes(3).toString('hex');
const request = (runId: string) => ({ runId, pipeline: 'p', logicalDate: '2026-11-24' });

const pipelineYaml = (root: string, checks: string, exports: string) => `source:
  connection: src
  defaults: { mode: full }
transform:
  models: ${join(root, 'models')}
  config:
    daily_sales_by_region: { materialized: incremental, strategy: overwrite_partitions, partitionBy: [order_date] }
    order_facts: { materialized: incremental, strategy: merge, uniqueKey: [order_item_id] }
  checks:
${checks}
export:
${exports}
`;

const goodChecks = `    - { type: not_null, model: orders_clean, columns: [order_id, customer_id] }
    - { type: unique, model: orders_clean, columns: [order_id] }
    - { type: accepted_values, model: orders_clean, column: status, values: [pending, paid, shipped, delivered, cancelled, returned] }
    - { type: relationships, model: order_facts, column: order_id, to: orders_clean, field: order_id }
    - { type: min_rows, model: daily_sales_by_region, min: 1 }
    - { type: sql, name: no_negative_totals, sql: "SELECT * FROM order_facts WHERE line_total < 0" }`;

describe('transform and export against real Spark, PostgreSQL, MariaDB and OpenSSH', () => {
  let source: { name: string; drop: () => Promise<void> };
  let bi: { name: string; drop: () => Promise<void> };
  let root: string;
  let loaded: LoadedConfig;
  let transformed: TransformCompleted;
  let pg: Client;

  const configure = (checks: string, exports = '  []') => {
    loaded = loadConfig(writeTestConfig({ root, sourceDatabase: source.name, biMysqlDatabase: bi.name, pipelineYaml: pipelineYaml(root, checks, exports) }));
    return createStages(loaded, join(repoRoot, 'jobs'));
  };

  beforeAll(async () => {
    source = await createTestDatabase();
    bi = await createTestDatabase('dataops_test_bi');
    execFileSync('python3', [join(repoRoot, 'scripts/sample/retail_data.py'), 'load', '--scale', '0.01', '--database', source.name]);
    root = tempDir('dataops-transform');
    cpSync(join(repoRoot, 'examples/retail/models'), join(root, 'models'), { recursive: true });
    const stages = configure(goodChecks);
    await stages.ingest.execute(request('ingest-1'), { logger: silentLogger });
    transformed = await stages.transform.execute(request('run-1'), { logger: silentLogger });
    pg = new Client({ host: '127.0.0.1', port: pgPort, database: 'bi', user: 'dataops', password: pgPassword() });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.query(`DROP TABLE IF EXISTS public.it_${id}_daily, public.it_${id}_facts`).catch(() => undefined);
    await pg?.end();
    await source?.drop();
    await bi?.drop();
  });

  const warehouseRows = (model: string, sql: string) =>
    python<(string | number)[][]>(`
import duckdb, json
duckdb.sql("create view m as select * from read_parquet('${join(loaded.config.storage.warehouse, model)}/**/*.parquet', hive_partitioning=true)")
print(json.dumps([[str(v) for v in r] for r in duckdb.sql("""${sql}""").fetchall()]))
`);

  it('publishes every model through its stable path, readable by any Parquet reader', () => {
    expect(transformed.models.map((model) => model.name).sort()).toEqual(['daily_sales_by_region', 'order_facts', 'orders_clean']);
    for (const model of transformed.models) expect(readlinkSync(join(loaded.config.storage.warehouse, model.name))).toBe(`_versions/${model.name}/run-1`);
    expect(transformed.checks.every((check) => check.status === 'pass')).toBe(true);
  });

  it('removes the re-sent orders: one row per order, the latest version', async () => {
    const admin = await adminConnection(source.name);
    const [expected] = await admin.query(`SELECT o.order_id, o.status FROM orders o
      WHERE NOT EXISTS (SELECT 1 FROM orders n WHERE n.order_id = o.order_id AND (n.updated_at > o.updated_at OR (n.updated_at = o.updated_at AND n.id > o.id)))
      ORDER BY o.order_id`);
    await admin.end();
    const rows = warehouseRows('orders_clean', 'select order_id, status from m order by order_id');
    expect(rows).toEqual((expected as { order_id: number; status: string }[]).map((row) => [String(row.order_id), row.status]));
  });

  it('aggregates daily sales by region exactly as SQL on the source does', async () => {
    const admin = await adminConnection(source.name);
    const [expected] = await admin.query(`
      WITH clean AS (SELECT o.* FROM orders o WHERE NOT EXISTS (SELECT 1 FROM orders n WHERE n.order_id = o.order_id
                     AND (n.updated_at > o.updated_at OR (n.updated_at = o.updated_at AND n.id > o.id))))
      SELECT DATE_FORMAT(c.order_date, '%Y-%m-%d') AS d, r.region_id, COUNT(DISTINCT c.order_id) AS orders, SUM(i.quantity) AS items,
             CAST(SUM(i.quantity * i.unit_price * (1 - COALESCE(i.discount, 0))) AS DECIMAL(20,2)) AS revenue
      FROM clean c JOIN order_items i ON i.order_id = c.order_id JOIN customers cu ON cu.customer_id = c.customer_id
      JOIN regions r ON r.region_id = cu.region_id WHERE c.status <> 'cancelled'
      GROUP BY c.order_date, r.region_id ORDER BY d, r.region_id`);
    await admin.end();
    const rows = warehouseRows('daily_sales_by_region', 'select cast(order_date as varchar), region_id, orders, items, revenue from m order by 1, 2');
    expect(rows).toEqual((expected as Record<string, string | number>[]).map((row) => [row.d, String(row.region_id), String(row.orders), String(row.items), String(row.revenue)]));
  });

  it('re-announces a committed transform without rewriting anything', async () => {
    const again = await createStages(loaded, join(repoRoot, 'jobs')).transform.execute(request('run-1'), { logger: silentLogger });
    expect(again).toEqual(transformed);
  });

  it('fails an error-severity check, naming it and its count, and publishes nothing', async () => {
    const stages = configure(`    - { type: accepted_values, model: orders_clean, column: status, values: [delivered] }`);
    const failure = stages.transform.execute(request('run-bad-check'), { logger: silentLogger });
    await expect(failure).rejects.toThrow(TerminalError);
    await expect(failure).rejects.toThrow(/accepted_values_orders_clean_status \(\d+ offending rows\)/);
    for (const model of transformed.models) expect(readlinkSync(join(loaded.config.storage.warehouse, model.name))).toBe(`_versions/${model.name}/run-1`);
    expect(existsSync(join(loaded.config.storage.warehouse, '_versions', 'orders_clean', 'run-bad-check'))).toBe(false);
  });

  it('names the model file of a SQL error and a cycle between models, before writing anything', async () => {
    writeFileSync(join(root, 'models', 'broken.sql'), 'SELECT no_such_column FROM orders_clean');
    const stages = configure(goodChecks);
    await expect(stages.transform.execute(request('run-broken'), { logger: silentLogger })).rejects.toThrow(/model broken \(.*broken\.sql\): .*no_such_column/);
    writeFileSync(join(root, 'models', 'broken.sql'), 'SELECT * FROM broken_too');
    writeFileSync(join(root, 'models', 'broken_too.sql'), 'SELECT * FROM broken');
    await expect((configure(goodChecks).transform as TransformStage).execute(request('run-cycle'), { logger: silentLogger })).rejects.toThrow(
      /cycle: broken -> broken_too -> broken/,
    );
    expect(existsSync(join(loaded.config.storage.warehouse, '_versions', 'orders_clean', 'run-broken'))).toBe(false);
    execFileSync('rm', [join(root, 'models', 'broken.sql'), join(root, 'models', 'broken_too.sql')]);
  });

  it('exports replace and upsert to PostgreSQL, replace to MariaDB and CSV to SFTP, row for row, and a retry is a no-op', async () => {
    const exports = `  - { type: jdbc, connection: bi_pg, model: daily_sales_by_region, table: public.it_${id}_daily, mode: replace }
  - { type: jdbc, connection: bi_pg, model: order_facts, table: public.it_${id}_facts, mode: upsert, key: [order_item_id] }
  - { type: jdbc, connection: bi_mysql, model: daily_sales_by_region, mode: replace }
  - { type: sftp, connection: sftp, model: daily_sales_by_region, remoteDir: upload/it_${id}, format: csv, gzip: true }`;
    const stages = configure(goodChecks, exports);
    const exported = await stages.export.execute({ ...request('run-1'), models: transformed.models }, { logger: silentLogger });
    const daily = warehouseRows('daily_sales_by_region', 'select cast(order_date as varchar), region_id, revenue from m order by 1, 2');
    const pgDaily = await pg.query(`SELECT to_char(order_date, 'YYYY-MM-DD') AS d, region_id, revenue::text FROM public.it_${id}_daily ORDER BY 1, 2`);
    expect(pgDaily.rows.map((row) => [row.d, String(row.region_id), row.revenue])).toEqual(daily);
    const admin = await adminConnection(bi.name);
    const [mysqlDaily] = await admin.query(`SELECT DATE_FORMAT(order_date, '%Y-%m-%d') AS d, region_id, revenue FROM daily_sales_by_region ORDER BY 1, 2`);
    await admin.end();
    expect((mysqlDaily as Record<string, string | number>[]).map((row) => [row.d, String(row.region_id), String(row.revenue)])).toEqual(daily);
    const sftp = exported.targets.find((target) => target.type === 'sftp')!;
    const manifestFile = join(process.env.DATAOPS_SFTP_ROOT!, sftp.files.at(-1)!);
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    expect(manifest).toMatchObject({ runId: 'run-1', rows: daily.length });
    const csvFile = join(process.env.DATAOPS_SFTP_ROOT!, sftp.files[0]);
    expect(execFileSync('sha256sum', [csvFile], { encoding: 'utf8' }).split(' ')[0]).toBe(manifest.files[0].sha256);

    const again = await stages.export.execute({ ...request('run-1'), models: transformed.models }, { logger: silentLogger });
    expect(again.targets.map((target) => target.rows)).toEqual(exported.targets.map((target) => target.rows));
    const runs = await pg.query(`SELECT count(*)::int AS n FROM dataops_export_runs WHERE target_table = $1`, [`public.it_${id}_daily`]);
    expect(runs.rows[0].n).toBe(1);
    expect((await pg.query(`SELECT count(*)::int AS n FROM public.it_${id}_daily`)).rows[0].n).toBe(daily.length);
  });

  it('keeps the microseconds of DATETIME(6) values exported to MariaDB', async () => {
    const stages = configure(goodChecks, `  - { type: jdbc, connection: bi_mysql, model: orders_clean, mode: replace }`);
    await stages.export.execute({ ...request('run-micros'), models: transformed.models }, { logger: silentLogger });
    const format = "DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f')";
    const admin = await adminConnection(source.name);
    const [expected] = await admin.query(`SELECT o.order_id, ${format} AS t FROM orders o
      WHERE NOT EXISTS (SELECT 1 FROM orders n WHERE n.order_id = o.order_id AND (n.updated_at > o.updated_at OR (n.updated_at = o.updated_at AND n.id > o.id)))
      ORDER BY o.order_id`);
    await admin.end();
    const target = await adminConnection(bi.name);
    const [exported] = await target.query(`SELECT order_id, ${format} AS t FROM orders_clean ORDER BY order_id`);
    await target.end();
    const values = (rows: unknown) => (rows as { order_id: number; t: string }[]).map((row) => `${row.order_id} ${row.t}`);
    // the sample's timestamps carry microseconds: a writer that drops them cannot pass
    expect(values(expected).filter((value) => !value.endsWith('.000000')).length).toBeGreaterThan(0);
    expect(values(exported)).toEqual(values(expected));
  });

  it('upserts: changed keys are updated, new keys inserted, others kept, and rows whose values did not change are neither rewritten nor locked', async () => {
    await pg.query(`UPDATE public.it_${id}_facts SET quantity = -1 WHERE order_item_id IN (1, 2)`);
    await pg.query(`DELETE FROM public.it_${id}_facts WHERE order_item_id = 3`);
    await pg.query(`INSERT INTO public.it_${id}_facts (order_item_id, quantity) VALUES (999999999, 7)`);
    // xmin: the transaction that wrote a row's current version; xmax: the last one that locked it
    // (ON CONFLICT … DO UPDATE … WHERE locks the rows it skips)
    const versions = async () => (await pg.query(`SELECT order_item_id::text AS id, xmin::text || '/' || xmax::text AS v FROM public.it_${id}_facts WHERE order_item_id IN (1, 4)`)).rows;
    const before = await versions();
    const stages = configure(goodChecks, `  - { type: jdbc, connection: bi_pg, model: order_facts, table: public.it_${id}_facts, mode: upsert, key: [order_item_id] }`);
    const exported = await stages.export.execute({ ...request('run-upsert'), models: transformed.models }, { logger: silentLogger });
    expect(exported.targets[0].rows).toBe(transformed.models.find((model) => model.name === 'order_facts')!.rows);
    const after = await versions();
    expect(after.find((row) => row.id === '4')!.v).toBe(before.find((row) => row.id === '4')!.v);
    expect(after.find((row) => row.id === '1')!.v).not.toBe(before.find((row) => row.id === '1')!.v);
    const rows = await pg.query(`SELECT order_item_id::text AS id, quantity FROM public.it_${id}_facts WHERE order_item_id IN (1, 2, 3, 999999999) ORDER BY 1`);
    const expected = warehouseRows('order_facts', 'select order_item_id, quantity from m where order_item_id in (1, 2, 3) order by 1');
    expect(rows.rows.map((row) => [row.id, String(row.quantity)])).toEqual([...expected, ['999999999', '7']].sort());
  });

  it('keeps the old rows visible while a replace loads in place, leaves them when its connection dies before the switch, and the retry completes', async () => {
    const before = await pg.query(`SELECT * FROM public.it_${id}_daily ORDER BY order_date, region_id`);
    const target = { type: 'jdbc' as const, connection: 'bi_pg', model: 'daily_sales_by_region', table: `public.it_${id}_daily`, mode: 'replace' as const, loader: 'dataops' as const };
    const model = transformed.models.find((candidate) => candidate.name === 'daily_sales_by_region')!;
    const repository = openTarget(loaded.config.connections.bi_pg, loaded, 'arrow');
    const prepared = await prepareJdbcExport(target, model, repository, 'run-crash');
    expect(prepared.inPlace).toBe(true);
    expect((await pg.query(`SELECT to_regclass('${prepared.staging}') AS t`)).rows[0].t).toBeNull(); // no staging table
    const file = join(root, 'half.csv');
    const values: Record<string, string> = { order_date: '1999-01-01', region_id: '1', region_name: 'r', orders: '1', items: '1', revenue: '1.00' };
    writeFileSync(file, `${(model.columns ?? []).map((column) => values[column.name]).join(',')}\n`);
    await loadInPlace(prepared, (model.columns ?? []).map(({ name, type }) => ({ name, type })), [file]);
    // the old rows are deleted and one new row loaded, uncommitted: another session still reads the old ones
    expect((await pg.query(`SELECT * FROM public.it_${id}_daily ORDER BY order_date, region_id`)).rows).toEqual(before.rows);
    // the process dies here, before the switch: its connection goes, the transaction with it
    await pg.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'idle in transaction' AND query LIKE $1`, [`COPY "public"."it_${id}_daily"%`]);
    await abandonInPlace(prepared);
    await repository.close();
    expect((await pg.query(`SELECT * FROM public.it_${id}_daily ORDER BY order_date, region_id`)).rows).toEqual(before.rows);
    const stages = configure(goodChecks, `  - { type: jdbc, connection: bi_pg, model: daily_sales_by_region, table: public.it_${id}_daily, mode: replace }`);
    await stages.export.execute({ ...request('run-crash'), models: transformed.models }, { logger: silentLogger });
    expect((await pg.query(`SELECT * FROM public.it_${id}_daily ORDER BY order_date, region_id`)).rows).toEqual(before.rows);
  });

  it('leaves an upsert target exactly as it was when stopped between staging and switch; the retry completes and drops the staging table', async () => {
    const before = await pg.query(`SELECT * FROM public.it_${id}_facts ORDER BY order_item_id`);
    const target = { type: 'jdbc' as const, connection: 'bi_pg', model: 'order_facts', table: `public.it_${id}_facts`, mode: 'upsert' as const, key: ['order_item_id'], loader: 'dataops' as const };
    const model = transformed.models.find((candidate) => candidate.name === 'order_facts')!;
    const repository = openTarget(loaded.config.connections.bi_pg, loaded, 'arrow');
    const prepared = await prepareJdbcExport(target, model, repository, 'run-crash-upsert');
    expect(prepared.inPlace).toBe(false);
    await pg.query(`INSERT INTO ${prepared.staging} (order_item_id, quantity) VALUES (1, -5)`); // a half-filled staging table
    await repository.close(); // the process dies here: no switch
    expect((await pg.query(`SELECT * FROM public.it_${id}_facts ORDER BY order_item_id`)).rows).toEqual(before.rows);
    const stages = configure(goodChecks, `  - { type: jdbc, connection: bi_pg, model: order_facts, table: public.it_${id}_facts, mode: upsert, key: [order_item_id] }`);
    await stages.export.execute({ ...request('run-crash-upsert'), models: transformed.models }, { logger: silentLogger });
    expect((await pg.query(`SELECT * FROM public.it_${id}_facts ORDER BY order_item_id`)).rows).toEqual(before.rows);
    expect((await pg.query(`SELECT to_regclass('${prepared.staging}') AS t`)).rows[0].t).toBeNull();
  });

  it('refuses an SFTP server whose host key does not match the pinned one', async () => {
    const connection = { ...loaded.config.connections.sftp, knownHosts: undefined, hostKeyFingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
    await expect(openSftp(connection as never, loaded)).rejects.toThrow(/host key \(SHA256:.*\) does not match the pinned key/);
  });

  it('fails before any data moves when a target column no longer fits, naming both sides', async () => {
    await pg.query(`ALTER TABLE public.it_${id}_daily ALTER COLUMN revenue TYPE date USING NULL`);
    const stages = configure(goodChecks, `  - { type: jdbc, connection: bi_pg, model: daily_sales_by_region, table: public.it_${id}_daily, mode: replace }`);
    await expect((stages.export as ExportStage).execute({ ...request('run-misfit'), models: transformed.models }, { logger: silentLogger })).rejects.toThrow(
      new RegExp(`daily_sales_by_region\\.revenue is decimal\\(20,2\\) but public\\.it_${id}_daily\\.revenue is date`),
    );
  });
});
