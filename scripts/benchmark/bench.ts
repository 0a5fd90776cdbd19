// scripts/bench: what the source can deliver against what DataOps takes, on the same generated
// data, in one run. Absolute wall times (medians of --repeat runs, process start-up included) and
// ratios against the baseline measured in the same run. Writes docs/BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { adminConnection, createTestDatabase, pgPassword, pgPort, repoRoot, tempDir, writeTestConfig } from '../../test/support/stack';
import { samplePipelineYaml } from '../../test/support/sample-pipeline';

interface Options {
  scale: number;
  repeat: number;
  out: string;
}

interface Figure {
  what: string;
  seconds: number[];
  /** the figures this one is compared with (their labels) */
  baselines: string[];
}

const PIPELINE = 'bench';
const ENGINES = ['arrow', 'spark', 'sqoop'] as const;

function parseOptions(argv: string[]): Options {
  const options: Options = { scale: 1, repeat: 3, out: join(repoRoot, 'docs', 'BENCHMARKS.md') };
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value] = [argv[index], argv[index + 1]];
    if (flag === '--scale') options.scale = Number(value);
    else if (flag === '--repeat') options.repeat = Number(value);
    else if (flag === '--out') options.out = value;
    else throw new Error(`unknown option ${flag}; use --scale N, --repeat N, --out FILE`);
  }
  if (!(options.scale > 0) || !(options.repeat >= 1)) throw new Error('--scale must be > 0 and --repeat >= 1');
  return options;
}

/** Runs a command to the end; its output is thrown away unless it fails. */
function execute(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${errors}`))));
  });
}

async function timed(work: () => Promise<void>): Promise<number> {
  const began = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - began) / 1e9;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

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

function dataops(config: string, ...args: string[]): Promise<void> {
  return execute(process.execPath, [join(repoRoot, 'bin', 'dataops'), ...args, '-c', config, '--json']);
}

function machine(): string {
  const memory = `${Math.round(totalmem() / 2 ** 30)} GiB`;
  return `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), ${memory}, load average ${loadavg()[0].toFixed(1)} at the start`;
}

function report(options: Options, rows: number, tables: number, figures: Figure[], started: Date, when: string): string {
  const byName = new Map(figures.map((figure) => [figure.what, figure]));
  const lines = figures.map((figure) => {
    const ratios = figure.baselines.map((label) => `${(median(figure.seconds) / median(byName.get(label)!.seconds)).toFixed(2)}× ${label}`);
    const ratio = ratios.length > 0 ? ratios.join('; ') : '—';
    const spread = `${Math.min(...figure.seconds).toFixed(2)}–${Math.max(...figure.seconds).toFixed(2)}`;
    return `| ${figure.what} | ${median(figure.seconds).toFixed(2)} | ${spread} | ${ratio} |`;
  });
  return [
    '# Benchmarks',
    '',
    `<!-- written by scripts/bench; do not edit by hand -->`,
    '',
    `Measured ${when} by \`scripts/bench --scale ${options.scale} --repeat ${options.repeat}\` (${((Date.now() - started.getTime()) / 60000).toFixed(1)} minutes) on ${machine()}.`,
    `The sample retail database at scale ${options.scale}: ${tables} tables, ${rows.toLocaleString('en-US')} rows, in MariaDB on the same machine.`,
    'Wall times in seconds of whole processes (start-up included); the median of the repeats, then the lowest and highest.',
    'Every DataOps figure is `dataops run` in one process (no Kafka); `--full-refresh` reads every table in full.',
    '',
    '| what | median s | range s | ratio |',
    '|---|---|---|---|',
    ...lines,
    '',
    'Not measured yet (issue 11): a naive Spark JDBC import, `psql \\copy` against the export,',
    'the run through the services (trigger to `run.finished`), the Kafka hand-off latency, peak memory.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = new Date();
  const database = await createTestDatabase('dataops_test_bench');
  const bi = await createTestDatabase('dataops_test_benchbi');
  const root = tempDir('dataops-bench');
  try {
    console.log(`bench: loading the sample at scale ${options.scale} into ${database.name}`);
    await execute('python3', [join(repoRoot, 'scripts/sample/retail_data.py'), 'load', '--scale', String(options.scale), '--database', database.name]);
    const { tables, rows } = await sourceTables(database.name);
    cpSync(join(repoRoot, 'examples/retail/models'), join(root, 'models'), { recursive: true });
    const configs = Object.fromEntries(
      ENGINES.map((engine) => {
        const yaml = samplePipelineYaml(root, PIPELINE, { overlap: 'skip' }).replace('source:\n', `source:\n  engine: ${engine}\n`);
        const folder = join(root, engine);
        mkdirSync(folder, { recursive: true });
        return [engine, writeTestConfig({ root: folder, sourceDatabase: database.name, biMysqlDatabase: bi.name, pipeline: PIPELINE, pipelineYaml: yaml })];
      }),
    ) as Record<(typeof ENGINES)[number], string>;

    const figures: Figure[] = [];
    /** `prepare` runs before each repeat, outside the figure (e.g. changing the source) */
    const measure = async (what: string, work: () => Promise<void>, baselines: string[] = [], prepare?: () => Promise<void>) => {
      const figure: Figure = { what, seconds: [], baselines };
      for (let index = 0; index < options.repeat; index += 1) {
        await prepare?.();
        figure.seconds.push(await timed(work));
      }
      console.log(`bench: ${what}: median ${median(figure.seconds).toFixed(2)} s (${figure.seconds.map((s) => s.toFixed(2)).join(', ')})`);
      figures.push(figure);
    };
    const limit = 'the source limit';
    const full = (engine: string) => `ingest, ${engine} engine, every table in full`;
    const tiny = (engine: string) => `ingest, ${engine} engine, one 12-row table (fixed overhead)`;
    await measure(limit, () => mariadbQuick(database.name, tables));
    // spark first: the arrow and sqoop (real Sqoop 1.4.7, docs/sqoop.md) figures are compared with it
    for (const engine of ['spark', 'arrow', 'sqoop'] as const) {
      await measure(full(engine), () => dataops(configs[engine], 'run', PIPELINE, '--stages', 'ingest', '--full-refresh'), engine === 'spark' ? [limit] : [limit, full('spark')]);
    }
    for (const engine of ['spark', 'arrow', 'sqoop'] as const) {
      await measure(tiny(engine), () => dataops(configs[engine], 'run', PIPELINE, '--stages', 'ingest', '--tables', 'regions', '--full-refresh'), engine === 'spark' ? [] : [tiny('spark')]);
    }
    let seed = 1;
    await measure(
      'ingest, arrow engine, incremental after ~1% of rows changed',
      () => dataops(configs.arrow, 'run', PIPELINE, '--stages', 'ingest'),
      [limit],
      () => execute('python3', [join(repoRoot, 'scripts/sample/retail_data.py'), 'mutate', '--seed', String(seed++), '--database', database.name]),
    );
    await measure('the whole pipeline (ingest arrow, transform and export on Spark)', () => dataops(configs.arrow, 'run', PIPELINE, '--full-refresh'), [limit]);
    writeFileSync(options.out, report(options, rows, tables.length, figures, started, started.toISOString().slice(0, 16).replace('T', ' ') + ' UTC'));
    console.log(readFileSync(options.out, 'utf8'));
  } finally {
    await database.drop();
    await bi.drop();
    const pg = new Client({ host: '127.0.0.1', port: pgPort, database: 'bi', user: 'dataops', password: pgPassword() });
    await pg.connect().then(() => pg.query(`DROP TABLE IF EXISTS public.${PIPELINE}_daily, public.${PIPELINE}_facts`)).catch(() => undefined);
    await pg.end().catch(() => undefined);
  }
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
