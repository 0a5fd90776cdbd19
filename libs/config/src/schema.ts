import { z } from 'zod';
import { stageSelection } from '@dataops/contracts';

/**
 * The shape of `dataops.yaml`. Every object is strict, so a misspelt key is an error that names
 * it instead of a setting that silently does nothing. Credentials never live here: a connection
 * points at an options file, a password file or an environment variable (see secrets.ts).
 */

const name = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'expected a lower-case name: letters, digits and _ (e.g. retail_src)');

/** "90s", "10m", "2h", "7d" */
export const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 30s, 10m, 2h or 7d');

const optionsFileCredentials = z.strictObject({ optionsFile: z.string().min(1) });
const passwordFileCredentials = z.strictObject({ user: z.string().min(1), passwordFile: z.string().min(1) });
const passwordEnvCredentials = z.strictObject({ user: z.string().min(1), passwordEnv: z.string().min(1) });
const privateKeyCredentials = z.strictObject({
  user: z.string().min(1),
  privateKeyFile: z.string().min(1),
  passphraseFile: z.string().min(1).optional(),
});

export const databaseCredentials = z.union([optionsFileCredentials, passwordFileCredentials, passwordEnvCredentials]);
export const sftpCredentials = z.union([privateKeyCredentials, passwordFileCredentials, passwordEnvCredentials]);

const port = z.coerce.number().int().min(1).max(65535);

/**
 * TLS to a MySQL/MariaDB or PostgreSQL server. verify-full (the default): the server's certificate
 * must chain to caFile and name the host written in `host`; verify-ca: chain only; require:
 * encrypted, certificate not checked (only against a throwaway server).
 */
export const databaseTls = z
  .strictObject({
    mode: z.enum(['require', 'verify-ca', 'verify-full']).default('verify-full'),
    /** PEM file of the CA certificate(s) the server's certificate chains to */
    caFile: z.string().min(1).optional(),
    /** PEM client certificate, for servers that require one; needs keyFile */
    certFile: z.string().min(1).optional(),
    /** its private key (PEM, unencrypted, PKCS#8 for the Spark side), mode 0600 */
    keyFile: z.string().min(1).optional(),
  })
  .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), {
    message: 'set certFile and keyFile together (a client certificate needs its key)',
  })
  .refine((tls) => tls.mode === 'require' || tls.caFile !== undefined, {
    message: 'verify-full and verify-ca check the server certificate against caFile: set tls.caFile (the CA that signed the server certificate)',
    path: ['caFile'],
  });

export const mysqlConnection = z.strictObject({
  type: z.literal('mysql'),
  host: z.string().min(1),
  port: port.default(3306),
  database: z.string().min(1),
  credentials: databaseCredentials,
  /** extra JDBC/mysql2 properties that are not secret, e.g. { useCompression: 'true' } */
  properties: z.record(z.string(), z.string()).default({}),
  /** TLS to the server (Node and Spark sides); plain TCP without it */
  tls: databaseTls.optional(),
});

export const postgresConnection = z.strictObject({
  type: z.literal('postgres'),
  host: z.string().min(1),
  port: port.default(5432),
  database: z.string().min(1),
  credentials: databaseCredentials,
  properties: z.record(z.string(), z.string()).default({}),
  /** TLS to the server (Node and Spark sides); plain TCP without it */
  tls: databaseTls.optional(),
});

export const sftpConnection = z
  .strictObject({
    type: z.literal('sftp'),
    host: z.string().min(1),
    port: port.default(22),
    credentials: sftpCredentials,
    /** an OpenSSH known_hosts file holding the server's key: the key is pinned */
    knownHosts: z.string().min(1).optional(),
    /** or the key's SHA-256 fingerprint as `ssh-keygen -lf` prints it: SHA256:… */
    hostKeyFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]+=*$/).optional(),
  })
  .refine((c) => c.knownHosts !== undefined || c.hostKeyFingerprint !== undefined, {
    message: 'an sftp connection must pin the server key: set knownHosts or hostKeyFingerprint',
  });

export const connection = z.discriminatedUnion('type', [mysqlConnection, postgresConnection, sftpConnection]);

export const ingestMode = z.enum(['full', 'append', 'lastmodified']);

export const tableOverride = z.strictObject({
  mode: ingestMode.optional(),
  /** append: a growing column; lastmodified: a DATETIME/TIMESTAMP column */
  checkColumn: z.string().min(1).optional(),
  /** lastmodified: the key that identifies a row across versions */
  mergeKey: z.array(z.string().min(1)).min(1).optional(),
  splitColumn: z.string().min(1).optional(),
  slices: z.number().int().min(1).max(1024).optional(),
  /** a SQL predicate added to every read of the table */
  where: z.string().min(1).optional(),
  /** lastmodified: re-read rows this far behind the watermark (late commits) */
  lookback: duration.optional(),
  /** incremental tables: take a full snapshot when the last one is older than this (hard deletes) */
  fullSnapshotEvery: duration.optional(),
  schemaDrift: z.enum(['fail', 'evolve']).optional(),
  /** Hive-style folders under load_date=…/run=…, e.g. [department]: string, integer or DATE columns */
  partitionBy: z.array(z.string().min(1)).min(1).max(4).optional(),
  /** the raw files' format; default parquet */
  format: z.enum(['parquet', 'orc']).optional(),
});

export const source = z.strictObject({
  connection: name,
  /** the lake folder name: raw/<name>/<table>; defaults to the connection name */
  name: name.optional(),
  /**
   * spark: spark-submit (clusters, object stores, tables larger than a machine); arrow: one Python
   * process reading MySQL into Arrow (one machine, local lake). Default: arrow when Spark runs
   * locally and the lake is a local path, else spark (see ingestEngineOf).
   */
  engine: z.enum(['spark', 'arrow', 'sqoop']).optional(),
  tables: z
    .strictObject({
      include: z.array(z.string().min(1)).min(1).default(['*']),
      exclude: z.array(z.string().min(1)).default([]),
      views: z.boolean().default(false),
    })
    .default({ include: ['*'], exclude: [], views: false }),
  /** upper bound on JDBC connections opened to the source at once */
  maxConnections: z.number().int().min(1).max(256).default(4),
  defaults: tableOverride.default({}),
  overrides: z.record(z.string(), tableOverride).default({}),
});

export const modelConfig = z.strictObject({
  materialized: z.enum(['table', 'incremental']).default('table'),
  /** incremental: replace the partitions the new rows touch, or merge rows by uniqueKey */
  strategy: z.enum(['overwrite_partitions', 'merge']).optional(),
  uniqueKey: z.array(z.string().min(1)).min(1).optional(),
  partitionBy: z.array(z.string().min(1)).default([]),
  format: z.enum(['parquet', 'orc']).optional(),
  compression: z.enum(['snappy', 'zstd', 'gzip', 'lz4', 'none']).optional(),
});

const severity = z.enum(['error', 'warn']).default('error');
const checkBase = { name: name.optional(), severity };

export const check = z.discriminatedUnion('type', [
  z.strictObject({ ...checkBase, type: z.literal('not_null'), model: name, columns: z.array(z.string()).min(1) }),
  z.strictObject({ ...checkBase, type: z.literal('unique'), model: name, columns: z.array(z.string()).min(1) }),
  z.strictObject({
    ...checkBase,
    type: z.literal('accepted_values'),
    model: name,
    column: z.string().min(1),
    values: z.array(z.union([z.string(), z.number()])).min(1),
  }),
  z.strictObject({
    ...checkBase,
    type: z.literal('relationships'),
    model: name,
    column: z.string().min(1),
    to: name,
    field: z.string().min(1),
  }),
  z.strictObject({ ...checkBase, type: z.literal('min_rows'), model: name, min: z.number().int().min(0) }),
  /** custom SQL over models and raw tables that must return no rows */
  z.strictObject({ ...checkBase, type: z.literal('sql'), name, sql: z.string().min(1) }),
]);

export const transform = z.strictObject({
  /** folder of Spark SQL files, one model per file (<model>.sql), relative to the config file */
  models: z.string().min(1).default('models'),
  defaults: z
    .strictObject({
      format: z.enum(['parquet', 'orc']).default('parquet'),
      compression: z.enum(['snappy', 'zstd', 'gzip', 'lz4', 'none']).default('snappy'),
    })
    .default({ format: 'parquet', compression: 'snappy' }),
  config: z.record(name, modelConfig).default({}),
  checks: z.array(check).default([]),
  /** register each published model in the Spark catalog (database name) */
  catalogDatabase: name.optional(),
  timeout: duration.default('2h'),
});

const jdbcExport = z.strictObject({
  type: z.literal('jdbc'),
  connection: name,
  model: name,
  /** target table, optionally schema-qualified; defaults to the model name */
  table: z.string().min(1).optional(),
  mode: z.enum(['replace', 'append', 'upsert']).default('replace'),
  key: z.array(z.string().min(1)).min(1).optional(),
  /**
   * what fills the staging table: DataOps' own loader (COPY for PostgreSQL, batched JDBC for
   * MySQL), or `sqoop export` (real Sqoop, docs/sqoop.md). The switch, run record and
   * reconciliation are DataOps' either way.
   */
  loader: z.enum(['dataops', 'sqoop']).default('dataops'),
});

const sftpExport = z.strictObject({
  type: z.literal('sftp'),
  connection: name,
  model: name,
  remoteDir: z.string().min(1),
  format: z.enum(['csv', 'parquet']).default('csv'),
  gzip: z.boolean().default(true),
});

export const exportTarget = z.discriminatedUnion('type', [jdbcExport, sftpExport]);

export const schedule = z.strictObject({
  cron: z.string().min(1),
  timezone: z.string().min(1).default('UTC'),
  /** a trigger that arrives while a run of the pipeline is active */
  overlap: z.enum(['skip', 'queue']).default('skip'),
  /** runs missed while the scheduler was down */
  catchup: z.enum(['skip', 'latest', 'all']).default('latest'),
  maxConcurrentRuns: z.number().int().min(1).max(16).default(1),
  /** the stages each run of this schedule covers, e.g. [ingest] hourly; default: all three */
  stages: stageSelection.optional(),
});

export const pipeline = z
  .strictObject({
    description: z.string().optional(),
    schedule: schedule.optional(),
    /** several schedules, each covering some stages: import every hour, build and send at midnight */
    schedules: z.array(schedule).min(1).optional(),
    source,
    transform: transform.optional(),
    export: z.array(exportTarget).default([]),
    /**
     * spark: spark-submit (a Spark cluster, a warehouse on HDFS); arrow: one Python process, DuckDB
     * writing the load files (one machine, local warehouse). Default: arrow when Spark runs locally
     * and the warehouse is a local path, else spark (see exportEngineOf).
     */
    exportEngine: z.enum(['spark', 'arrow']).optional(),
  })
  .refine((definition) => !(definition.schedule && definition.schedules), {
    message: 'set schedule (one) or schedules (several, each with its stages), not both',
    path: ['schedules'],
  });

export const storage = z
  .strictObject({
    /** a local path (relative to the config file) or a URI: file:///…, hdfs://namenode:9000/… */
    lake: z.string().min(1),
    warehouse: z.string().min(1),
    /** the NameNode's WebHDFS address, through which the services handle manifests and pointers on HDFS */
    webhdfs: z.string().url().optional(),
  })
  .refine((s) => s.webhdfs !== undefined || ![s.lake, s.warehouse].some((root) => root.startsWith('hdfs://')), {
    message: 'the lake or warehouse is on HDFS: set storage.webhdfs to the NameNode HTTP address, e.g. http://namenode:9870',
    path: ['webhdfs'],
  });

export const spark = z.strictObject({
  master: z.string().min(1).default('local[*]'),
  /** path to spark-submit; defaults to $DATAOPS_SPARK_SUBMIT, then spark-submit on PATH */
  submit: z.string().min(1).optional(),
  /** JDBC driver jars; defaults to $DATAOPS_JDBC_JARS */
  jars: z.array(z.string().min(1)).optional(),
  conf: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /**
   * keep one Spark application up per service (jobs/driver.py) and run every Spark job on it:
   * Spark's start-up (about ten seconds) is paid once instead of per stage; off by default
   */
  keepDriver: z.boolean().optional(),
});

/** TLS to the brokers: the CA that signed their certificates, and a client certificate for mutual TLS. */
export const kafkaTls = z
  .strictObject({
    /** PEM file of the CA certificate(s) the brokers' certificates chain to */
    caFile: z.string().min(1),
    /** PEM client certificate, for brokers that require (or request) one; needs keyFile */
    certFile: z.string().min(1).optional(),
    /** its private key (PEM, unencrypted), mode 0600 */
    keyFile: z.string().min(1).optional(),
    /** verify the brokers' certificates and names; false only for a throwaway test broker */
    rejectUnauthorized: z.boolean().default(true),
  })
  .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), {
    message: 'set certFile and keyFile together (a client certificate needs its key)',
  });

/** SASL login to the brokers; the password comes from a file (mode 0600), never from the YAML. */
export const kafkaSasl = z.strictObject({
  mechanism: z.enum(['scram-sha-512', 'scram-sha-256', 'plain']),
  user: z.string().min(1),
  passwordFile: z.string().min(1),
});

/** How DataOps creates its topics when they are missing (existing topics are left as they are). */
export const kafkaTopics = z
  .strictObject({
    partitions: z.number().int().min(1).max(1000).default(3),
    replicationFactor: z.number().int().min(1).max(32).default(1),
    /** with producers on acks=all: how many replicas must have an event before it counts as written */
    minInsyncReplicas: z.number().int().min(1).max(32).optional(),
  })
  .refine((topics) => topics.minInsyncReplicas === undefined || topics.minInsyncReplicas <= topics.replicationFactor, {
    message: 'minInsyncReplicas must not exceed replicationFactor, or no write could ever succeed',
    path: ['minInsyncReplicas'],
  });

export const kafka = z
  .strictObject({
    brokers: z.array(z.string().min(1)).min(1).default(['127.0.0.1:9092']),
    clientId: z.string().min(1).default('dataops'),
    tls: kafkaTls.optional(),
    sasl: kafkaSasl.optional(),
    topics: kafkaTopics.optional(),
  })
  .refine((settings) => settings.sasl?.mechanism !== 'plain' || settings.tls !== undefined, {
    message: 'sasl mechanism plain sends the password as it is: set kafka.tls too (or use scram-sha-512)',
    path: ['sasl', 'mechanism'],
  });

export const control = z.strictObject({
  /** the run ledger's database: a postgres or mysql connection, never the source */
  connection: name,
});

export const api = z.strictObject({
  /** scheduler runs API: where the services and the CLI find it */
  url: z.string().url().optional(),
  /** a file (mode 0600) holding the bearer token the API requires for every mutating call */
  tokenFile: z.string().min(1).optional(),
});

export const dataopsConfig = z.strictObject({
  version: z.literal(1),
  api: api.optional(),
  storage,
  spark: spark.default({ master: 'local[*]', conf: {} }),
  kafka: kafka.default({ brokers: ['127.0.0.1:9092'], clientId: 'dataops' }),
  control: control.optional(),
  connections: z.record(name, connection),
  pipelines: z.record(name, pipeline),
});

export type DataopsConfig = z.infer<typeof dataopsConfig>;
export type Connection = z.infer<typeof connection>;
export type MysqlConnection = z.infer<typeof mysqlConnection>;
export type PostgresConnection = z.infer<typeof postgresConnection>;
export type SftpConnection = z.infer<typeof sftpConnection>;
export type DatabaseCredentials = z.infer<typeof databaseCredentials>;
export type SftpCredentials = z.infer<typeof sftpCredentials>;
export type PipelineConfig = z.infer<typeof pipeline>;
export type SourceConfig = z.infer<typeof source>;
export type TableOverride = z.infer<typeof tableOverride>;
export type IngestMode = z.infer<typeof ingestMode>;
export type TransformConfig = z.infer<typeof transform>;
export type ModelConfig = z.infer<typeof modelConfig>;
export type CheckConfig = z.infer<typeof check>;
export type ExportTarget = z.infer<typeof exportTarget>;
export type JdbcExportTarget = z.infer<typeof jdbcExport>;
export type SftpExportTarget = z.infer<typeof sftpExport>;
export type ScheduleConfig = z.infer<typeof schedule>;
export type SparkConfig = z.infer<typeof spark>;
export type KafkaConfig = z.infer<typeof kafka>;
export type KafkaTlsConfig = z.infer<typeof kafkaTls>;
export type KafkaSaslConfig = z.infer<typeof kafkaSasl>;
export type KafkaTopicsConfig = z.infer<typeof kafkaTopics>;
export type DatabaseTlsConfig = z.infer<typeof databaseTls>;
