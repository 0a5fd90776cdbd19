import { isLocalMaster, type SparkConfig } from '@dataops/config';

/** Everything needed to call spark-submit, resolved once from the config and the environment. */
export interface SparkSettings {
  submit: string;
  master: string;
  jars: string[];
  conf: Record<string, string>;
  /** the python interpreter Spark's driver and workers use */
  python?: string;
  /** folder holding the PySpark jobs (jobs/ in this repository) */
  jobsDir: string;
  /** the job package built ahead (an image's jobs/dataops_jobs.zip); else built per submit */
  prebuiltJobsZip?: string;
  /** one Spark application kept up for the process's lifetime (jobs/driver.py) instead of one per job */
  keepDriver?: boolean;
}

/**
 * Defaults that keep values as they were: the session time zone is UTC, so a MySQL TIMESTAMP is an
 * instant and DATETIME (read as TIMESTAMP_NTZ) is a wall-clock time, whatever the host's zone.
 */
const baseConf: Record<string, string> = {
  'spark.sql.session.timeZone': 'UTC',
  'spark.driver.extraJavaOptions': '-Duser.timezone=UTC',
  'spark.executor.extraJavaOptions': '-Duser.timezone=UTC',
  'spark.ui.showConsoleProgress': 'false',
  'spark.sql.parquet.outputTimestampType': 'TIMESTAMP_MICROS',
};

/**
 * Only for a local master (issue 11): Spark lists more than 32 folders (a model partitioned by day
 * has one per day) with a job of one task per folder, which on one machine costs seconds where the
 * driver lists them in milliseconds. A cluster keeps Spark's default (listing spread over executors,
 * right for HDFS or object stores). The config's own `spark.conf` still wins.
 */
const localConf: Record<string, string> = {
  'spark.sql.sources.parallelPartitionDiscovery.threshold': '100000',
};

/**
 * Only for a local master, when `scripts/stack` (or the image) built jobs/localfs: Hadoop's local
 * file system without the `chmod` process it starts per file and folder written when Hadoop's
 * native library is missing, as with PySpark's (a model partitioned by day: 1,105 processes, ~10 s).
 * On the driver's class path, not `--jars`: spark-submit opens file:// paths before it loads those.
 */
function localFileSystemConf(jar: string | undefined): Record<string, string> {
  if (!jar) return {};
  return { 'spark.driver.extraClassPath': jar, 'spark.hadoop.fs.file.impl': 'io.dataops.hadoop.NioLocalFileSystem' };
}

/**
 * Only for a kept driver, which runs the same models night after night (issue 11): Spark's cache of
 * generated code holds 100 classes, fewer than one run of the sample's models and checks needs, so
 * each run evicted the classes the next would ask for: 29 compiled again per run, and the JIT
 * compiling them anew (7 of its 27 CPU seconds a run). With room for them, a run from the second on
 * compiles nothing, and the sample's transform fell from 14-20 s to 9-12 s.
 */
const keptDriverConf: Record<string, string> = {
  'spark.sql.codegen.cache.maxEntries': '1000',
};

/**
 * `longLived`: a service, which runs job after job (a kept driver pays off there); `dataops run`
 * and tests are not. Without `spark.keepDriver`, a long-lived process on a local master keeps one
 * driver: on one machine it costs only memory; on a cluster it would hold executors while idle.
 */
export function resolveSparkSettings(
  config: SparkConfig,
  jobsDir: string,
  env: NodeJS.ProcessEnv = process.env,
  longLived = false,
): SparkSettings {
  const local = isLocalMaster(config.master);
  const keepDriver = config.keepDriver ?? (longLived && local);
  const conf: Record<string, string> = {
    ...baseConf,
    ...(local ? { ...localConf, ...localFileSystemConf(env.DATAOPS_LOCAL_FS_JAR) } : {}),
    ...(keepDriver ? keptDriverConf : {}),
  };
  for (const [key, value] of Object.entries(config.conf)) conf[key] = String(value);
  return {
    submit: config.submit ?? env.DATAOPS_SPARK_SUBMIT ?? 'spark-submit',
    master: config.master,
    jars: config.jars ?? (env.DATAOPS_JDBC_JARS ?? '').split(',').filter((jar) => jar.length > 0),
    conf,
    python: env.PYSPARK_PYTHON,
    jobsDir,
    prebuiltJobsZip: env.DATAOPS_JOBS_ZIP,
    keepDriver,
  };
}
