import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ensureSqoop, sqoopBin } from '../support/sqoop';
import { adminConnection, createTestDatabase, mysqlPort, pgPassword, pgPort, python, secrets, tempDir } from '../support/stack';

/**
 * Real Apache Sqoop 1.4.7 (Maven Central, hadoop260) on Java 17 with MapReduce's local job runner,
 * as scripts/stack.d/70-sqoop.sh installs it; what each case shows is written up in docs/sqoop.md.
 */

/** The user and password of a Sqoop-style options file (the password never leaves this process). */
function optionsLogin(file: string): { user: string; password: string } {
  const lines = readFileSync(join(secrets, file), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return { user: lines[lines.indexOf('--username') + 1], password: lines[lines.indexOf('--password') + 1] };
}

/** A 0600 file: Sqoop reads every byte of a password file, so no trailing newline. */
function secretFile(path: string, text: string): string {
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

describe('real Sqoop 1.4.7 against the local MariaDB and PostgreSQL', () => {
  let database: { name: string; drop: () => Promise<void> };
  let work: string;
  let credentials: string;
  let pg: Client;
  const schema = `dataops_test_sqoop_${randomBytes(4).toString('hex')}`;

  const sqoop = (args: string[]) => {
    const result = spawnSync(sqoopBin, args, { cwd: work, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    return { status: result.status, log: `${result.stdout}\n${result.stderr}` };
  };
  const ok = (args: string[]) => {
    const result = sqoop(args);
    if (result.status !== 0) throw new Error(`sqoop ${args[0]} failed:\n${result.log.split('\n').slice(-40).join('\n')}`);
    return result.log;
  };
  // Kite takes the last two folders of a Parquet target dir as dataset namespace and name: both must
  // match [A-Za-z0-9_]+ (the temp dir's name has dashes), hence <work>/out/<dir>
  const importArgs = (table: string, dir: string, extra: string[] = []) => [
    'import', '--options-file', credentials, '--table', table, '--split-by', 'id', '--num-mappers', '2', '--as-parquetfile',
    '--target-dir', `file://${join(work, 'out', dir)}`, '--outdir', join(work, 'gen'), '--bindir', join(work, 'gen'), ...extra,
  ];
  const parquet = <T>(dir: string, sql: string) =>
    python<T>(`
import duckdb, json
duckdb.sql("create view t as select * from read_parquet('${join(work, 'out', dir)}/*.parquet')")
print(json.dumps([[None if v is None else str(v) for v in row] for row in duckdb.sql("""${sql}""").fetchall()]))`);
  const mariadb = async (sql: string) => {
    const admin = await adminConnection(database.name);
    const [rows] = await admin.query(sql);
    await admin.end();
    return rows as Record<string, unknown>[];
  };

  beforeAll(async () => {
    ensureSqoop();
    database = await createTestDatabase('dataops_test_sqoop');
    work = tempDir('dataops-sqoop');
    const admin = await adminConnection(database.name);
    await admin.query(`
SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION';
CREATE TABLE typed (id BIGINT UNSIGNED PRIMARY KEY, amount DECIMAL(18,4) NOT NULL, happened DATETIME(6) NULL, day DATE NULL,
  flag TINYINT(1) NOT NULL, big_u BIGINT UNSIGNED NULL, name VARCHAR(40) NULL) DEFAULT CHARSET=utf8mb4;
INSERT INTO typed VALUES
 (1, 12345678901234.5678, '2024-02-29 23:59:59.123456', '2024-02-29', 1, 18446744073709551615, 'héllo ✓'),
 (2, -0.0001, '0000-00-00 00:00:00', '0000-00-00', 0, 9223372036854775808, NULL);
INSERT INTO typed SELECT 100 + seq, seq * 1.25, TIMESTAMP('2025-06-01 12:00:00') + INTERVAL seq SECOND, '2025-06-01', seq % 2, seq, CONCAT('row', seq) FROM seq_1_to_998;
CREATE TABLE orders (id BIGINT PRIMARY KEY, status VARCHAR(10) NOT NULL, notes TEXT NULL, updated_at DATETIME(6) NOT NULL);
INSERT INTO orders SELECT seq, 'new', IF(seq % 3 = 0, NULL, CONCAT('n', seq)), TIMESTAMP('2026-11-01 00:00:00') + INTERVAL seq SECOND FROM seq_1_to_5000;`);
    await admin.end();
    const source = optionsLogin('source-mysql.options');
    const passwordFile = secretFile(join(work, 'source.password'), source.password);
    // the options file the Sqoop engine writes: connection, user and a password file, never --password
    credentials = secretFile(join(work, 'sqoop-credentials'), [
      '# sqoop-credentials', '--connect', `jdbc:mysql://127.0.0.1:${mysqlPort}/${database.name}?zeroDateTimeBehavior=CONVERT_TO_NULL`,
      '--username', source.user, '--password-file', `file://${passwordFile}`, '',
    ].join('\n'));
    pg = new Client({ host: '127.0.0.1', port: pgPort, database: 'bi', user: 'dataops', password: pgPassword() });
    await pg.connect();
    await pg.query(`CREATE SCHEMA ${schema}`);
  });

  afterAll(async () => {
    await pg?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pg?.end();
    await database?.drop();
    if (work) rmSync(work, { recursive: true, force: true }); // it holds a copy of the source password
  });

  it('starts on Java 17 without HADOOP_HOME', () => {
    expect(ok(['version'])).toContain('Sqoop 1.4.7');
  });

  it("refuses a Parquet target dir whose last two folders are not Kite names, such as the lake's load_date=…/run=…", () => {
    const refused = sqoop(['import', '--options-file', credentials, '--table', 'orders', '-m', '1', '--as-parquetfile', '--outdir', join(work, 'gen'), '--bindir', join(work, 'gen'),
      '--target-dir', `file://${join(work, 'out', 'load_date=2026-11-28', 'run=p-20261128T020000Z-abc123')}`]);
    expect(refused.status).not.toBe(0);
    expect(refused.log).toContain("Namespace load_date=2026-11-28 is not alphanumeric (plus '_')");
  });

  it('imports edge-case types to Parquet with two mappers; BIGINT UNSIGNED needs --map-column-java', () => {
    const overflow = sqoop(importArgs('typed', 'typed_long'));
    expect(overflow.status).not.toBe(0);
    expect(overflow.log).toContain("is outside of valid range for type java.lang.Long");

    const log = ok(importArgs('typed', 'typed', ['--map-column-java', 'big_u=String']));
    expect(log).toContain('Retrieved 1000 records.');
    expect(log).not.toContain('Setting zero DATETIME behavior'); // our CONVERT_TO_NULL is kept, not replaced
    const rows = parquet<(string | null)[][]>('typed', 'select id, amount, happened, day, flag, big_u, name from t where id in (1, 2) order by id');
    expect(rows).toEqual([
      // DECIMAL as exact text; DATETIME(6)/DATE as epoch milliseconds (microseconds cut); TINYINT(1) as boolean
      ['1', '12345678901234.5678', String(Date.UTC(2024, 1, 29, 23, 59, 59, 123)), String(Date.UTC(2024, 1, 29)), 'True', '18446744073709551615', 'héllo ✓'],
      ['2', '-0.0001', null, null, 'False', '9223372036854775808', null], // zero dates -> NULL
    ]);
    expect(parquet<string[][]>('typed', 'select count(*), count(distinct id) from t')).toEqual([['1000', '1000']]);
  });

  it("accepts Sqoop's own zeroDateTimeBehavior=convertToNull with Connector/J 9", () => {
    const bare = secretFile(join(work, 'bare-credentials'), readFileSync(credentials, 'utf8').replace('?zeroDateTimeBehavior=CONVERT_TO_NULL', ''));
    const log = ok(['import', '--options-file', bare, '--table', 'typed', '--where', 'id <= 2', '-m', '1', '--as-parquetfile', '--map-column-java', 'big_u=String',
      '--target-dir', `file://${join(work, 'out', 'typed_bare')}`, '--outdir', join(work, 'gen'), '--bindir', join(work, 'gen')]);
    expect(log).toContain('Setting zero DATETIME behavior to convertToNull');
    expect(parquet<(string | null)[][]>('typed_bare', 'select happened from t where id = 2')).toEqual([[null]]);
  });

  it('imports incrementally into the existing Parquet dir: append, and lastmodified with --append', async () => {
    expect(ok(importArgs('orders', 'orders'))).toContain('Retrieved 5000 records.');
    await mariadb("INSERT INTO orders SELECT 5000 + seq, 'new', NULL, TIMESTAMP('2026-11-02 00:00:00') + INTERVAL seq SECOND FROM seq_1_to_500");
    const appended = ok(importArgs('orders', 'orders', ['--incremental', 'append', '--check-column', 'id', '--last-value', '5000']));
    expect(appended).toContain('Retrieved 500 records.');
    expect(parquet<string[][]>('orders', 'select count(*), count(distinct id), max(id) from t')).toEqual([['5500', '5500', '5500']]);

    const [{ last }] = await mariadb("SELECT DATE_FORMAT(MAX(updated_at), '%Y-%m-%d %H:%i:%s.%f') AS last FROM orders");
    await mariadb("UPDATE orders SET status = 'changed', updated_at = NOW(6) WHERE id % 50 = 1");
    await new Promise((resolve) => setTimeout(resolve, 1100)); // Sqoop's upper bound is NOW() in whole seconds, exclusive
    const changed = ok(importArgs('orders', 'orders', ['--incremental', 'lastmodified', '--check-column', 'updated_at', '--last-value', String(last), '--append']));
    expect(changed).toContain('Retrieved 111 records.'); // 110 updated + the row at --last-value (inclusive lower bound)
    const latest = parquet<string[][]>('orders', `
      select count(*), sum(case when status = 'changed' then 1 else 0 end), sum(case when notes is null then 1 else 0 end)
      from (select *, row_number() over (partition by id order by updated_at desc) as rn from t) where rn = 1`);
    const [source] = await mariadb("SELECT COUNT(*) AS n, SUM(status = 'changed') AS changed, SUM(notes IS NULL) AS nulls FROM orders");
    expect(latest).toEqual([[String(source.n), String(source.changed), String(source.nulls)]]);
  });

  it('cannot merge Parquet with --merge-key (Sqoop 1.4.7 limitation, docs/sqoop.md)', () => {
    const merged = sqoop(importArgs('orders', 'orders', ['--incremental', 'lastmodified', '--check-column', 'updated_at', '--last-value', '2026-11-01 00:00:00', '--merge-key', 'id']));
    expect(merged.status).not.toBe(0);
    expect(merged.log).toContain('Could not find class orders.');
  });

  it('exports a CSV directory to PostgreSQL through a cleared staging table; allowinsert is refused there', async () => {
    ok(['import', '--options-file', credentials, '--table', 'orders', '--split-by', 'id', '-m', '2', '--as-textfile',
      '--fields-terminated-by', ',', '--optionally-enclosed-by', '"', '--escaped-by', '\\\\', '--null-string', '\\\\N', '--null-non-string', '\\\\N',
      '--target-dir', `file://${join(work, 'csv')}`, '--outdir', join(work, 'gen'), '--bindir', join(work, 'gen')]);
    await pg.query(`CREATE TABLE ${schema}.orders (id bigint PRIMARY KEY, status text NOT NULL, notes text, updated_at timestamp(6) NOT NULL)`);
    await pg.query(`CREATE TABLE ${schema}.orders_stage (LIKE ${schema}.orders)`);
    await pg.query(`INSERT INTO ${schema}.orders_stage VALUES (-1, 'planted', NULL, now())`);
    const pgCredentials = secretFile(join(work, 'bi-credentials'), [
      '--connect', `jdbc:postgresql://127.0.0.1:${pgPort}/bi`, '--username', 'dataops', '--password-file', `file://${join(secrets, 'bi-postgres.password')}`, '',
    ].join('\n'));
    const exportArgs = (extra: string[]) => ['export', '--options-file', pgCredentials, '--export-dir', `file://${join(work, 'csv')}`, '--num-mappers', '2',
      '--input-fields-terminated-by', ',', '--input-optionally-enclosed-by', '"', '--input-escaped-by', '\\\\',
      '--input-null-string', '\\\\N', '--input-null-non-string', '\\\\N', '--outdir', join(work, 'gen'), '--bindir', join(work, 'gen'), ...extra, '--', '--schema', schema];

    const log = ok(exportArgs(['--table', 'orders', '--staging-table', 'orders_stage', '--clear-staging-table']));
    expect(log).toContain('Exported 5500 records.');
    const { rows } = await pg.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE notes IS NULL)::int AS nulls, (SELECT count(*)::int FROM ${schema}.orders_stage) AS staged,
      to_char(max(updated_at) FILTER (WHERE id = 1), 'YYYY-MM-DD HH24:MI:SS.US') AS first FROM ${schema}.orders`);
    const [source] = await mariadb("SELECT COUNT(*) AS n, SUM(notes IS NULL) AS nulls, (SELECT DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f') FROM orders WHERE id = 1) AS first FROM orders WHERE id <= 5500");
    expect(rows[0]).toEqual({ n: 5500, nulls: Number(source.nulls), staged: 0, first: source.first });

    const upsert = sqoop(exportArgs(['--table', 'orders', '--update-key', 'id', '--update-mode', 'allowinsert']));
    expect(upsert.status).not.toBe(0);
    expect(upsert.log).toContain('Mixed update/insert is not supported against the target database yet');
  });
});
