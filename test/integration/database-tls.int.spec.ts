import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import {
  databaseTlsError,
  loadConfig,
  mysqlClientOptions,
  mysqlConnection,
  pgClientOptions,
  postgresConnection,
  resolveDatabaseCredentials,
  type LoadedConfig,
  type MysqlConnection,
  type PostgresConnection,
} from '@dataops/config';
import type { IngestCompleted } from '@dataops/contracts';
import { TerminalError } from '@dataops/errors';
import { ExportStage, openTarget } from '@dataops/export';
import { IngestStage, MysqlCatalogRepository } from '@dataops/ingest';
import { controlPool, inTransaction } from '@dataops/ledger';
import { createStages } from '@dataops/pipeline';
import { databaseProbes } from '@dataops/service';
import { silentLogger } from '@dataops/stage';
import { adminConnection, createTestDatabase, mysqlPort, pgPassword, pgPort, repoRoot, secrets, tempDir, writeTestConfig } from '../support/stack';

/**
 * TLS to the local MariaDB and PostgreSQL (scripts/stack.d/12-database-tls.sh: a local CA in
 * .dataops/secrets/db-ca.pem, TLS offered beside plain TCP), through the project's own config
 * loading and clients: mysql2 and pg on the Node side, Connector/J and pgJDBC in Spark jobs.
 */
const caFile = join(secrets, 'db-ca.pem');
const clientCert = join(secrets, 'db-client.crt');
const clientKey = join(secrets, 'db-client.key');
const root = tempDir('database-tls');
const tlsUser = `dataops_tls_${randomBytes(3).toString('hex')}`;
const tlsPassword = `Tls-${randomBytes(12).toString('hex')}`;
const pipelineName = 'p';
const table = `tls_export_${randomBytes(3).toString('hex')}`;

/** A CA that signed nothing the servers hold: trusting only it must refuse the servers. */
function otherCa(): string {
  const key = join(root, 'other-ca.key');
  const cert = join(root, 'other-ca.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2', '-keyout', key, '-out', cert, '-subj', '/CN=Not the database CA'], { stdio: 'ignore' });
  return cert;
}

describe('TLS to MariaDB and PostgreSQL, Node and Spark JDBC sides', () => {
  let database: { name: string; drop: () => Promise<void> };
  let loaded: LoadedConfig;
  const errorTexts: string[] = [];
  const secretsInPlay = () => [tlsPassword, pgPassword(), readFileSync(clientKey, 'utf8').split('\n')[1]];

  const connection = <T>(name: string) => loaded.config.connections[name] as T;
  const login = (name: string) => resolveDatabaseCredentials(connection<MysqlConnection>(name).credentials, loaded.dir);

  async function refusal(run: () => Promise<unknown>): Promise<Error> {
    try {
      await run();
    } catch (error) {
      errorTexts.push(String((error as Error).message), String((error as Error).stack));
      return error as Error;
    }
    throw new Error('expected the connection to be refused');
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    const admin = await adminConnection(database.name);
    const [ssl] = await admin.query("SHOW VARIABLES LIKE 'have_ssl'");
    if ((ssl as { Value: string }[])[0]?.Value !== 'YES') {
      await admin.end();
      throw new Error('the local MariaDB offers no TLS: it was started before scripts/stack.d/12-database-tls.sh; restart it (scripts/stack down, scripts/stack up)');
    }
    // a user that only logs in over TLS with a client certificate: a Spark read that did not
    // negotiate TLS (or sent no certificate) is refused by the server itself
    await admin.query(`CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(20)); INSERT INTO items VALUES (1, 'un'), (2, 'deux'), (3, 'trois');`);
    await admin.query(`CREATE USER '${tlsUser}'@'%' IDENTIFIED BY '${tlsPassword}' REQUIRE X509`);
    await admin.query(`GRANT SELECT, SHOW VIEW ON \`${database.name}\`.* TO '${tlsUser}'@'%'`);
    await admin.end();
    const options = join(root, 'tls-user.options');
    writeFileSync(options, `--username\n${tlsUser}\n--password\n${tlsPassword}\n`, { mode: 0o600 });
    const wrongCa = otherCa();
    const pgCredentials = `{ user: dataops, passwordFile: ${join(secrets, 'bi-postgres.password')} }`;
    const mysqlTls = `{ caFile: ${caFile}, certFile: ${clientCert}, keyFile: ${clientKey} }`;
    const file = writeTestConfig({
      root,
      sourceDatabase: database.name,
      pipeline: pipelineName,
      // never run here: the export below reads the ingested table as if it were this model
      models: { items: 'SELECT id, label FROM items' },
      extraConnections: `  src_tls:
    type: mysql
    host: 127.0.0.1
    port: ${mysqlPort}
    database: ${database.name}
    credentials: { optionsFile: ${options} }
    tls: ${mysqlTls}
  src_tls_by_name:
    type: mysql
    host: localhost
    port: ${mysqlPort}
    database: ${database.name}
    credentials: { optionsFile: ${options} }
    tls: ${mysqlTls}
  src_wrong_ca:
    type: mysql
    host: 127.0.0.1
    port: ${mysqlPort}
    database: ${database.name}
    credentials: { optionsFile: ${options} }
    tls: { caFile: ${wrongCa}, certFile: ${clientCert}, keyFile: ${clientKey} }
  bi_pg_tls:
    type: postgres
    host: 127.0.0.1
    port: ${pgPort}
    database: bi
    credentials: ${pgCredentials}
    tls: { caFile: ${caFile} }
  control_pg_tls:
    type: postgres
    host: 127.0.0.1
    port: ${pgPort}
    database: dataops_control
    credentials: ${pgCredentials}
    tls: { mode: verify-full, caFile: ${caFile}, certFile: ${clientCert}, keyFile: ${clientKey} }
  pg_wrong_ca:
    type: postgres
    host: 127.0.0.1
    port: ${pgPort}
    database: bi
    credentials: ${pgCredentials}
    tls: { caFile: ${wrongCa} }
`,
      pipelineYaml: `source:
  connection: src_tls
  maxConnections: 1
  defaults: { mode: full, slices: 1 }
transform:
  models: models
export:
  - { type: jdbc, connection: bi_pg_tls, model: items, table: ${table} }
`,
    });
    writeFileSync(file, readFileSync(file, 'utf8').replace('control:\n  connection: control_pg\n', 'control:\n  connection: control_pg_tls\n'));
    loaded = loadConfig(file, { env: {} });
  });

  afterAll(async () => {
    const admin = await adminConnection().catch(() => undefined);
    await admin?.query(`DROP USER IF EXISTS '${tlsUser}'@'%'`);
    await admin?.end();
    await database?.drop();
    const client = new Client({ host: '127.0.0.1', port: pgPort, database: 'bi', user: 'dataops', password: pgPassword() });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS "${table}"`);
    await client.end();
    // the test user's options file (its password) and the other CA's key go with the folder
    rmSync(root, { recursive: true, force: true });
  });

  it('mysql2 with verify-full (by IP and by name) is encrypted; the server saw the client certificate', async () => {
    for (const name of ['src_tls', 'src_tls_by_name']) {
      const client = await mysql.createConnection(mysqlClientOptions(connection<MysqlConnection>(name), login(name)));
      try {
        const [cipher] = await client.query("SHOW STATUS LIKE 'Ssl_cipher'");
        expect((cipher as { Value: string }[])[0].Value).not.toBe('');
        // REQUIRE X509: logged in at all means the certificate was presented and verified
        const [rows] = await client.query('SELECT COUNT(*) AS n FROM items');
        expect(Number((rows as { n: number }[])[0].n)).toBe(3);
      } finally {
        await client.end();
      }
    }
    const catalog = await MysqlCatalogRepository.connect(connection<MysqlConnection>('src_tls'), login('src_tls'), 'src_tls');
    expect((await catalog.tables(false)).map((t) => t.name)).toEqual(['items']);
    await catalog.close();
  });

  it('pg with verify-full is encrypted (pg_stat_ssl), client certificate included; the control pool and probes use it', async () => {
    const client = new Client(pgClientOptions(connection<PostgresConnection>('control_pg_tls'), login('control_pg_tls')));
    await client.connect();
    try {
      const { rows } = await client.query('SELECT ssl, version, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows[0]).toMatchObject({ ssl: true, client_dn: '/CN=dataops' });
      expect(rows[0].version).toMatch(/^TLSv1\.[23]$/);
    } finally {
      await client.end();
    }
    const pool = controlPool(loaded, 1);
    try {
      const { rows } = await pool.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows[0].ssl).toBe(true);
    } finally {
      await pool.end();
    }
    for (const probe of databaseProbes(loaded, ['src_tls', 'bi_pg_tls', 'control_pg_tls'])) await expect(probe.check()).resolves.toBeUndefined();
  });

  it('verify-full checks the name: a host name the certificate lacks is refused, verify-ca lets it pass', async () => {
    // the machine's own name usually resolves to 127.0.0.1 and is not in the certificate (127.0.0.1, localhost)
    const name = hostname();
    const address = await lookup(name, { family: 4 }).catch(() => undefined);
    if (address?.address !== '127.0.0.1' || name === 'localhost') return;
    const byName = (mode: string) => mysqlConnection.parse({ ...connection<MysqlConnection>('src_tls'), host: name, tls: { ...connection<MysqlConnection>('src_tls').tls, mode } });
    const error = await refusal(() => MysqlCatalogRepository.connect(byName('verify-full'), login('src_tls'), 'src_by_hostname'));
    expect(error.message).toMatch(new RegExp(`^connections\\.src_by_hostname \\(${name}:\\d+\\): TLS: the server's certificate does not name host ${name} \\(tls\\.mode verify-full\\)`));
    const catalog = await MysqlCatalogRepository.connect(byName('verify-ca'), login('src_tls'), 'src_by_hostname');
    await catalog.close();
    const pg = postgresConnection.parse({ ...connection<PostgresConnection>('bi_pg_tls'), host: name });
    const pgError = await refusal(() => new Client(pgClientOptions(pg, login('bi_pg_tls'))).connect());
    expect(databaseTlsError(pgError, pg, 'bi_by_hostname')?.message).toMatch(/^connections\.bi_by_hostname .*does not name host/);
  });

  it('a server certificate another CA signed is refused, naming the connection and the CA file', async () => {
    const mysqlError = await refusal(() => MysqlCatalogRepository.connect(connection<MysqlConnection>('src_wrong_ca'), login('src_wrong_ca'), 'src_wrong_ca'));
    expect(mysqlError).toBeInstanceOf(TerminalError);
    expect(mysqlError.message).toMatch(/^connections\.src_wrong_ca \(127\.0\.0\.1:\d+\): TLS: the server's certificate is not signed by a CA in tls\.caFile .*other-ca\.pem/);

    const target = openTarget(connection<PostgresConnection>('pg_wrong_ca'), loaded);
    const pgError = await refusal(() => target.loadedRun('anything', 'run-1'));
    await target.close();
    expect(pgError).toBeInstanceOf(TerminalError);
    expect(pgError.message).toMatch(/^connections\.pg_wrong_ca \(127\.0\.0\.1:\d+\): TLS: the server's certificate is not signed by a CA in tls\.caFile .*other-ca\.pem/);

    const wrongControl = controlPool({ ...loaded, config: { ...loaded.config, control: { connection: 'pg_wrong_ca' } } }, 1);
    const controlError = await refusal(() => inTransaction(wrongControl, async () => undefined));
    await wrongControl.end();
    expect(controlError).toBeInstanceOf(TerminalError);
    expect(controlError.message).toMatch(/^control database \(control\.connection\): TLS: the server's certificate is not signed by a CA/);

    const [probe] = databaseProbes(loaded, ['pg_wrong_ca']);
    expect((await refusal(() => probe.check())).message).toMatch(/^connections\.pg_wrong_ca .*not signed by a CA in tls\.caFile/);
  });

  it('Spark JDBC: Connector/J reads the source over verified TLS with the client certificate, pgJDBC writes the BI table', async () => {
    const stages = createStages(loaded, join(repoRoot, 'jobs'));
    const run = { runId: `tls-${randomBytes(3).toString('hex')}`, pipeline: pipelineName, logicalDate: '2026-11-29' };
    // the source has tls, so the default engine is Spark (spark-submit), not the arrow engine
    // the jobs' own logs stay in the test folder, for a failure's Java stack
    const ingested: IngestCompleted = await (stages.ingest as IngestStage).execute(run, { logger: silentLogger, jobLogPath: join(root, 'ingest-job.log') });
    expect(ingested.tables.map((t) => [t.table, t.rows])).toEqual([['items', 3]]);

    const exported = await (stages.export as ExportStage).execute(
      {
        ...run,
        models: [
          {
            name: 'items',
            rows: 3,
            path: ingested.tables[0].path,
            format: 'parquet',
            columns: [
              { name: 'id', type: 'int', nullable: false },
              { name: 'label', type: 'string', nullable: true },
            ],
          },
        ],
      },
      { logger: silentLogger, jobLogPath: join(root, 'export-job.log') },
    );
    expect(exported.targets.map((t) => [t.name, t.rows])).toEqual([[`bi_pg_tls:${table}`, 3]]);
    const client = new Client({ host: '127.0.0.1', port: pgPort, database: 'bi', user: 'dataops', password: pgPassword() });
    await client.connect();
    const { rows } = await client.query(`SELECT id, label FROM "${table}" ORDER BY id`);
    await client.end();
    expect(rows).toEqual([
      { id: 1, label: 'un' },
      { id: 2, label: 'deux' },
      { id: 3, label: 'trois' },
    ]);
  });

  it('no secret in any error text', () => {
    expect(errorTexts.length).toBeGreaterThan(0);
    for (const text of errorTexts) for (const secret of secretsInPlay()) expect(text).not.toContain(secret);
  });
});
