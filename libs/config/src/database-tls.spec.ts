import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FIXTURES, prepareFixtureDir } from '../../../test/fixtures/configs/fixture-dir';
import { TerminalError } from '@dataops/errors';
import { ConfigError } from './errors';
import { loadConfig } from './loader';
import { ingestEngineOf } from './ingest-engine';
import { mysqlConnection, postgresConnection, type MysqlConnection, type PostgresConnection } from './schema';
import { databaseTlsError, jdbcTlsSpec, jdbcTlsUrlProperties, mysqlClientOptions, mysqlSsl, pgClientOptions, pgSsl, resolveDatabaseTls } from './database-tls';
import { CredentialsError } from './private-file';

const VALID = readFileSync(join(CONFIG_FIXTURES, 'valid.yaml'), 'utf8');
const CA = '-----BEGIN CERTIFICATE-----\nfake-db-ca\n-----END CERTIFICATE-----\n';
const dir = prepareFixtureDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  writeFileSync(join(dir, 'secrets', 'db-ca.pem'), CA, { mode: 0o644 });
  writeFileSync(join(dir, 'secrets', 'db-client.crt'), 'client-cert\n', { mode: 0o644 });
  writeFileSync(join(dir, 'secrets', 'db-client.key'), 'client-key\n', { mode: 0o600 });
  chmodSync(join(dir, 'secrets', 'db-client.key'), 0o600);
});

const login = { user: 'u', password: 'pw-not-in-messages' };

function mysql(tls?: unknown): MysqlConnection {
  return mysqlConnection.parse({ type: 'mysql', host: 'db.internal', database: 'shop', credentials: { user: 'u', passwordEnv: 'X' }, ...(tls ? { tls } : {}) });
}

function postgres(tls?: unknown): PostgresConnection {
  return postgresConnection.parse({ type: 'postgres', host: '10.0.0.5', database: 'bi', credentials: { user: 'u', passwordEnv: 'X' }, ...(tls ? { tls } : {}) });
}

/** valid.yaml with `tls` added to the bi_pg connection, loaded from the fixture folder. */
function loadWithTls(tls: string) {
  const file = join(dir, 'tls.yaml');
  writeFileSync(file, VALID.replace('    database: bi\n', `    database: bi\n    tls: ${tls}\n`));
  return loadConfig(file, { env: {} });
}

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('connections.<c>.tls: the schema', () => {
  it('defaults to verify-full and needs caFile for verify-full and verify-ca', () => {
    expect(mysql({ caFile: '/ca.pem' }).tls).toEqual({ mode: 'verify-full', caFile: '/ca.pem' });
    expect(mysqlConnection.safeParse({ ...mysql(), tls: {} }).success).toBe(false);
    expect(mysqlConnection.safeParse({ ...mysql(), tls: { mode: 'verify-ca' } }).success).toBe(false);
    expect(mysql({ mode: 'require' }).tls).toEqual({ mode: 'require' });
  });

  it('refuses unknown keys, unknown modes, and a certificate without its key', () => {
    expect(postgresConnection.safeParse({ ...postgres(), tls: { caFile: '/ca.pem', rejectUnauthorized: false } }).success).toBe(false);
    expect(postgresConnection.safeParse({ ...postgres(), tls: { caFile: '/ca.pem', mode: 'prefer' } }).success).toBe(false);
    expect(postgresConnection.safeParse({ ...postgres(), tls: { caFile: '/ca.pem', certFile: '/c.crt' } }).success).toBe(false);
  });

  it('is loaded with paths made absolute, and validated: missing CA, key readable by others', () => {
    const loaded = loadWithTls('{ caFile: secrets/db-ca.pem, certFile: secrets/db-client.crt, keyFile: secrets/db-client.key }');
    const bi = loaded.config.connections.bi_pg as PostgresConnection;
    expect(bi.tls).toEqual({ mode: 'verify-full', caFile: join(dir, 'secrets/db-ca.pem'), certFile: join(dir, 'secrets/db-client.crt'), keyFile: join(dir, 'secrets/db-client.key') });

    expect(problems(() => loadWithTls('{ caFile: secrets/nope.pem }'))).toEqual([expect.stringMatching(/^connections\.bi_pg\.tls\.caFile: CA file .*nope\.pem does not exist/)]);
    chmodSync(join(dir, 'secrets', 'db-client.key'), 0o644);
    expect(problems(() => loadWithTls('{ caFile: secrets/db-ca.pem, certFile: secrets/db-client.crt, keyFile: secrets/db-client.key }'))).toEqual([
      expect.stringMatching(/^connections\.bi_pg\.tls\.keyFile: .*readable by group or others.*chmod 600/),
    ]);
    expect(problems(() => loadWithTls('{ mode: verify-ca }'))).toEqual([expect.stringMatching(/^connections\.bi_pg\.tls\.caFile: .*set tls\.caFile/)]);
  });
});

describe('Node clients (mysql2, pg)', () => {
  const tls = () => ({ caFile: join(dir, 'secrets/db-ca.pem'), certFile: join(dir, 'secrets/db-client.crt'), keyFile: join(dir, 'secrets/db-client.key') });

  it('have no ssl without tls: plain TCP as before', () => {
    expect(mysqlClientOptions(mysql(), login)).toEqual({ host: 'db.internal', port: 3306, database: 'shop', user: 'u', password: login.password });
    expect(pgClientOptions(postgres(), login)).toEqual({ host: '10.0.0.5', port: 5432, database: 'bi', user: 'u', password: login.password });
  });

  it('verify-full: the CA only, the chain and the host name checked; the client certificate and key read', () => {
    const my = mysqlClientOptions(mysql(tls()), login).ssl!;
    expect(my).toEqual({ ca: CA, cert: 'client-cert\n', key: 'client-key\n', rejectUnauthorized: true, verifyIdentity: true });
    // a host name is checked by mysql2 itself; an IP needs the socket that carries it
    expect(mysqlClientOptions(mysql(tls()), login).stream).toBeUndefined();
    const byIp = mysqlConnection.parse({ ...mysql(tls()), host: '127.0.0.1' });
    expect(typeof mysqlClientOptions(byIp, login).stream).toBe('function');
    expect(mysqlClientOptions(mysqlConnection.parse({ ...byIp, tls: { ...byIp.tls, mode: 'verify-ca' } }), login).stream).toBeUndefined();
    const pg = pgClientOptions(postgres(tls()), login).ssl!;
    expect(pg).toEqual({ ca: CA, cert: 'client-cert\n', key: 'client-key\n', rejectUnauthorized: true });
    expect(pg.checkServerIdentity).toBeUndefined();
  });

  it('verify-ca checks the chain but not the name; require checks nothing', () => {
    const material = { mode: 'verify-ca' as const, ca: CA };
    expect(mysqlSsl(material)).toEqual({ ca: CA, rejectUnauthorized: true, verifyIdentity: false });
    expect(pgSsl(material).rejectUnauthorized).toBe(true);
    expect(pgSsl(material).checkServerIdentity?.()).toBeUndefined();
    expect(mysqlSsl({ mode: 'require' })).toEqual({ rejectUnauthorized: false, verifyIdentity: false });
    expect(pgSsl({ mode: 'require' }).rejectUnauthorized).toBe(false);
  });

  it('refuse a key file readable by others, naming the connection and field', () => {
    chmodSync(join(dir, 'secrets', 'db-client.key'), 0o640);
    let caught: unknown;
    try {
      resolveDatabaseTls(postgres(tls()), dir, 'bi_pg');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CredentialsError);
    expect((caught as Error).message).toMatch(/^connections\.bi_pg\.tls\.keyFile: .*chmod 600/);
  });
});

describe('databaseTlsError', () => {
  const connection = mysql({ caFile: '/etc/dataops/db-ca.pem' });
  const failure = (code: string, message: string) => Object.assign(new Error(message), { code });

  it('names the connection and the CA file for a certificate another CA signed', () => {
    const error = databaseTlsError(failure('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), connection, 'shop_src');
    expect(error).toBeInstanceOf(TerminalError);
    expect(error!.message).toBe(
      "connections.shop_src (db.internal:3306): TLS: the server's certificate is not signed by a CA in tls.caFile /etc/dataops/db-ca.pem (self-signed certificate in certificate chain)",
    );
  });

  it("reads mysql2's HANDSHAKE_SSL_ERROR by Node's message", () => {
    expect(databaseTlsError(failure('HANDSHAKE_SSL_ERROR', 'self-signed certificate in certificate chain'), connection, 'shop_src')!.message).toMatch(
      /^connections\.shop_src \(db\.internal:3306\): TLS: the server's certificate is not signed by a CA in tls\.caFile \/etc\/dataops\/db-ca\.pem/,
    );
    expect(databaseTlsError(failure('HANDSHAKE_SSL_ERROR', "Hostname/IP does not match certificate's altnames: IP: 10.1.1.1 is not in the cert's list"), connection)!.message).toMatch(
      /does not name host db\.internal/,
    );
    expect(databaseTlsError(failure('HANDSHAKE_SSL_ERROR', 'wrong version number'), connection)!.message).toMatch(/TLS: TLS handshake failed: wrong version number/);
  });

  it('says what to do for a name mismatch and a server without TLS; ignores other errors', () => {
    expect(databaseTlsError(failure('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), connection, 'shop_src')!.message).toMatch(
      /connections\.shop_src .*does not name host db\.internal \(tls\.mode verify-full\).*use verify-ca/,
    );
    expect(databaseTlsError(failure('HANDSHAKE_NO_SSL_SUPPORT', 'Server does not support secure connection'), connection)!.message).toMatch(
      /^mysql connection \(db\.internal:3306\): TLS: the server does not offer TLS/,
    );
    expect(databaseTlsError(new Error('The server does not support SSL connections'), postgres({ mode: 'require' }), 'bi')!.message).toMatch(/connections\.bi .*does not offer TLS/);
    expect(databaseTlsError(failure('ECONNREFUSED', 'connect ECONNREFUSED'), connection, 'shop_src')).toBeUndefined();
    expect(databaseTlsError(failure('ER_ACCESS_DENIED_ERROR', 'Access denied'), connection, 'shop_src')).toBeUndefined();
  });
});

describe('Spark JDBC side', () => {
  it('Connector/J: sslMode in the URL, the CA path for the job, no secret', () => {
    expect(jdbcTlsUrlProperties(mysql({ caFile: '/ca.pem' }))).toEqual({ sslMode: 'VERIFY_IDENTITY' });
    expect(jdbcTlsUrlProperties(mysql({ caFile: '/ca.pem', mode: 'verify-ca' }))).toEqual({ sslMode: 'VERIFY_CA' });
    expect(jdbcTlsUrlProperties(mysql({ mode: 'require' }))).toEqual({ sslMode: 'REQUIRED' });
    expect(jdbcTlsSpec(mysql({ caFile: 'ca.pem', certFile: 'c.crt', keyFile: 'c.key' }), '/etc/dataops', 'shop_src')).toEqual({
      driver: 'mysql',
      mode: 'verify-full',
      caFile: '/etc/dataops/ca.pem',
      certFile: '/etc/dataops/c.crt',
      keyFile: '/etc/dataops/c.key',
      connection: 'shop_src',
    });
    expect(jdbcTlsSpec(mysql())).toBeUndefined();
    expect(jdbcTlsUrlProperties(mysql())).toEqual({});
  });

  it('pgJDBC: sslmode, sslrootcert, sslcert and sslkey are paths in the URL', () => {
    expect(jdbcTlsUrlProperties(postgres({ caFile: '/ca.pem', certFile: '/c.crt', keyFile: '/c.key' }))).toEqual({
      sslmode: 'verify-full',
      sslrootcert: '/ca.pem',
      sslcert: '/c.crt',
      sslkey: '/c.key',
    });
    expect(jdbcTlsUrlProperties(postgres({ caFile: '/ca.pem', mode: 'verify-ca' }))).toEqual({ sslmode: 'verify-ca', sslrootcert: '/ca.pem' });
  });

  it('engine arrow with a tls source is refused by the config check', () => {
    const file = join(dir, 'arrow-tls.yaml');
    const text = VALID.replace('    database: shop\n', `    database: shop\n    tls: { caFile: secrets/db-ca.pem }\n`).replace('      connection: shop_src\n', '      connection: shop_src\n      engine: arrow\n');
    expect(text).toContain('engine: arrow');
    writeFileSync(file, text);
    expect(problems(() => loadConfig(file, { env: {} }))).toEqual([expect.stringMatching(/source\.engine: engine arrow does not negotiate TLS, and connection shop_src has tls/)]);
  });

  it('a source with tls is read by Spark unless the pipeline names its engine', () => {
    const config = { spark: { master: 'local[*]', conf: {} }, storage: { lake: '/lake', warehouse: '/wh' } };
    const pipeline = { source: { connection: 'shop_src' } } as never;
    expect(ingestEngineOf({ ...config, connections: { shop_src: mysql() } }, pipeline)).toBe('arrow');
    expect(ingestEngineOf({ ...config, connections: { shop_src: mysql({ caFile: '/ca.pem' }) } }, pipeline)).toBe('spark');
    expect(ingestEngineOf({ ...config, connections: { shop_src: mysql({ caFile: '/ca.pem' }) } }, { source: { connection: 'shop_src', engine: 'arrow' } } as never)).toBe('arrow');
  });
});
