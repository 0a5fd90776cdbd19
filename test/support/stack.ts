import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mysql from 'mysql2/promise';

/**
 * The real local stack, as scripts/stack up left it (.dataops/stack.env is sourced by scripts/test;
 * read here too so a single test file can run on its own).
 */
export const repoRoot = resolve(__dirname, '..', '..');
export const dataopsHome = process.env.DATAOPS_HOME ?? join(repoRoot, '.dataops');
export const secrets = join(dataopsHome, 'secrets');

export function stackEnv(): Record<string, string> {
  const text = readFileSync(join(dataopsHome, 'stack.env'), 'utf8');
  const env: Record<string, string> = {};
  for (const match of text.matchAll(/^export ([A-Z_]+)=(.*)$/gm)) env[match[1]] = match[2];
  return env;
}

const env = stackEnv();
for (const [key, value] of Object.entries(env)) process.env[key] ??= value;

export const mysqlPort = Number(env.DATAOPS_MYSQL_PORT);
export const pgPort = Number(env.DATAOPS_PG_PORT);

function optionsLogin(file: string): { user: string; password: string } {
  const lines = readFileSync(join(secrets, file), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return { user: lines[lines.indexOf('--username') + 1], password: lines[lines.indexOf('--password') + 1] };
}

export const adminLogin = () => optionsLogin('admin-mysql.options');
export const pgPassword = () => readFileSync(join(secrets, 'bi-postgres.password'), 'utf8').trim();

export async function adminConnection(database?: string) {
  return mysql.createConnection({ host: '127.0.0.1', port: mysqlPort, ...adminLogin(), database, multipleStatements: true, timezone: 'Z', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, charset: 'utf8mb4' });
}

/** A throwaway source database the dataops_src user can read (its grants cover dataops_test_%). */
export async function createTestDatabase(prefix = 'dataops_test'): Promise<{ name: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = await adminConnection();
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  return {
    name,
    drop: async () => {
      const connection = await adminConnection();
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await connection.end();
    },
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** Runs Python with duckdb/pyarrow from the project's venv and returns its JSON output. */
export function python<T>(script: string): T {
  const out = execFileSync(join(dataopsHome, 'venv', 'bin', 'python'), ['-c', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out) as T;
}

export interface TestConfigOptions {
  sourceDatabase: string;
  /** the MySQL BI target database (never the source: exported tables would be ingested back) */
  biMysqlDatabase?: string;
  pipeline?: string;
  root: string;
  models?: Record<string, string>;
  pipelineYaml: string;
  extraConnections?: string;
  /** talk to Kafka over the local broker's SASL_SSL listener (SCRAM-SHA-512, TLS with the stack's CA) */
  kafkaSaslSsl?: boolean;
  /** spark.keepDriver: one Spark application for all the jobs of the stages */
  keepDriver?: boolean;
}

/** The brokers of the local SASL_SSL listener (scripts/stack.d/31-kafka-tls.sh). */
export const saslBrokers = () => process.env.KAFKA_SASL_BROKERS ?? '127.0.0.1:9094';

/** Writes a dataops.yaml for a test: its own lake, warehouse and source database. */
export function writeTestConfig(options: TestConfigOptions): string {
  const pipeline = options.pipeline ?? 'p';
  const file = join(options.root, 'dataops.yaml');
  const yaml = `version: 1
storage:
  lake: ${join(options.root, 'lake')}
  warehouse: ${join(options.root, 'warehouse')}
spark:
  master: local[2]${options.keepDriver ? '\n  keepDriver: true' : ''}
  conf:
    spark.driver.memory: 1g
    spark.sql.shuffle.partitions: 4
${options.kafkaSaslSsl ? `kafka:
  brokers: ["${saslBrokers()}"]
  tls: { caFile: ${join(secrets, 'kafka-ca.pem')} }
  sasl: { mechanism: scram-sha-512, user: dataops, passwordFile: ${join(secrets, 'kafka-dataops.password')} }` : `kafka:
  brokers: ["${process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'}"]`}
api:
  tokenFile: ${join(secrets, 'api-token')}
control:
  connection: control_pg
connections:
  src:
    type: mysql
    host: 127.0.0.1
    port: ${mysqlPort}
    database: ${options.sourceDatabase}
    credentials: { optionsFile: ${join(secrets, 'source-mysql.options')} }
  bi_pg:
    type: postgres
    host: 127.0.0.1
    port: ${pgPort}
    database: bi
    credentials: { user: dataops, passwordFile: ${join(secrets, 'bi-postgres.password')} }
  bi_mysql:
    type: mysql
    host: 127.0.0.1
    port: ${mysqlPort}
    database: ${options.biMysqlDatabase ?? 'bi'}
    credentials: { optionsFile: ${join(secrets, 'bi-mysql.options')} }
  control_pg:
    type: postgres
    host: 127.0.0.1
    port: ${pgPort}
    database: dataops_control
    credentials: { user: dataops, passwordFile: ${join(secrets, 'control-postgres.password')} }
  sftp:
    type: sftp
    host: 127.0.0.1
    port: ${process.env.DATAOPS_SFTP_PORT ?? 2222}
    credentials: { user: dataops-sftp, privateKeyFile: ${join(secrets, 'sftp_id_ed25519')} }
    knownHosts: ${join(secrets, 'sftp_known_hosts')}
${options.extraConnections ?? ''}
pipelines:
  ${pipeline}:
${options.pipelineYaml.replace(/^/gm, '    ')}
`;
  writeFileSync(file, yaml);
  if (options.models) {
    mkdirSync(join(options.root, 'models'), { recursive: true });
    for (const [name, sql] of Object.entries(options.models)) writeFileSync(join(options.root, 'models', `${name}.sql`), sql);
  }
  return file;
}
