import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { RunSummary } from '@dataops/contracts';
import { lakeStoreFor, type WebHdfsLakeStore } from '@dataops/lake';
import { copyHdfsOutputs } from '../support/hdfs-outputs';
import { differences, snapshotOutputs, type OutputLocations, type Outputs } from '../support/outputs';
import { sampleOutputLocations, samplePipelineYaml } from '../support/sample-pipeline';
import { ServiceProcesses } from '../support/services';
import { createTestDatabase, dataopsHome, pgPassword, pgPort, repoRoot, secrets, stackEnv, tempDir, writeTestConfig } from '../support/stack';

/**
 * The sample pipeline on the scale-out engines of `scripts/stack up --with-hdfs --with-spark-cluster
 * --with-kafka-cluster`: lake and warehouse on HDFS (the services through WebHDFS, Spark over
 * hdfs://), every job on the Spark standalone cluster (executors in the workers, the job package and
 * JDBC jars shipped to them), events over the three KRaft brokers (topics created by DataOps with
 * replication 3 and min.insync.replicas 2). Its outputs (lake, warehouse, PostgreSQL, MariaDB, SFTP:
 * row counts and checksums) must equal a single-machine run's of the same source; then a second run
 * loses one broker and one Spark worker while its Spark job runs, and must still end with the same
 * outputs. The four services run on their own ports, away from the shared single-machine stack's.
 */
jest.setTimeout(2_700_000);
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const id = randomBytes(3).toString('hex');
const local = { pipeline: `so_local_${id}`, root: tempDir('dataops-scaleout-local') };
const cluster = { pipeline: `so_cluster_${id}`, root: tempDir('dataops-scaleout-cluster') };
const env = { ...stackEnv(), ...process.env } as Record<string, string>;
const HOW = 'run `npm run test:scaleout` (it starts them), or `scripts/stack up --with-hdfs --with-spark-cluster --with-kafka-cluster`';
const token = () => readFileSync(join(secrets, 'api-token'), 'utf8').trim();
const pidOf = (name: string) => Number(readFileSync(join(dataopsHome, 'run', `${name}.pid`), 'utf8').split('\n')[0].trim());

/** Output names carry the pipeline's name (BI tables): compare them without it. */
const normalized = (outputs: Outputs, pipeline: string): Outputs => Object.fromEntries(Object.entries(outputs).map(([name, figure]) => [name.replaceAll(pipeline, '<pipeline>'), figure]));

async function snapshot(locations: OutputLocations): Promise<Outputs> {
  const pg = new Client({ host: '127.0.0.1', port: pgPort, database: 'bi', user: 'dataops', password: pgPassword() });
  await pg.connect();
  try {
    return await snapshotOutputs(locations, pg);
  } finally {
    await pg.end();
  }
}

/** The cluster configuration: the same pipeline, with only storage, spark and kafka changed. */
function clusterConfig(file: string, hdfsBase: string): void {
  const config = parseYaml(readFileSync(file, 'utf8'));
  config.storage = { lake: `${hdfsBase}/lake`, warehouse: `${hdfsBase}/warehouse`, webhdfs: env.DATAOPS_WEBHDFS };
  config.spark = {
    master: env.SPARK_CLUSTER_MASTER,
    conf: {
      'spark.driver.memory': '1g',
      'spark.sql.shuffle.partitions': 4,
      // client mode: the executors connect back to the driver inside the stage service
      'spark.driver.host': '127.0.0.1',
      'spark.executor.memory': '768m',
      'spark.cores.max': 2,
      'spark.hadoop.dfs.replication': 2,
    },
  };
  config.kafka = { brokers: env.KAFKA_CLUSTER_BROKERS.split(','), topics: { partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 } };
  writeFileSync(file, stringifyYaml(config));
}

describe('the sample pipeline on HDFS, a Spark standalone cluster and three Kafka brokers', () => {
  let services: ServiceProcesses;
  let store: WebHdfsLakeStore;
  let hdfsBase: string;
  let singleMachine: Outputs;
  const drops: (() => Promise<void>)[] = [];
  const timings: Record<string, number> = {};

  const api = async <T>(path: string, init?: RequestInit): Promise<T> => (await fetch(`${services.url('scheduler')}${path}`, init)).json() as Promise<T>;
  const trigger = async () =>
    (
      await api<{ runId: string }>(`/pipelines/${cluster.pipeline}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token()}` },
        body: JSON.stringify({ fullRefresh: true }),
      })
    ).runId;
  const details = async (runId: string) => {
    const response = await fetch(`${services.url('scheduler')}/runs/${runId}`).catch(() => undefined);
    return response?.ok ? ((await response.json()) as { run: RunSummary; attempts: { stage: string; workStatus: string | null; owner: string | null }[] }) : undefined;
  };
  const finished = async (runId: string, seconds = 1500) => {
    for (let i = 0; i < seconds; i += 1) {
      const found = await details(runId);
      if (found && ['succeeded', 'failed', 'cancelled', 'skipped'].includes(found.run.status)) return found.run;
      await sleep(1000);
    }
    throw new Error(`run ${runId} did not end within ${seconds} s; service logs in ${cluster.root}`);
  };
  const clusterOutputs = async (label: string) => {
    const copy = tempDir(`dataops-scaleout-${label}`);
    const locations = { ...sampleOutputLocations(cluster.root, cluster.pipeline, clusterBi), lake: join(copy, 'lake'), warehouse: join(copy, 'warehouse') };
    await copyHdfsOutputs(store, { lake: `${hdfsBase}/lake`, warehouse: `${hdfsBase}/warehouse` }, { lake: locations.lake, warehouse: locations.warehouse }, locations.models);
    return normalized(await snapshot(locations), cluster.pipeline);
  };
  let clusterBi = '';

  beforeAll(async () => {
    for (const name of ['DATAOPS_WEBHDFS', 'DATAOPS_HDFS_URI', 'SPARK_CLUSTER_MASTER', 'KAFKA_CLUSTER_BROKERS']) if (!env[name]) throw new Error(`${name} is not set: ${HOW}`);
    hdfsBase = `${env.DATAOPS_HDFS_URI}/dataops-test/scaleout-${id}`;
    store = lakeStoreFor(hdfsBase, { webhdfs: env.DATAOPS_WEBHDFS }) as WebHdfsLakeStore;
    const source = await createTestDatabase('dataops_test_scaleout');
    const localBi = await createTestDatabase('dataops_test_solocalbi');
    const bi = await createTestDatabase('dataops_test_soclusterbi');
    drops.push(source.drop, localBi.drop, bi.drop);
    clusterBi = bi.name;
    await run('python3', [join(repoRoot, 'scripts/sample/retail_data.py'), 'load', '--scale', process.env.DATAOPS_SCALEOUT_SCALE ?? '0.01', '--database', source.name]);

    // the single-machine run: local lake and warehouse, Spark local, the arrow ingest engine, in one process
    cpSync(join(repoRoot, 'examples/retail/models'), join(local.root, 'models'), { recursive: true });
    const localFile = writeTestConfig({ root: local.root, sourceDatabase: source.name, biMysqlDatabase: localBi.name, pipeline: local.pipeline, pipelineYaml: samplePipelineYaml(local.root, local.pipeline, { overlap: 'queue' }) });
    let began = Date.now();
    const single = await run(process.execPath, [join(repoRoot, 'bin', 'dataops'), 'run', local.pipeline, '--full-refresh', '--json', '-c', localFile], {
      cwd: local.root,
      env: { ...process.env, DATAOPS_JOB_LOG_DIR: join(local.root, 'job-logs') },
      maxBuffer: 64 * 1024 * 1024,
    });
    timings.singleMachineRunSeconds = Math.round((Date.now() - began) / 1000);
    // --json prints progress lines, then the summary (the command exits 1 unless the run succeeded)
    const summaryLine = single.stdout.trim().split('\n').at(-1)!;
    expect((JSON.parse(summaryLine) as RunSummary).status).toBe('succeeded');
    singleMachine = normalized(await snapshot(sampleOutputLocations(local.root, local.pipeline, localBi.name)), local.pipeline);

    // the cluster: the same pipeline and source, through the four services
    cpSync(join(repoRoot, 'examples/retail/models'), join(cluster.root, 'models'), { recursive: true });
    const clusterFile = writeTestConfig({ root: cluster.root, sourceDatabase: source.name, biMysqlDatabase: bi.name, pipeline: cluster.pipeline, pipelineYaml: samplePipelineYaml(cluster.root, cluster.pipeline, { overlap: 'queue' }) });
    clusterConfig(clusterFile, hdfsBase);
    // away from the shared stack's services (and from the fault suite's 19000-25000)
    const base = 26_000 + Math.floor(Math.random() * 200) * 20;
    services = new ServiceProcesses(
      { DATAOPS_CONFIG: clusterFile, KAFKA_BROKERS: env.KAFKA_CLUSTER_BROKERS, DATAOPS_GROUP_PREFIX: `scaleout-${id}-`, DATAOPS_SCHEDULER_TICK_MS: '3600000', LOG_LEVEL: 'info' },
      { scheduler: base, ingest: base + 1, transform: base + 2, export: base + 3 },
      cluster.root,
    );
    began = Date.now();
    await services.startAll();
    timings.servicesReadySeconds = Math.round((Date.now() - began) / 1000);
  });

  afterAll(async () => {
    await services?.stopAll();
    await store?.remove(hdfsBase).catch(() => undefined);
    for (const drop of drops) await drop().catch(() => undefined);
    writeFileSync(join(cluster.root, 'timings.json'), JSON.stringify(timings, null, 2));
    console.log(`scale-out e2e timings (s): ${JSON.stringify(timings)}; logs in ${cluster.root}`);
  });

  it('runs the sample pipeline to the same outputs as a single-machine run', async () => {
    const began = Date.now();
    const runId = await trigger();
    const summary = await finished(runId);
    timings.clusterRunSeconds = Math.round((Date.now() - began) / 1000);
    expect(summary.status).toBe('succeeded');
    const outputs = await clusterOutputs('clean');
    timings.comparedOutputs = Object.keys(outputs).length;
    console.log(`compared with the single-machine run: ${Object.entries(outputs).map(([name, figure]) => `${name} ${figure.rows}`).join(', ')}`);
    expect(Object.keys(outputs).length).toBeGreaterThan(10);
    expect(differences(singleMachine, outputs)).toEqual([]);
  });

  it('loses one Kafka broker and one Spark worker mid-run and still ends with the same outputs', async () => {
    const began = Date.now();
    const runId = await trigger();
    // mid-run: while the transform job's tasks run on both workers (its application has been up
    // for 20 s: past the JVM start, into the models), after ingest has committed over the brokers
    const ui = env.SPARK_CLUSTER_UI ?? 'http://127.0.0.1:8090';
    for (let i = 0; ; i += 1) {
      const master = (await (await fetch(`${ui}/json/`)).json()) as { activeapps: { name: string }[] };
      if (master.activeapps.some((app) => app.name === `dataops-transform-${runId}`)) break;
      if (i > 900) throw new Error(`no transform application of run ${runId} on the cluster after 900 s`);
      await sleep(1000);
    }
    await sleep(20_000);
    process.kill(pidOf('kafka-cluster-2'), 'SIGKILL');
    process.kill(pidOf('spark-worker-1'), 'SIGKILL');
    timings.killedAfterSeconds = Math.round((Date.now() - began) / 1000);
    const summary = await finished(runId);
    timings.faultRunSeconds = Math.round((Date.now() - began) / 1000);
    expect(summary.status).toBe('succeeded');
    expect(differences(singleMachine, await clusterOutputs('faults'))).toEqual([]);
    // back to three brokers and two workers for whoever runs next
    await run(join(repoRoot, 'scripts', 'stack'), ['up', '--with-hdfs', '--with-spark-cluster', '--with-kafka-cluster'], { maxBuffer: 8 * 1024 * 1024 });
  });
});
