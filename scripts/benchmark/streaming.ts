// Issue 11's streaming target: "a table four times larger than the reader's memory still imports".
// One wide table is generated in its own MariaDB database; the arrow ingest engine's reader (the
// Python process `dataops run --stages ingest` starts) is put in a cgroup v1 memory cgroup with a
// hard limit, and imports the table, which is at least four times that limit. The same cgroup and
// limit then kill a reader that loads the table at once (ConnectorX without streaming): the proof
// that the limit bites, so an import that succeeds under it does so by streaming. When the import
// fails under the limit, it runs once more without one, to show how much the reader needed.
//
// Run alone (the stack up, `npm run build` done):
//   npx tsx scripts/benchmark/streaming.ts [--rows N] [--limit-mb M] [--max-connections N]
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '@dataops/contracts';
import { adminConnection, createTestDatabase, dataopsHome, mysqlPort, secrets, tempDir, writeTestConfig } from '../../test/support/stack';
import { dataopsJson, execute, timed } from './measure';
import { peakResidentMb } from './memory';

const PIPELINE = 'stream';
const TABLE = 'wide_rows';
/**
 * 8.2 M rows of ~400 Arrow bytes: ~3.1 GiB in memory, over four times the default limit. The limit
 * is above what the reader needs with its defaults (four slices at once, 32 MiB key ranges and row
 * groups each: a ~560 MiB peak measured without a limit), far below the table.
 */
const DEFAULT_ROWS = 8_200_000;
const DEFAULT_LIMIT_MB = 768;
/** rows per INSERT … SELECT: one statement per chunk keeps each transaction's undo log small */
const INSERT_CHUNK_ROWS = 250_000;
const DEFAULT_MAX_CONNECTIONS = 4;
const MIB = 1024 * 1024;

export interface StreamingOptions {
  rows?: number;
  limitMb?: number;
  /** the pipeline's source.maxConnections (how many slices the reader reads at once) */
  maxConnections?: number;
}

/** What the cgroup saw while one process tree ran in it. */
export interface CgroupUse {
  /** memory.max_usage_in_bytes: the cgroup's peak charge, page cache of the files written included */
  peakBytes: number;
  /** oom_kill in memory.oom_control: processes the OOM killer ended in this cgroup */
  oomKills: number;
  /** the largest VmHWM (own peak resident set) of a process seen in the cgroup, sampled every 250 ms */
  processPeakBytes: number;
  /** whether any process was ever seen in the cgroup (the wrapper joined it) */
  joined: boolean;
}

/** One `dataops run --stages ingest` of the table with its reader in a cgroup. */
export interface ImportRun {
  seconds: number;
  succeeded: boolean;
  rowsImported?: number;
  parquetBytes?: number;
  reconciliation?: string;
  /** the slices the table was read in, at once */
  slices?: number;
  /** the table's folder in the lake */
  lakePath?: string;
  /** why it failed, when it did (the stage's error) */
  error?: string;
  cgroup: CgroupUse;
}

export interface StreamingFigure {
  rows: number;
  columns: string;
  /** the table as the reader holds it: the sum of Arrow record batches' sizes, read back from the lake */
  arrowBytes: number;
  /** information_schema.TABLES.data_length after ANALYZE TABLE (InnoDB's clustered index) */
  dataLength: number;
  limitBytes: number;
  generateSeconds: number;
  maxConnections: number;
  batchRows: number;
  import: ImportRun;
  /** only when the import under the limit failed: the same import without a limit, to show what the reader needed */
  unlimited?: ImportRun;
  /** the same table read at once (no streaming) by a reader in the same cgroup, under the same limit */
  atOnce: { killed: boolean; exit: string; cgroup: CgroupUse };
}

// --- the memory cgroup ---------------------------------------------------------------------------

/** This process's own cgroup v1 memory folder, or undefined without a v1 memory controller. */
export function ownMemoryCgroup(): string | undefined {
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((entry) => entry.split(':')[1]?.split(',').includes('memory'));
  const folder = line ? join('/sys/fs/cgroup/memory', line.split(':')[2]) : undefined;
  return folder && existsSync(join(folder, 'memory.limit_in_bytes')) ? folder : undefined;
}

/**
 * A child of our own memory cgroup with a hard limit (RAM, and RAM + swap when the kernel accounts
 * swap, so the reader cannot escape into swap). A child, not a sibling at the root: the reader
 * stays inside whatever limits already apply to us.
 */
class LimitedCgroup {
  readonly folder: string;
  private timer?: NodeJS.Timeout;
  private processPeakBytes = 0;
  private joined = false;

  /** limitBytes -1: no limit of its own (the cgroup then only watches) */
  constructor(parent: string, name: string, readonly limitBytes: number) {
    this.folder = join(parent, name);
    mkdirSync(this.folder);
    if (limitBytes < 0) return;
    // the RAM limit first: the kernel refuses a RAM + swap limit below the RAM limit
    this.write('memory.limit_in_bytes', limitBytes);
    if (existsSync(join(this.folder, 'memory.memsw.limit_in_bytes'))) this.write('memory.memsw.limit_in_bytes', limitBytes);
  }

  /** A shell script to use as the interpreter: it joins the cgroup, then becomes `python`. */
  wrapper(python: string, file: string): string {
    const script = [
      '#!/bin/sh',
      '# joins the memory cgroup before anything is loaded, so the limit holds from the first byte',
      `echo $$ > '${join(this.folder, 'cgroup.procs')}' || exit 97`,
      `exec '${python}' "$@"`,
      '',
    ].join('\n');
    writeFileSync(file, script);
    chmodSync(file, 0o755);
    return file;
  }

  /** Samples the peak resident set of the processes in the cgroup while `work` runs. */
  async watch<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number; use: CgroupUse }> {
    this.timer = setInterval(() => this.sample(), 250);
    try {
      const { value, seconds } = await timed(work);
      return { value, seconds, use: this.use() };
    } finally {
      clearInterval(this.timer);
    }
  }

  use(): CgroupUse {
    const oomControl = this.read('memory.oom_control');
    return {
      peakBytes: Number(this.read('memory.max_usage_in_bytes')),
      oomKills: Number(/oom_kill (\d+)/.exec(oomControl)?.[1] ?? 0),
      processPeakBytes: this.processPeakBytes,
      joined: this.joined,
    };
  }

  /** Removable once its processes have ended (their page cache moves to the parent); a killed one may take a moment. */
  async remove(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        rmdirSync(this.folder);
        return;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((done) => setTimeout(done, 250));
      }
    }
  }

  private sample(): void {
    for (const pid of this.read('cgroup.procs').split('\n').filter(Boolean).map(Number)) {
      this.joined = true;
      const peak = peakResidentMb(pid);
      if (peak !== undefined) this.processPeakBytes = Math.max(this.processPeakBytes, peak * MIB);
    }
  }

  private read(file: string): string {
    return readFileSync(join(this.folder, file), 'utf8');
  }

  private write(file: string, value: number): void {
    writeFileSync(join(this.folder, file), String(value));
  }
}

/** A fresh cgroup for one piece of work, removed after it (each figure starts from a zero peak). */
async function inCgroup<T>(parent: string, name: string, limitBytes: number, work: (cgroup: LimitedCgroup) => Promise<T>): Promise<T> {
  const cgroup = new LimitedCgroup(parent, `dataops-bench-${name}-${process.pid}`, limitBytes);
  try {
    return await work(cgroup);
  } finally {
    await cgroup.remove();
  }
}

// --- the data --------------------------------------------------------------------------------------

const COLUMNS = 'id BIGINT, customer_id INT, created_at DATETIME, amount DECIMAL(12,2), payload VARCHAR(400) (320 chars), note VARCHAR(100) (40 chars)';

/**
 * Wide rows generated inside MariaDB (its SEQUENCE engine), so generating costs seconds, not a
 * client round trip per row. Several types, so the reader converts as it does for real tables;
 * the text is hex digests: no two rows alike, not trivially compressible.
 */
async function generateWideTable(database: string, rows: number): Promise<void> {
  const connection = await adminConnection(database);
  try {
    await connection.query(`CREATE TABLE ${TABLE} (
      id BIGINT NOT NULL PRIMARY KEY,
      customer_id INT NOT NULL,
      created_at DATETIME NOT NULL,
      amount DECIMAL(12,2) NOT NULL,
      payload VARCHAR(400) NOT NULL,
      note VARCHAR(100) NOT NULL
    ) ENGINE=InnoDB`);
    for (let first = 0; first < rows; first += INSERT_CHUNK_ROWS) {
      const count = Math.min(INSERT_CHUNK_ROWS, rows - first);
      await connection.query(
        `INSERT INTO ${TABLE}
         SELECT seq + ${first}, (seq + ${first}) % 100003, TIMESTAMP'2024-01-01 00:00:00' + INTERVAL ((seq + ${first}) % 31536000) SECOND,
                ((seq + ${first}) % 10000000) / 100, REPEAT(MD5(seq + ${first}), 10), LEFT(SHA1(seq + ${first}), 40)
         FROM seq_1_to_${count}`,
      );
    }
    // data_length is an estimate until the statistics are taken again
    await connection.query(`ANALYZE TABLE ${TABLE}`);
  } finally {
    await connection.end();
  }
}

async function dataLength(database: string): Promise<number> {
  const connection = await adminConnection(database);
  try {
    const [[row]] = (await connection.query('SELECT DATA_LENGTH AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [TABLE])) as unknown as [{ bytes: string }[]];
    return Number(row.bytes);
  } finally {
    await connection.end();
  }
}

const projectPython = () => process.env.PYSPARK_PYTHON ?? join(dataopsHome, 'venv', 'bin', 'python');

/** The table's Arrow size: the lake's files read back batch by batch (outside the cgroup), their sizes summed. */
async function arrowBytes(lakeFolder: string): Promise<number> {
  const script = [
    'import json, sys, pyarrow.dataset as ds',
    'total = 0',
    'for batch in ds.dataset(sys.argv[1], format="parquet", partitioning="hive").to_batches(batch_size=65536):',
    '    total += batch.nbytes',
    'print(json.dumps(total))',
  ].join('\n');
  const { stdout } = await execute(projectPython(), ['-c', script, lakeFolder.replace(/^file:\/\//, '')]);
  return Number(stdout.trim());
}

// --- the two readers ---------------------------------------------------------------------------------

/** `dataops run --stages ingest` with the reader's interpreter replaced by the cgroup wrapper. */
async function runImport(config: string, wrapper: string): Promise<{ summary?: RunSummary; error?: string }> {
  try {
    const { summary } = await dataopsJson(config, ['run', PIPELINE, '--stages', 'ingest', '--full-refresh', '--json'], { ...process.env, PYSPARK_PYTHON: wrapper });
    return { summary };
  } catch (error) {
    return { error: stageError((error as Error).message) };
  }
}

/** The stage's error from a failed command's output (its `"error":"…"`), else the output's last line. */
function stageError(output: string): string {
  const quoted = /"error":("(?:[^"\\]|\\.)*")/.exec(output)?.[1];
  return quoted ? (JSON.parse(quoted) as string) : (output.trim().split('\n').pop() ?? '').slice(0, 300);
}

/** The import with its reader alone in a fresh cgroup limited to `limitBytes` (-1: no limit, only watched). */
async function importInCgroup(parent: string, root: string, config: string, name: string, limitBytes: number): Promise<ImportRun> {
  const watched = await inCgroup(parent, name, limitBytes, (cgroup) => cgroup.watch(() => runImport(config, cgroup.wrapper(projectPython(), join(root, `python-${name}`)))));
  const { summary, error } = watched.value;
  const table = summary?.stages.ingest?.tables.find((entry) => entry.table === TABLE);
  return {
    seconds: watched.seconds,
    succeeded: summary?.status === 'succeeded' && table !== undefined,
    rowsImported: table?.rows,
    parquetBytes: table?.bytes,
    reconciliation: table?.reconciliation?.status,
    slices: table?.slices,
    lakePath: table?.path,
    error: error ?? summary?.error?.message,
    cgroup: watched.use,
  };
}

/** The source login's ConnectorX URL; handed to the child in its environment, never in its arguments. */
function connectorxUrl(database: string): string {
  const lines = readFileSync(join(secrets, 'source-mysql.options'), 'utf8').split('\n').map((line) => line.trim());
  const user = lines[lines.indexOf('--username') + 1];
  const password = lines[lines.indexOf('--password') + 1];
  return `mysql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${mysqlPort}/${database}`;
}

/** ConnectorX's whole-table read (return_type="arrow"): every row in memory before anything is written. */
function readAtOnce(wrapper: string, database: string): Promise<string> {
  const script = `import os, connectorx as cx\ntable = cx.read_sql(os.environ["STREAM_SOURCE_URL"], "SELECT * FROM ${TABLE}", return_type="arrow")\nprint(table.num_rows)`;
  return new Promise((resolve, reject) => {
    const child = spawn(wrapper, ['-c', script], { stdio: 'ignore', env: { ...process.env, STREAM_SOURCE_URL: connectorxUrl(database) } });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`));
  });
}

// --- the figure ------------------------------------------------------------------------------------

function pipelineYaml(maxConnections: number): string {
  return `source:\n  connection: src\n  engine: arrow\n  maxConnections: ${maxConnections}\n  tables: { include: [${TABLE}] }\n`;
}

/**
 * Generates the table, imports it under the limit, reads it at once under the same limit, and
 * drops the database. Throws when this machine has no cgroup v1 memory controller.
 */
export async function measureStreaming(root: string, options: StreamingOptions = {}): Promise<StreamingFigure> {
  const parent = ownMemoryCgroup();
  if (!parent) throw new Error('no cgroup v1 memory controller (/sys/fs/cgroup/memory): the reader\'s memory cannot be limited here');
  const rows = options.rows ?? DEFAULT_ROWS;
  const limitBytes = (options.limitMb ?? DEFAULT_LIMIT_MB) * MIB;
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  mkdirSync(root, { recursive: true });
  const database = await createTestDatabase('dataops_test_benchstream');
  try {
    console.log(`bench: streaming: generating ${rows.toLocaleString('en-US')} wide rows in ${database.name}`);
    const generated = await timed(() => generateWideTable(database.name, rows));
    const config = writeTestConfig({ root, sourceDatabase: database.name, pipeline: PIPELINE, pipelineYaml: pipelineYaml(maxConnections) });

    const imported = await importInCgroup(parent, root, config, 'stream', limitBytes);
    console.log(`bench: streaming: import under ${limitBytes / MIB} MiB: ${imported.succeeded ? 'succeeded' : `failed (${imported.error})`} in ${imported.seconds.toFixed(1)} s`);
    const unlimited = imported.succeeded ? undefined : await importInCgroup(parent, root, config, 'unlimited', -1);
    const atOnce = await inCgroup(parent, 'atonce', limitBytes, (cgroup) => cgroup.watch(() => readAtOnce(cgroup.wrapper(projectPython(), join(root, 'python-at-once')), database.name)));
    const lakePath = imported.lakePath ?? unlimited?.lakePath;
    return {
      rows,
      columns: COLUMNS,
      arrowBytes: lakePath ? await arrowBytes(lakePath) : Number.NaN,
      dataLength: await dataLength(database.name),
      limitBytes,
      generateSeconds: generated.seconds,
      maxConnections,
      batchRows: Number(process.env.DATAOPS_ARROW_BATCH_ROWS ?? 65536),
      import: imported,
      unlimited,
      atOnce: { killed: atOnce.value === 'killed by SIGKILL' && atOnce.use.oomKills > 0, exit: atOnce.value, cgroup: atOnce.use },
    };
  } finally {
    await database.drop();
  }
}

// --- the figure in words (the report's section and its target) -----------------------------------

const mib = (bytes: number) => `${(bytes / MIB).toFixed(0)} MiB`;
const times = (bytes: number, limit: number) => `${(bytes / limit).toFixed(2)}×`;

/** Whether the figure meets the target: imported, counted, reconciled, ≥ 4× the limit, and the limit bites. */
export function streamingMet(figure: StreamingFigure): boolean {
  const { import: run } = figure;
  return run.succeeded && run.rowsImported === figure.rows && run.reconciliation === 'match' && run.cgroup.joined && run.cgroup.oomKills === 0 && figure.arrowBytes >= 4 * figure.limitBytes && figure.atOnce.killed;
}

export function streamingMeasured(figure: StreamingFigure): string {
  const { import: run } = figure;
  const outcome = run.succeeded ? `imported ${run.rowsImported?.toLocaleString('en-US')} rows, reconciliation ${run.reconciliation ?? 'absent'}` : 'the import failed';
  return `${mib(figure.arrowBytes)} Arrow table (${times(figure.arrowBytes, figure.limitBytes)} the limit) under a ${mib(figure.limitBytes)} limit: ${outcome}; the same table read at once: ${figure.atOnce.killed ? 'OOM-killed' : figure.atOnce.exit}`;
}

/** Where the target stands, in numbers only the figure gives (for the targets' "where the time goes"). */
export function streamingWhy(figure: StreamingFigure): string {
  const { import: run, unlimited, atOnce } = figure;
  const control = atOnce.killed
    ? `The same table read at once was killed by the OOM killer under the same limit, so the limit bites.`
    : `The same table read at once was not killed (${atOnce.exit}): the limit does not show that the import streams.`;
  if (!run.succeeded) {
    const needed = unlimited?.succeeded
      ? ` Without a limit the same import succeeded (${importOutcome(figure, unlimited)}) and its reader peaked at ${mib(unlimited.cgroup.processPeakBytes)} resident, ${times(unlimited.cgroup.processPeakBytes, figure.arrowBytes)} the table's Arrow size: more than the whole table, so it does not read within a bounded window of batches.`
      : '';
    return `Under ${mib(figure.limitBytes)} the reader died after ${run.seconds.toFixed(1)} s (${run.error ?? 'no summary'}; OOM kills in its cgroup: ${run.cgroup.oomKills}, its peak resident ${mib(run.cgroup.processPeakBytes)}).${needed} ${control}`;
  }
  const size = figure.arrowBytes >= 4 * figure.limitBytes ? '' : ` The table is only ${times(figure.arrowBytes, figure.limitBytes)} the limit, not 4×.`;
  return `The import under ${mib(figure.limitBytes)} succeeded (${importOutcome(figure, run)}, reader peak ${mib(run.cgroup.processPeakBytes)}).${size} ${control}`;
}

function cgroupRow(what: string, use: CgroupUse, outcome: string, seconds: string): string {
  return `| ${what} | ${outcome} | ${seconds} | ${mib(use.processPeakBytes)} | ${mib(use.peakBytes)} | ${use.oomKills} |`;
}

function importOutcome(figure: StreamingFigure, run: ImportRun): string {
  return run.succeeded ? `${run.rowsImported?.toLocaleString('en-US')} rows of ${figure.rows.toLocaleString('en-US')}, reconciliation ${run.reconciliation ?? 'absent'}` : `failed: ${run.error ?? 'no summary'}`;
}

export function streamingSection(figure: StreamingFigure): string[] {
  const { import: run, unlimited, atOnce } = figure;
  const parquet = run.parquetBytes ?? unlimited?.parquetBytes;
  return [
    "## Streaming: one table larger than the reader's memory",
    '',
    `One table, \`${TABLE}\` (${figure.rows.toLocaleString('en-US')} rows: ${figure.columns}), generated in its own MariaDB database in ${figure.generateSeconds.toFixed(1)} s and dropped afterwards.`,
    `Its size: ${mib(figure.arrowBytes)} as Arrow record batches (the reader's in-memory form, summed batch by batch from the lake's files), ${mib(figure.dataLength)} of MySQL data_length, ${parquet === undefined ? '—' : mib(parquet)} as snappy Parquet in the lake.`,
    `The reader alone, the Python process \`dataops run ${PIPELINE} --stages ingest --full-refresh\` starts (arrow engine, maxConnections ${figure.maxConnections}${figure.maxConnections === DEFAULT_MAX_CONNECTIONS ? ' (the default)' : ''}: up to ${figure.maxConnections} slices read at once; ${figure.batchRows.toLocaleString('en-US')}-row batches),`,
    `runs in a cgroup v1 memory cgroup limited to ${mib(figure.limitBytes)} (memory.limit_in_bytes and memory.memsw.limit_in_bytes: swap cannot help): its interpreter is a wrapper script, passed as \`PYSPARK_PYTHON\`,`,
    "that joins the cgroup and then execs the project's Python. The `dataops` command (Node), MariaDB and the source side of the reconciliation run outside the cgroup.",
    "The cgroup's peak charge (memory.max_usage_in_bytes) includes the page cache of the Parquet files the reader writes, which the kernel reclaims when the charge reaches the limit;",
    "what it cannot reclaim is the processes' resident memory (their peak VmHWM, sampled every 250 ms; it also counts shared libraries' pages, charged to whichever cgroup loaded them first,",
    'so it can exceed the limit). The control: the same table read at once (ConnectorX `read_sql(…, return_type="arrow")`, every row in memory before anything is written) by the same interpreter',
    'in a cgroup with the same limit.',
    '',
    '| reader | outcome | seconds | peak resident (VmHWM) | cgroup peak charge | OOM kills (memory.oom_control) |',
    '|---|---|---|---|---|---|',
    cgroupRow(`arrow engine under ${mib(figure.limitBytes)} (the table is ${times(figure.arrowBytes, figure.limitBytes)} the limit in Arrow, ${times(figure.dataLength, figure.limitBytes)} in data_length)`, run.cgroup, importOutcome(figure, run), run.seconds.toFixed(1)),
    ...(unlimited ? [cgroupRow('arrow engine without a limit (run because the one above failed: what the reader needs)', unlimited.cgroup, importOutcome(figure, unlimited), unlimited.seconds.toFixed(1))] : []),
    cgroupRow(`the whole table at once under ${mib(figure.limitBytes)} (control)`, atOnce.cgroup, atOnce.killed ? `${atOnce.exit} (the OOM killer)` : atOnce.exit, '—'),
    '',
  ];
}

// --- run alone -----------------------------------------------------------------------------------------

function numberOption(argv: string[], flag: string): number | undefined {
  const index = argv.indexOf(flag);
  return index >= 0 ? Number(argv[index + 1]) : undefined;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const root = tempDir('dataops-bench-stream');
  measureStreaming(root, { rows: numberOption(argv, '--rows'), limitMb: numberOption(argv, '--limit-mb'), maxConnections: numberOption(argv, '--max-connections') })
    .then((figure) => {
      console.log(streamingSection(figure).join('\n'));
      console.log(`target ${streamingMet(figure) ? 'met' : 'not met'}: ${streamingMeasured(figure)}`);
    })
    .catch((error: Error) => {
      console.error(`streaming failed: ${error.message}`);
      process.exitCode = 1;
    })
    .finally(() => rmSync(root, { recursive: true, force: true }));
}
