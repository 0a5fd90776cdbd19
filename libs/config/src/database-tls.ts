import { connect, isIP, type Socket } from 'node:net';
import { TerminalError } from '@dataops/errors';
import type { DatabaseTlsConfig, MysqlConnection, PostgresConnection } from './schema';
import { absolute, CredentialsError, privateFileProblem, publicFileProblem, readPrivateFile, readPublicFile } from './private-file';
import type { DatabaseLogin } from './secrets';

/**
 * TLS to MySQL/MariaDB and PostgreSQL, from a connection's `tls` block, for every client DataOps
 * opens: mysql2 and pg on the Node side (ingest catalog, export targets, control database,
 * readiness probes) and Connector/J and pgJDBC in the Spark jobs. One place decides what each
 * mode means, so no client verifies less than another.
 */

type DatabaseConnection = MysqlConnection | PostgresConnection;
export type DatabaseTlsMode = DatabaseTlsConfig['mode'];

/** The PEM texts `tls` names, read (the key from a 0600 file). */
export interface DatabaseTlsMaterial {
  mode: DatabaseTlsMode;
  ca?: string;
  cert?: string;
  key?: string;
}

/** mysql2's `ssl` option. */
export interface MysqlSslOptions {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  /** mysql2: also check that the certificate names the host */
  verifyIdentity: boolean;
}

/** pg's `ssl` option (handed to tls.connect). */
export interface PgSslOptions {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  checkServerIdentity?: () => undefined;
}

/** Host, port, database and login for mysql2 or pg, with `ssl` when the connection has `tls`. */
export interface MysqlClientOptions {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  ssl?: MysqlSslOptions;
  /** verify-full to an IP address: the socket that makes mysql2 check the IP (see mysqlIpSocket) */
  stream?: () => Socket;
}

export interface PgClientOptions {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  ssl?: PgSslOptions;
}

/**
 * The CA, certificate and key of a connection's `tls`, or undefined without it. A missing file, or a
 * key readable by group or others, is a CredentialsError at `connections.<name>.tls.<field>`.
 * `configDir` only matters for relative paths (a loaded config's paths are absolute already).
 */
export function resolveDatabaseTls(connection: DatabaseConnection, configDir = process.cwd(), name?: string): DatabaseTlsMaterial | undefined {
  const tls = connection.tls;
  if (!tls) return undefined;
  try {
    return {
      mode: tls.mode,
      ca: tls.caFile === undefined ? undefined : readPublicFile(absolute(tls.caFile, configDir), 'tls.caFile', 'CA file'),
      cert: tls.certFile === undefined ? undefined : readPublicFile(absolute(tls.certFile, configDir), 'tls.certFile', 'certificate file'),
      key: tls.keyFile === undefined ? undefined : readPrivateFile(absolute(tls.keyFile, configDir), 'tls.keyFile'),
    };
  } catch (error) {
    throw name && error instanceof CredentialsError ? error.within(`connections.${name}`) : error;
  }
}

/** mysql2's `ssl`: verify-full checks the chain and the host name, verify-ca the chain only, require nothing. */
export function mysqlSsl(material: DatabaseTlsMaterial): MysqlSslOptions {
  return {
    ...pem(material),
    rejectUnauthorized: material.mode !== 'require',
    verifyIdentity: material.mode === 'verify-full',
  };
}

/** pg's `ssl`, with the same meaning of each mode as mysqlSsl. */
export function pgSsl(material: DatabaseTlsMaterial): PgSslOptions {
  return {
    ...pem(material),
    rejectUnauthorized: material.mode !== 'require',
    ...(material.mode === 'verify-full' ? {} : { checkServerIdentity: () => undefined }),
  };
}

/** Everything mysql2 needs to reach a connection (add pool sizes, time zone… at the call site). */
export function mysqlClientOptions(connection: MysqlConnection, login: DatabaseLogin, configDir?: string, name?: string): MysqlClientOptions {
  const material = resolveDatabaseTls(connection, configDir, name);
  const { host, port } = connection;
  return {
    host,
    port,
    database: connection.database,
    user: login.user,
    password: login.password,
    ...(material ? { ssl: mysqlSsl(material) } : {}),
    ...(material?.mode === 'verify-full' && isIP(host) !== 0 ? { stream: () => mysqlIpSocket(host, port) } : {}),
  };
}

/**
 * mysql2 passes no server name to TLS for an IP host (SNI forbids IPs), and Node then checks the
 * certificate against the socket's host, which net leaves unset for an IP: the check ran against
 * "localhost" and passed any certificate naming localhost. This socket carries its IP so the
 * certificate must name that IP (tested in test/integration/database-tls.int.spec.ts). It does
 * what mysql2 does to the sockets it makes itself: no delay, keep-alive.
 */
function mysqlIpSocket(host: string, port: number): Socket {
  const socket = connect(port, host);
  (socket as Socket & { _host?: string })._host = host;
  socket.setNoDelay(true);
  socket.setKeepAlive(true);
  return socket;
}

/** Everything pg needs to reach a connection. */
export function pgClientOptions(connection: PostgresConnection, login: DatabaseLogin, configDir?: string, name?: string): PgClientOptions {
  const material = resolveDatabaseTls(connection, configDir, name);
  return { host: connection.host, port: connection.port, database: connection.database, user: login.user, password: login.password, ...(material ? { ssl: pgSsl(material) } : {}) };
}

// Node's certificate verification codes, and what each means for the one who fixes it
const CHAIN_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);
const DATE_CODES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/**
 * A TLS failure of a database connection as a terminal error that names the connection and says
 * what to fix (retrying does not change a certificate), or undefined when the error is not about
 * TLS. Driver messages here never hold a password; the login is not part of a handshake.
 */
export function databaseTlsError(error: unknown, connection: DatabaseConnection, name?: string): TerminalError | undefined {
  const where = `${name ? `connections.${name}` : `${connection.type} connection`} (${connection.host}:${connection.port})`;
  const reason = tlsFailureReason(error, connection.host, connection.tls?.caFile);
  return reason ? new TerminalError(`${where}: TLS: ${reason}`, { cause: error }) : undefined;
}

/** Why a TLS handshake failed, said for the one who fixes it, or undefined for any other error. */
export function tlsFailureReason(error: unknown, host?: string, caFile?: string): string | undefined {
  // the driver's own error may already be wrapped (a repository's classify): look at its causes
  for (let cause = (error as { cause?: unknown } | undefined)?.cause, depth = 0; cause && depth < 3; cause = (cause as { cause?: unknown }).cause, depth++) {
    const reason = tlsFailureReason(cause, host, caFile);
    if (reason) return reason;
  }
  const message = error instanceof Error ? error.message : String(error);
  // mysql2 replaces Node's code of a failed handshake with its own: the message tells which it was
  const code = codeOf(error, message);
  let reason: string | undefined;
  if (CHAIN_CODES.has(code)) {
    reason = `the server's certificate is not signed by a CA in tls.caFile${caFile ? ` ${caFile}` : ''} (${message})`;
  } else if (DATE_CODES.has(code)) {
    reason = `the server's certificate is outside its validity dates (${message})`;
  } else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    reason = `the server's certificate does not name host ${host ?? '(the host)'} (tls.mode verify-full): ${message}; connect with a name the certificate holds, or use verify-ca`;
  } else if (code === 'HANDSHAKE_NO_SSL_SUPPORT' || /server does not support SSL/i.test(message)) {
    reason = 'the server does not offer TLS; enable it on the server or remove tls from the connection';
  } else if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || /\bSSL routines\b/.test(message)) {
    reason = `TLS handshake failed: ${message}`;
  }
  return reason;
}

const NODE_MESSAGES: [RegExp, string][] = [
  [/self[- ]signed certificate in certificate chain/i, 'SELF_SIGNED_CERT_IN_CHAIN'],
  [/^self[- ]signed certificate$/i, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  [/unable to verify the first certificate/i, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  [/unable to get (local )?issuer certificate/i, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  [/certificate (has expired|is not yet valid)/i, 'CERT_HAS_EXPIRED'],
  [/Hostname\/IP does not match certificate's altnames/i, 'ERR_TLS_CERT_ALTNAME_INVALID'],
];

function codeOf(error: unknown, message: string): string {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  if (code !== 'HANDSHAKE_SSL_ERROR') return code;
  return NODE_MESSAGES.find(([pattern]) => pattern.test(message))?.[1] ?? 'ERR_SSL_HANDSHAKE';
}

/**
 * Problems of the files a connection's `tls` names, each at its field: the CA and certificate must
 * exist; the key must also be private (0600), and is looked at only when `readSecrets`.
 */
export function databaseTlsFileProblems(tls: DatabaseTlsConfig | undefined, configDir: string, readSecrets: boolean): { field: string[]; message: string }[] {
  if (!tls) return [];
  const problems: { field: string[]; message: string }[] = [];
  const check = (field: string, file: string | undefined, problem: (path: string) => string | undefined) => {
    if (file === undefined) return;
    const message = problem(absolute(file, configDir));
    if (message) problems.push({ field: ['tls', field], message });
  };
  check('caFile', tls.caFile, (path) => publicFileProblem(path, 'CA file'));
  check('certFile', tls.certFile, (path) => publicFileProblem(path, 'certificate file'));
  if (readSecrets) check('keyFile', tls.keyFile, privateFileProblem);
  return problems;
}

/**
 * What the Spark jobs need for TLS to this connection, or undefined without `tls`: the driver's
 * mode and the file paths (paths are not secret; a key's content never leaves its file). The job
 * turns it into Connector/J or pgJDBC properties (jobs/dataops_jobs/jdbc_tls.py); the files must be
 * readable at the same paths where Spark's executors run (always so with a local master).
 */
export interface JdbcTlsSpec {
  driver: 'mysql' | 'postgres';
  mode: DatabaseTlsMode;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** the connection, for messages */
  connection?: string;
}

export function jdbcTlsSpec(connection: DatabaseConnection, configDir = process.cwd(), name?: string): JdbcTlsSpec | undefined {
  const tls = connection.tls;
  if (!tls) return undefined;
  const file = (path: string | undefined) => (path === undefined ? undefined : absolute(path, configDir));
  return {
    driver: connection.type,
    mode: tls.mode,
    caFile: file(tls.caFile),
    certFile: file(tls.certFile),
    keyFile: file(tls.keyFile),
    ...(name ? { connection: name } : {}),
  };
}

/**
 * The TLS properties that can sit in a JDBC URL (no secret, no file the job makes): Connector/J's
 * sslMode, pgJDBC's sslmode with its root certificate, client certificate and key paths. The
 * MySQL trust store (Connector/J reads JKS or PKCS12, not PEM) is made by the job from caFile.
 */
export function jdbcTlsUrlProperties(connection: DatabaseConnection, configDir = process.cwd()): Record<string, string> {
  const spec = jdbcTlsSpec(connection, configDir);
  if (!spec) return {};
  if (spec.driver === 'mysql') return { sslMode: { require: 'REQUIRED', 'verify-ca': 'VERIFY_CA', 'verify-full': 'VERIFY_IDENTITY' }[spec.mode] };
  return {
    sslmode: spec.mode,
    ...(spec.caFile ? { sslrootcert: spec.caFile } : {}),
    ...(spec.certFile && spec.keyFile ? { sslcert: spec.certFile, sslkey: spec.keyFile } : {}),
  };
}

function pem(material: DatabaseTlsMaterial): { ca?: string; cert?: string; key?: string } {
  return {
    ...(material.ca ? { ca: material.ca } : {}),
    ...(material.cert && material.key ? { cert: material.cert, key: material.key } : {}),
  };
}

