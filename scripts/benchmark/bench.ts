// scripts/bench: what the source can deliver against what DataOps takes, on the same generated
// data, in one run. Absolute wall times (medians of --repeat runs, process start-up included) and
// ratios against the baselines measured in the same run. Writes docs/BENCHMARKS.md at the end
// (and, after every phase, the figures so far to .dataops/bench-partial.md, marked incomplete).
//
//   --scale N        the sample's scale (default 1)
//   --repeat N       repeats of each timed figure (default 3)
//   --scaling LIST   the scales of the scaling figure (default: scale, 2×scale, 4×scale; `none` skips it)
//   --quick          CI's smoke run: a tiny scale, one repeat, no Spark, Sqoop or scaling, written to
//                    .dataops/bench-smoke.md; checks that every remaining part works, judges no time
//   --out FILE       where to write the report
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { adminConnection, createTestDatabase, dataopsHome, pgPassword, pgPort, repoRoot, secrets, tempDir, writeTestConfig } from '../../test/support/stack';
import type { RunSummary } from '@dataops/contracts';
import { samplePipelineYaml } from '../../test/support/sample-pipeline';
import { dataops, dataopsJson, execute, ingestProfile, median, secondsBetween, sourceCpuSeconds, stageSeconds, timed, type IngestProfile } from './measure';
import { PsqlCopy } from './postgres-copy';
import { report, type Figure, type Results, type StageTimes } from './report';
import { ServicesBench } from './services-run';
import { measureStreaming } from './streaming';

interface Options {
  scale: number;
  repeat: number;
  scaling: number[];
  quick: boolean;
  out: string;
}

const PIPELINE = 'bench';
const TINY_PIPELINE = 'bench_tiny';
const ENGINES = ['arrow', 'spark', 'sqoop'] as const;
/** how ratios name each figure */
const SHORT: Record<string, string> = {
  limit: 'the source limit',
  cli: "the command's start-up",
  naive: 'the naive Spark import',
  'spark-startup': "Spark's start-up",
  'full-spark': 'the spark engine in full',
  'full-arrow': 'the arrow engine in full',
  'full-sqoop': 'the sqoop engine in full',
  'tiny-spark': 'the spark engine on one 12-row table',
  'tiny-arrow': 'the arrow engine on one 12-row table',
  'tiny-sqoop': 'the sqoop engine on one 12-row table',
  incremental: 'the incremental ingest',
  pipeline: 'the whole pipeline in one process',
  copy: '`psql \\copy`',
  export: "DataOps' export",
  'export-spark': "DataOps' export on the spark engine",
};
/**
 * The hand-offs the latency figure takes at least. Issue 11 asks for 50, but the p99 of 50 is their
 * maximum: one slow hand-off decides it. Of 200 it is the second slowest in a hundred.
 */
const MIN_HAND_OFFS = 200;

function parseOptions(argv: string[]): Options {
  const options: Options = { scale: 1, repeat: 3, scaling: [], quick: false, out: join(repoRoot, 'docs', 'BENCHMARKS.md') };
  let scaling: string | undefined;
  let out: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const [flag, value] = [argv[index], argv[index + 1]];
    if (flag === '--quick') {
      options.quick = true;
      continue;
    }
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--scale') options.scale = Number(value);
    else if (flag === '--repeat') options.repeat = Number(value);
    else if (flag === '--scaling') scaling = value;
    else if (flag === '--out') out = value;
    else throw new Error(`unknown option ${flag}; use --scale N, --repeat N, --scaling LIST|none, --quick, --out FILE`);
    index += 1;
  }
  if (options.quick) {
    if (!argv.includes('--scale')) options.scale = 0.005;
    if (!argv.includes('--repeat')) options.repeat = 1;
    scaling ??= 'none';
  }
  options.out = out ?? (options.quick ? join(dataopsHome, 'bench-smoke.md') : options.out);
  options.scaling = scaling === 'none' ? [] : scaling ? scaling.split(',').map(Number) : [options.scale, options.scale * 2, options.scale * 4];
  if (!(options.scale > 0) || !(options.repeat >= 1) || options.scaling.some((value) => !(value > 0))) throw new Error('--scale and --scaling must be > 0 and --repeat >= 1');
  return options;
}

async function sourceTables(database: string): Promise<{ tables: string[]; rows: number }> {
  const connection = await adminConnection(database);
  try {
    const [listed] = (await connection.query("SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1")) as unknown as [{ name: string }[]];
    let rows = 0;
    for (const { name } of listed) {
      const [[count]] = (await connection.query(`SELECT COUNT(*) AS n FROM \`${name}\``)) as unknown as [{ n: string }[]];
      rows += Number(count.n);
    }
    return { tables: listed.map((table) => table.name), rows };
  } finally {
    await connection.end();
  }
}

/** The source's own limit: every table streamed by the mariadb client at once, to /dev/null. */
function mariadbQuick(database: string, tables: string[]): Promise<void> {
  const socket = process.env.DATAOPS_MYSQL_SOCKET!;
  return Promise.all(tables.map((table) => execute('mariadb', ['--no-defaults', `--socket=${socket}`, '-uroot', '--quick', '-N', '-B', database, '-e', `SELECT * FROM \`${table}\``]))).then(() => undefined);
}

function loadSample(scale: number, database: string): Promise<unknown> {
  return execute('python3', [join(repoRoot, 'scripts/sample/retail_data.py'), 'load', '--scale', String(scale), '--database', database]);
}

/** The source user's login, from the stack's options file (what the DataOps configuration points at). */
function sourceLogin(): { user: string; password: string } {
  const lines = readFileSync(join(secrets, 'source-mysql.options'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  return { user: lines[lines.indexOf('--username') + 1], password: lines[lines.indexOf('--password') + 1] };
}

function sparkSubmit(script: string, args: string[]): Promise<unknown> {
  const jars = process.env.DATAOPS_JDBC_JARS ?? '';
  return execute(process.env.DATAOPS_SPARK_SUBMIT ?? 'spark-submit', [
    '--master', 'local[2]',
    '--conf', 'spark.driver.memory=1g',
    '--conf', 'spark.ui.showConsoleProgress=false',
    ...(jars ? ['--jars', jars] : []),
    join(repoRoot, 'scripts', 'benchmark', script),
    ...args,
  ]);
}

/** Rows in the Parquet files of a folder of table folders (pyarrow, outside any figure). */
async function parquetRows(folder: string): Promise<Record<string, number>> {
  const script = 'import json, sys, pyarrow.dataset as ds, os\nroot = sys.argv[1]\nprint(json.dumps({t: ds.dataset(os.path.join(root, t), format="parquet").count_rows() for t in sorted(os.listdir(root))}))';
  const { stdout } = await execute(join(dataopsHome, 'venv', 'bin', 'python'), ['-c', script, folder]);
  return JSON.parse(stdout) as Record<string, number>;
}

async function tableRows(database: string): Promise<Record<string, number>> {
  const connection = await adminConnection(database);
  try {
    const [rows] = (await connection.query(
      "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
    )) as unknown as [{ name: string }[]];
    const counts: Record<string, number> = {};
    for (const { name } of rows) {
      const [[count]] = (await connection.query(`SELECT COUNT(*) AS n FROM \`${name}\``)) as unknown as [{ n: string }[]];
      counts[name] = Number(count.n);
    }
    return counts;
  } finally {
    await connection.end();
  }
}

const schedule = (overlap = 'skip') => `schedule:\n  cron: "0 3 * * *"\n  timezone: UTC\n  overlap: ${overlap}\n  catchup: skip\n`;

/** The tables of the sample read incrementally besides orders and order_items (examples/retail's overrides). */
const INCREMENTAL_OVERRIDES = `    customers: { mode: lastmodified, checkColumn: updated_at, mergeKey: [customer_id], lookback: 10m }
    payments: { mode: append, checkColumn: payment_id }
`;

/** The tiny pipeline of the services run: one 12-row table, one model, one PostgreSQL target. */
function tinyPipelineYaml(root: string): string {
  const models = join(root, 'tiny-models');
  mkdirSync(models, { recursive: true });
  writeFileSync(join(models, 'tiny_regions.sql'), 'SELECT region_id, name, country_code, manager FROM regions\n');
  return `  ${TINY_PIPELINE}:
    schedule: { cron: "0 3 * * *", timezone: UTC, overlap: skip, catchup: skip }
    source:
      connection: src
      name: ${TINY_PIPELINE}
      tables: { include: [regions] }
    transform:
      models: ${models}
    export:
      - { type: jdbc, connection: bi_pg, model: tiny_regions, table: public.${TINY_PIPELINE}_regions, mode: replace }
`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  const results: Results = {
    argv,
    scale: options.scale,
    repeat: options.repeat,
    quick: options.quick,
    started: new Date(),
    loadAverage: loadavg()[0],
    rows: 0,
    tables: 0,
    figures: [],
    breakdowns: [],
    ingestProfiles: [],
    handOffs: [],
    scaling: [],
    notMeasured: [],
  };
  // while the run goes, the figures so far go to a side file; --out is written only by a run that completes
  const partial = join(dataopsHome, 'bench-partial.md');
  const write = (stoppedAfter?: string) => writeFileSync(stoppedAfter ? partial : options.out, report({ ...results, stoppedAfter }));
  const database = await createTestDatabase('dataops_test_bench');
  const bi = await createTestDatabase('dataops_test_benchbi');
  const root = tempDir('dataops-bench');
  const copy = new PsqlCopy(root);
  const dropLater: { drop: () => Promise<void> }[] = [];
  try {
    console.log(`bench: loading the sample at scale ${options.scale} into ${database.name}`);
    const loaded = await timed(() => loadSample(options.scale, database.name));
    const { tables, rows } = await sourceTables(database.name);
    Object.assign(results, { rows, tables: tables.length });
    cpSync(join(repoRoot, 'examples/retail/models'), join(root, 'models'), { recursive: true });
    const configFor = (name: string, yaml: string, extra = '', sourceDatabase = database.name) => {
      const folder = join(root, name);
      mkdirSync(folder, { recursive: true });
      const file = writeTestConfig({ root: folder, sourceDatabase, biMysqlDatabase: bi.name, pipeline: PIPELINE, pipelineYaml: yaml });
      if (extra) writeFileSync(file, readFileSync(file, 'utf8') + extra);
      return file;
    };
    const sample = samplePipelineYaml(root, PIPELINE, { overlap: 'skip', schedulesYaml: schedule() });
    const engineYaml = (engine: string) => sample.replace('source:\n', `source:\n  engine: ${engine}\n`);
    const configs = Object.fromEntries(ENGINES.map((engine) => [engine, configFor(engine, engineYaml(engine))])) as Record<(typeof ENGINES)[number], string>;

    /** `prepare` runs before each repeat, outside the figure (e.g. changing the source) */
    const measure = async (key: string, what: string, work: () => Promise<unknown>, baselines: string[] = [], prepare?: () => Promise<unknown>) => {
      const figure: Figure = { key, what, short: SHORT[key] ?? key, seconds: [], baselines };
      results.figures.push(figure);
      for (let index = 0; index < options.repeat; index += 1) {
        await prepare?.();
        const cpuBefore = sourceCpuSeconds();
        figure.seconds.push((await timed(work)).seconds);
        const cpuAfter = sourceCpuSeconds();
        if (cpuBefore !== undefined && cpuAfter !== undefined) (figure.sourceCpu ??= []).push(cpuAfter - cpuBefore);
      }
      console.log(`bench: ${what}: median ${median(figure.seconds).toFixed(2)} s (${figure.seconds.map((value) => value.toFixed(2)).join(', ')})`);
      write(what);
      return figure;
    };
    /** A run whose summary gives its stage times: measured as a figure and as a breakdown. */
    const measureRun = async (key: string, what: string, work: () => Promise<{ seconds: number; summary?: RunSummary }>, baselines: string[] = [], prepare?: () => Promise<unknown>) => {
      const runs: StageTimes[] = [];
      results.breakdowns.push({ key, what, runs });
      const figure: Figure = { key, what, short: SHORT[key] ?? key, seconds: [], baselines };
      results.figures.push(figure);
      for (let index = 0; index < options.repeat; index += 1) {
        await prepare?.();
        const { seconds, summary } = await work();
        figure.seconds.push(seconds);
        runs.push({ wall: seconds, run: secondsBetween(summary?.startedAt, summary?.finishedAt), ...stageSeconds(summary) });
      }
      console.log(`bench: ${what}: median ${median(figure.seconds).toFixed(2)} s (${figure.seconds.map((value) => value.toFixed(2)).join(', ')})`);
      write(what);
      return figure;
    };
    const inProcess = (config: string, ...args: string[]) => async () => {
      const { seconds, value } = await timed(() => dataops(config, ['run', ...args, '--json']));
      return { seconds, summary: value };
    };
    const run = (config: string, ...args: string[]) => () => dataops(config, ['run', ...args, '--json']);

    const full = (engine: string) => `full-${engine}`;
    const tiny = (engine: string) => `tiny-${engine}`;
    const skip = (what: string) => results.notMeasured.push(what);

    // --- the baselines -----------------------------------------------------------------------
    await measure('limit', 'the source limit: every table by `mariadb --quick` at once, to /dev/null', () => mariadbQuick(database.name, tables));
    await measure('cli', '`dataops validate` (the command\'s own start-up: Node, configuration, credentials)', () => dataops(configs.arrow, ['validate']));
    const naiveOut = join(root, 'naive');
    if (!options.quick) {
      const login = sourceLogin();
      const secretsFile = join(root, 'naive-secrets.json');
      await measure(
        'naive',
        'naive Spark JDBC import: spark-submit, `spark.read.jdbc` per table (one partition, default fetch size), Parquet',
        () => sparkSubmit('naive_spark_import.py', ['--url', `jdbc:mysql://127.0.0.1:${process.env.DATAOPS_MYSQL_PORT ?? 3306}/${database.name}`, '--tables', tables.join(','), '--out', naiveOut, '--secrets', secretsFile]),
        ['limit'],
        async () => writeFileSync(secretsFile, JSON.stringify(login), { mode: 0o600 }),
      );
      const written = await parquetRows(naiveOut);
      const expected = await tableRows(database.name);
      if (JSON.stringify(written) !== JSON.stringify(Object.fromEntries(Object.entries(expected).sort()))) throw new Error(`the naive import wrote ${JSON.stringify(written)}, the source has ${JSON.stringify(expected)}`);
      await measure('spark-startup', "Spark's start-up: spark-submit of an empty PySpark job (SparkSession, one trivial action, stop)", () => sparkSubmit('spark_startup.py', []));
    } else skip('`--quick`: the naive Spark import, Spark\'s start-up, the Spark and Sqoop engines, the whole pipeline, the export against `psql \\copy`, full and tiny runs through the services, scaling.');

    // --- DataOps' ingest on each engine ---------------------------------------------------------
    const engines = options.quick ? (['arrow'] as const) : (['spark', 'arrow', 'sqoop'] as const);
    // spark first: the arrow and sqoop (real Sqoop 1.4.7, docs/sqoop.md) figures are compared with it
    /** an ingest whose progress lines give its profile */
    const profiled = (key: string, what: string, config: string, ...args: string[]) => {
      const profiles: IngestProfile[] = [];
      results.ingestProfiles.push({ key, what, profiles });
      return async () => {
        const { summary, progress } = await dataopsJson(config, ['run', ...args, '--json']);
        const profile = ingestProfile(summary, progress);
        if (profile) profiles.push(profile);
      };
    };
    for (const engine of engines) {
      await measure(
        full(engine),
        `ingest, ${engine} engine, every table in full`,
        profiled(full(engine), `${engine} engine, every table in full`, configs[engine], PIPELINE, '--stages', 'ingest', '--full-refresh'),
        engine === 'spark' ? ['limit', 'naive'] : ['limit', 'naive', full('spark')],
      );
    }
    for (const engine of engines) {
      await measure(tiny(engine), `ingest, ${engine} engine, one 12-row table (fixed overhead)`, run(configs[engine], PIPELINE, '--stages', 'ingest', '--tables', 'regions', '--full-refresh'), engine === 'spark' ? [] : [tiny('spark')]);
    }
    // the incremental run reads incrementally every table that can be (as examples/retail does):
    // the e2e sample reads customers and payments in full every time, which is no incremental run
    const incrementalConfig = configFor('incremental', engineYaml('arrow').replace('  overrides:\n', `  overrides:\n${INCREMENTAL_OVERRIDES}`));
    await run(incrementalConfig, PIPELINE, '--stages', 'ingest', '--full-refresh')();
    let seed = 1;
    const mutate = () => execute('python3', [join(repoRoot, 'scripts/sample/retail_data.py'), 'mutate', '--seed', String(seed++), '--database', database.name]);
    await measure(
      'incremental',
      'ingest, arrow engine, incremental after ~1% of rows changed (every table that has a key or a timestamp read incrementally)',
      profiled('incremental', 'arrow engine, incremental after ~1% of rows changed', incrementalConfig, PIPELINE, '--stages', 'ingest'),
      ['limit', full('arrow')],
      mutate,
    );

    // --- the whole pipeline in one process, and the export against psql \copy ---------------------
    if (!options.quick) {
      await measureRun('pipeline', 'the whole pipeline in one process (`dataops run`: ingest arrow, transform on Spark (a spark-submit), export arrow)', inProcess(configs.arrow, PIPELINE, '--full-refresh'), ['limit']);

      // DataOps' export of order_facts alone (one PostgreSQL target, replace) against psql \copy of its rows
      const exportTable = `public.${PIPELINE}_copy_facts`;
      const exportYaml = sample.replace(/export:\n[\s\S]*$/, `export:\n  - { type: jdbc, connection: bi_pg, model: order_facts, table: ${exportTable}, mode: replace }\n`);
      const exportConfig = configFor('export', exportYaml);
      await run(exportConfig, PIPELINE, '--stages', 'ingest', '--full-refresh')();
      // the same export on the spark engine, for comparison (the engine a cluster uses)
      const sparkExportConfig = configFor('export-spark', `exportEngine: spark\n${exportYaml}`);
      await run(sparkExportConfig, PIPELINE, '--stages', 'ingest', '--full-refresh')();
      const exportFigures: Figure[] = [];
      for (const [key, config, engine] of [['export', exportConfig, 'arrow'], ['export-spark', sparkExportConfig, 'spark']] as const) {
        const exportRuns: StageTimes[] = [];
        results.breakdowns.push({ key, what: `\`dataops run --stages transform,export\` (order_facts → PostgreSQL only, export engine ${engine})`, runs: exportRuns });
        const figure: Figure = { key, short: SHORT[key], what: `DataOps export of order_facts to PostgreSQL, ${engine} engine (the export stage of \`dataops run --stages transform,export\`, replace)`, seconds: [], baselines: key === 'export' ? ['copy'] : ['copy', 'export'] };
        exportFigures.push(figure);
        for (let index = 0; index < options.repeat; index += 1) {
          const { seconds, summary } = await inProcess(config, PIPELINE, '--stages', 'transform,export')();
          const stages = stageSeconds(summary);
          exportRuns.push({ wall: seconds, run: secondsBetween(summary?.startedAt, summary?.finishedAt), ...stages });
          figure.seconds.push(stages.export);
          results.exportRows = summary?.stages.export?.targets[0]?.rows;
        }
      }
      const csv = join(root, 'order_facts.csv');
      await copy.dump(exportTable, csv);
      const copyTable = `public.${PIPELINE}_psql_copy`;
      await measure('copy', `\`psql \\copy\` of the same order_facts rows (${results.exportRows?.toLocaleString('en-US')}) from CSV into a new table`, () => copy.load(copyTable, exportTable, csv), [], () => copy.drop(copyTable));
      for (const figure of exportFigures) {
        results.figures.push(figure);
        console.log(`bench: ${figure.what}: median ${median(figure.seconds).toFixed(2)} s (${figure.seconds.map((value) => value.toFixed(2)).join(', ')})`);
      }
      await copy.drop(copyTable, exportTable);
      write('export');
    }

    // --- through the services: trigger to run.finished, hand-offs, memory ----------------------------
    // the incremental ingest's tables read incrementally here too (a --full-refresh run reads them all alike)
    const servicesConfig = configFor('services', engineYaml('arrow').replace('  overrides:\n', `  overrides:\n${INCREMENTAL_OVERRIDES}`), tinyPipelineYaml(root));
    const services = new ServicesBench(servicesConfig, join(root, 'services'));
    try {
      results.servicesReadySeconds = await services.start();
      console.log(`bench: the four services ready in ${results.servicesReadySeconds.toFixed(1)} s`);
      if (!options.quick) {
        // runs are measured as a service that has been up a while runs them: after transform's driver started
        results.sparkDriverWarmSeconds = await services.sparkDriverWarm();
        if (results.sparkDriverWarmSeconds !== undefined) console.log(`bench: transform's kept Spark driver up ${results.sparkDriverWarmSeconds.toFixed(1)} s after that`);
        const trigger = (pipeline: string, ...args: string[]) => () => services.trigger(pipeline, args);
        await measureRun('services-full', 'through the services: the whole pipeline, `dataops trigger --wait --full-refresh` to `run.finished`', trigger(PIPELINE, '--full-refresh'), ['pipeline']);
        await measureRun('services-tiny', `through the services: a tiny run (one 12-row table, one model, one PostgreSQL target), trigger to \`run.finished\``, trigger(TINY_PIPELINE), ['tiny-arrow']);
        // the nightly run's path: an ingest run of the scheduler, in full and after ~1% changed (the run's own span: --wait polls once a second)
        await measureRun('services-ingest', 'through the services: an ingest run in full, `dataops trigger --wait --stages ingest --full-refresh`', trigger(PIPELINE, '--stages', 'ingest', '--full-refresh'));
        await measureRun('services-incremental', 'through the services: an ingest run after ~1% of rows changed, `dataops trigger --wait --stages ingest`', trigger(PIPELINE, '--stages', 'ingest'), [], mutate);
      }
      // more hand-offs, cheaply: runs of the tiny pipeline's ingest alone (scheduler → ingest → scheduler)
      const wanted = options.quick ? 4 : MIN_HAND_OFFS;
      let handOffs = await services.handOffs();
      for (let extra = 0; handOffs.length < wanted && extra < 150; extra += 1) {
        await services.trigger(TINY_PIPELINE, ['--stages', 'ingest']);
        handOffs = await services.handOffs();
      }
      results.handOffs = handOffs;
      console.log(`bench: ${handOffs.length} hand-offs over Kafka`);
    } finally {
      results.memory = await services.stop();
    }
    write('services');

    // --- scaling ---------------------------------------------------------------------------------
    for (const scale of options.scaling) {
      const reuse = scale === options.scale;
      const scaled = reuse ? database : await createTestDatabase('dataops_test_benchscale');
      if (!reuse) dropLater.push(scaled);
      const loadSeconds = reuse ? loaded.seconds : (await timed(() => loadSample(scale, scaled.name))).seconds;
      const scaledTables = reuse ? tables : (await sourceTables(scaled.name)).tables;
      const scaledRows = reuse ? (await sourceTables(database.name)).rows : (await sourceTables(scaled.name)).rows;
      const config = configFor(`scale-${scale}`, engineYaml('arrow'), '', scaled.name);
      const point = { scale, rows: scaledRows, loadSeconds, limit: [] as number[], ingest: [] as number[] };
      for (let index = 0; index < options.repeat; index += 1) {
        point.limit.push((await timed(() => mariadbQuick(scaled.name, scaledTables))).seconds);
        point.ingest.push((await timed(run(config, PIPELINE, '--stages', 'ingest', '--full-refresh'))).seconds);
      }
      results.scaling.push(point);
      console.log(`bench: scaling, scale ${scale} (${scaledRows} rows): ingest median ${median(point.ingest).toFixed(2)} s, source limit ${median(point.limit).toFixed(2)} s`);
      if (!reuse) {
        await scaled.drop();
        dropLater.pop();
      }
      write(`scaling at scale ${scale}`);
    }

    // --- streaming: one table at least four times the arrow reader's memory limit (streaming.ts) --
    if (options.quick) skip('`--quick`: the streaming figure (one table four times the arrow reader\'s memory limit).');
    else {
      try {
        results.streaming = await measureStreaming(join(root, 'streaming'));
      } catch (error) {
        // e.g. no cgroup v1 memory controller on this machine: a note instead of the figure
        skip(`The streaming figure: ${(error as Error).message}`);
      }
      write('streaming');
    }
    write();
    console.log(readFileSync(options.out, 'utf8'));
  } finally {
    copy.close();
    for (const scaled of dropLater) await scaled.drop().catch(() => undefined);
    await database.drop();
    await bi.drop();
    const pg = new Client({ host: '127.0.0.1', port: pgPort, database: 'bi', user: 'dataops', password: pgPassword() });
    await pg
      .connect()
      .then(() => pg.query(`DROP TABLE IF EXISTS public.${PIPELINE}_daily, public.${PIPELINE}_facts, public.${PIPELINE}_copy_facts, public.${PIPELINE}_psql_copy, public.${TINY_PIPELINE}_regions`))
      .catch(() => undefined);
    await pg.end().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
