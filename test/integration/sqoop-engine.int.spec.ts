import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type LoadedConfig } from '@dataops/config';
import type { IngestCompleted } from '@dataops/contracts';
import { IngestStage } from '@dataops/ingest';
import { LocalLakeStore, ManifestRepository, type LakeManifest } from '@dataops/lake';
import { createStages } from '@dataops/pipeline';
import { jobsRootPath } from '@dataops/spark';
import type { StageLogger } from '@dataops/stage';
import { EDGE_TYPES_SQL, EDGE_TYPES_SQL_MODE } from '../support/edge-types';
import { ensureSqoop } from '../support/sqoop';
import { until } from '../support/wait';
import { adminConnection, createTestDatabase, python, repoRoot, secrets, tempDir, writeTestConfig } from '../support/stack';

/**
 * The sqoop ingest engine (real Apache Sqoop 1.4.7, jobs/sqoop_ingest.py) against the arrow engine
 * on the same MariaDB tables: every MySQL type at its edges with zero dates, a table sliced on a
 * nullable key (NULL keys in the first slice), an empty table, hostile names, an append table and
 * a lastmodified table (lookback) read twice. Both must write the same lake files (Arrow and Parquet schema, values), manifests
 * and results.
 */
const schema = `
${EDGE_TYPES_SQL}
CREATE TABLE sliced (row_id INT PRIMARY KEY, k BIGINT NULL UNIQUE, amount DECIMAL(12,2), created DATETIME(6), note VARCHAR(40)) DEFAULT CHARSET=utf8mb4;
INSERT INTO sliced SELECT seq, IF(seq % 10 = 0, NULL, seq * 3), seq / 100, TIMESTAMP('2024-01-01 10:00:00') + INTERVAL seq * 7 MICROSECOND + INTERVAL seq SECOND, CONCAT('note ', seq, ' ✓') FROM seq_1_to_24000;
CREATE TABLE empty_t (id BIGINT UNSIGNED PRIMARY KEY, at DATETIME(6), name VARCHAR(10), amount DECIMAL(5,2), data BLOB);
CREATE TABLE \`order items\` (\`a b\` INT, \`Ünïcode\` VARCHAR(10), \`select\` VARCHAR(5));
INSERT INTO \`order items\` VALUES (1, 'é', 'x'), (NULL, NULL, NULL);
CREATE TABLE appended (id BIGINT PRIMARY KEY, note VARCHAR(10), at DATETIME(6));
INSERT INTO appended SELECT seq, 'first', TIMESTAMP('2026-11-20 10:00:00.123456') + INTERVAL seq SECOND FROM seq_1_to_50;
CREATE TABLE events (id INT PRIMARY KEY, status VARCHAR(10), updated_at DATETIME(6) NOT NULL);
INSERT INTO events SELECT seq, 'new', TIMESTAMP('2026-11-20 10:00:00') + INTERVAL seq SECOND FROM seq_1_to_100;
`;

const pipelineYaml = (engine: string) => `source:
  connection: src
  engine: ${engine}
  maxConnections: 4
  defaults: { mode: full, slices: 4 }
  overrides:
    sliced: { splitColumn: k }
    appended: { mode: append, checkColumn: id }
    events: { mode: lastmodified, checkColumn: updated_at, mergeKey: [id], lookback: 1h }
`;

const KEYS: Record<string, string> = { all_types: 'id', sliced: 'row_id', empty_t: 'id', 'order items': 'a b', appended: 'id', events: 'id' };

interface Engine {
  loaded: LoadedConfig;
  stage: IngestStage;
  lake: string;
  lines: string[];
}

function collectingLogger(lines: string[]): StageLogger {
  const keep = (message: string, fields?: Record<string, unknown>) => lines.push(`${message} ${fields ? JSON.stringify(fields) : ''}`);
  return { debug: keep, info: keep, warn: keep, error: keep };
}

/** Both lakes' files for one table, read with pyarrow: schemas, Parquet column types and rows (temporal values as integers). */
function compareLake(arrowPath: string, sqoopPath: string, key: string) {
  return python<{ arrow: unknown; sqoop: unknown; rows: number; files: [number, number] }>(`
import json, os, pyarrow as pa, pyarrow.parquet as pq
def read(folder):
    files = sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith('.parquet'))
    table = pa.concat_tables([pq.read_table(f) for f in files]).sort_by(${JSON.stringify(key)})
    physical = pq.ParquetFile(files[0]).schema
    columns = {}
    for field, column in zip(table.schema, table.columns):
        if pa.types.is_timestamp(field.type): column = column.cast(pa.int64())
        elif pa.types.is_date32(field.type): column = column.cast(pa.int32())
        columns[field.name] = [v.hex() if isinstance(v, bytes) else (str(v) if v is not None else None) for v in column.to_pylist()]
    return {
        'schema': [(f.name, str(f.type), f.nullable) for f in table.schema],
        'parquet': [(physical.column(i).name, physical.column(i).physical_type, str(physical.column(i).logical_type), physical.column(i).length) for i in range(len(physical))],
        'columns': columns,
        'files': sorted(n[:5] for n in os.listdir(folder) if not n.startswith('.')),
    }, len(files), table.num_rows
a, af, rows = read(${JSON.stringify(arrowPath)})
s, sf, _ = read(${JSON.stringify(sqoopPath)})
print(json.dumps({'arrow': a, 'sqoop': s, 'rows': rows, 'files': [af, sf]}))`);
}

/** What must be equal between engines in a manifest: everything but paths, file names and times. */
function comparable(manifest: LakeManifest | undefined) {
  if (!manifest) throw new Error('no manifest');
  const { dataPath: _path, files, committedAt: _at, ...rest } = manifest;
  return { ...rest, files: files.length };
}

describe('the sqoop ingest engine (real Sqoop 1.4.7) writes what the arrow engine writes', () => {
  let database: { name: string; drop: () => Promise<void> };
  const engines: Record<'arrow' | 'sqoop', Engine> = {} as Record<'arrow' | 'sqoop', Engine>;
  const results: Record<string, IngestCompleted> = {};
  const request = (runId: string, logicalDate = '2026-11-24') => ({ runId, pipeline: 'p', logicalDate });
  const run = async (engine: 'arrow' | 'sqoop', runId: string) => {
    const started = Date.now();
    results[`${engine}:${runId}`] = await engines[engine].stage.execute(request(runId), { logger: collectingLogger(engines[engine].lines) });
    return Date.now() - started;
  };
  const table = (key: string, name: string) => {
    const found = results[key].tables.find((candidate) => candidate.table === name);
    if (!found) throw new Error(`no table ${name} in ${key}`);
    return found;
  };

  beforeAll(async () => {
    ensureSqoop();
    database = await createTestDatabase('dataops_test_sqoopeng');
    const admin = await adminConnection(database.name);
    await admin.query(EDGE_TYPES_SQL_MODE);
    await admin.query(schema);
    await admin.end();
    for (const engine of ['arrow', 'sqoop'] as const) {
      const root = tempDir(`dataops-${engine}-engine`);
      const loaded = loadConfig(writeTestConfig({ root, sourceDatabase: database.name, pipelineYaml: pipelineYaml(engine) }));
      engines[engine] = { loaded, stage: createStages(loaded, join(repoRoot, 'jobs')).ingest as IngestStage, lake: loaded.config.storage.lake, lines: [] };
    }
    await run('arrow', 'run-1');
    const took = await run('sqoop', 'run-1');
    console.log(`sqoop engine, first run of ${results['sqoop:run-1'].tables.length} tables: ${took} ms`);
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('returns the same result per table: rows, files, slices, source count, zero dates, reconciliation, watermark', () => {
    const strip = (result: IngestCompleted) => result.tables.map(({ path: _path, bytes: _bytes, ...rest }) => rest);
    expect(strip(results['sqoop:run-1'])).toEqual(strip(results['arrow:run-1']));
    expect(table('sqoop:run-1', 'sliced')).toMatchObject({ rows: 24000, slices: 4, sourceCount: 24000 });
    expect(table('sqoop:run-1', 'all_types').zeroDates).toEqual(table('arrow:run-1', 'all_types').zeroDates);
    expect(Object.values(table('sqoop:run-1', 'all_types').zeroDates ?? {}).some((count) => count > 0)).toBe(true);
    expect(table('sqoop:run-1', 'empty_t').rows).toBe(0);
  });

  it.each(Object.keys(KEYS))('writes the same Parquet files for %s: Arrow schema, Parquet types, every value', (name) => {
    const compared = compareLake(table('arrow:run-1', name).path, table('sqoop:run-1', name).path, KEYS[name]);
    expect(compared.sqoop).toEqual(compared.arrow);
    expect(compared.files[1]).toBe(compared.files[0]);
  });

  it('commits the same manifests', async () => {
    for (const name of Object.keys(KEYS)) {
      const [arrow, sqoop] = await Promise.all(
        (['arrow', 'sqoop'] as const).map((engine) => new ManifestRepository(new LocalLakeStore(), engines[engine].lake).find('src', name, 'run-1')),
      );
      expect(comparable(sqoop)).toEqual(comparable(arrow));
    }
  });

  it("logs Sqoop's own lines per table, and never the password; leaves no credentials or Sqoop folders behind", () => {
    const log = engines.sqoop.lines.join('\n');
    expect(log).toContain('ingest engine sqoop');
    expect(log).toMatch(/sqoop \[all_types\]: .*Retrieved 5 records\./);
    expect(log).toMatch(/sqoop \[sliced\]: .*Working on split: dataops_slices\.dataops_slice >= 3 AND dataops_slices\.dataops_slice <= 3/);
    const password = readOptionsPassword();
    expect(password.length).toBeGreaterThan(3);
    expect(log).not.toContain(password);
    const leftovers = (dir: string): string[] =>
      existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? [entry.name, ...leftovers(join(dir, entry.name))] : [entry.name])) : [];
    // this process's job folders only (named job-<pid>-…): other sessions may be running jobs meanwhile
    const ownJobs = readdirSync(jobsRootPath()).filter((name) => name.startsWith(`job-${process.pid}-`));
    expect(ownJobs.flatMap((name) => leftovers(join(jobsRootPath(), name))).filter((name) => /sqoop-credentials|source\.password|sqoop-script/.test(name))).toEqual([]);
    expect(leftovers(engines.sqoop.lake).filter((name) => name.includes('arrow-sqoop') || name === '.metadata')).toEqual([]);
  });

  it('imports incrementally (append, lastmodified with lookback) from the committed watermark, as the arrow engine does', async () => {
    const admin = await adminConnection(database.name);
    await admin.query("INSERT INTO appended SELECT 50 + seq, 'second', TIMESTAMP('2026-11-21 10:00:00.654321') + INTERVAL seq SECOND FROM seq_1_to_30");
    // 10 rows changed an hour after the watermark, one just inside the lookback window, one just outside
    await admin.query("UPDATE events SET status = 'changed', updated_at = TIMESTAMP('2026-11-20 11:01:40.000001') + INTERVAL id MICROSECOND WHERE id % 10 = 0");
    await admin.query("UPDATE events SET status = 'late', updated_at = TIMESTAMP('2026-11-20 09:01:41') WHERE id = 1");
    await admin.query("UPDATE events SET status = 'too late', updated_at = TIMESTAMP('2026-11-20 09:01:39.999999') WHERE id = 2");
    await admin.end();
    await run('arrow', 'run-2');
    await run('sqoop', 'run-2');
    const appended = table('sqoop:run-2', 'appended');
    expect(appended).toMatchObject({ mode: 'append', rows: 30, watermark: '80' });
    expect(appended).toMatchObject({ rows: table('arrow:run-2', 'appended').rows, watermark: table('arrow:run-2', 'appended').watermark });
    const compared = compareLake(table('arrow:run-2', 'appended').path, appended.path, 'id');
    expect(compared.sqoop).toEqual(compared.arrow);
    expect(compared.rows).toBe(30);
    // the run's bounds are in Sqoop's own query: (watermark, upper], numbers compared as numbers
    const query = engines.sqoop.lines.filter((line) => line.includes('sqoop [appended]: ') && line.includes('Executing query')).at(-1);
    expect(query).toContain('`id` <= 80 AND `id` > 50');
    const events = table('sqoop:run-2', 'events');
    const arrowEvents = table('arrow:run-2', 'events');
    expect(events).toMatchObject({ mode: 'lastmodified', rows: arrowEvents.rows, watermark: arrowEvents.watermark });
    expect(events.watermark).toBe('2026-11-20 11:01:40.000101');
    const changed = compareLake(arrowEvents.path, events.path, 'id');
    expect(changed.sqoop).toEqual(changed.arrow);
    expect(changed.rows).toBeGreaterThanOrEqual(11);
  });

  it('stops Sqoop with the stage: no Sqoop JVM outlives a cancelled run', async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    const running = engines.sqoop.stage.execute({ ...request('run-abort'), tables: ['sliced'] }, { logger: collectingLogger(lines), signal: controller.signal });
    const outcome = running.then(
      () => 'finished',
      () => 'stopped',
    );
    await until(() => (lines.some((line) => line.includes('sqoop [sliced]: ')) ? true : undefined), 'the first Sqoop log line', 120_000);
    controller.abort();
    expect(await outcome).toBe('stopped');
    // processes whose working folder is this run's job folder (the runner names it after the run id)
    const ours = () =>
      readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
        try {
          return readlinkSync(`/proc/${pid}/cwd`).includes('run-abort');
        } catch {
          return false;
        }
      });
    await until(() => (ours().length === 0 ? true : undefined), 'the Sqoop processes of the cancelled run to end', 20_000).catch(() => undefined);
    expect(ours()).toEqual([]);
  });

  it('says how to install Sqoop when it is missing, naming the path', async () => {
    const saved = process.env.DATAOPS_SQOOP;
    process.env.DATAOPS_SQOOP = '/nonexistent/sqoop/bin/sqoop';
    try {
      await expect(engines.sqoop.stage.execute({ ...request('run-missing'), tables: ['all_types'] }, { logger: collectingLogger([]) })).rejects.toThrow(
        /no executable \/nonexistent\/sqoop\/bin\/sqoop: run scripts\/stack up/,
      );
    } finally {
      if (saved === undefined) delete process.env.DATAOPS_SQOOP;
      else process.env.DATAOPS_SQOOP = saved;
    }
  });
});

function readOptionsPassword(): string {
  const lines = readFileSync(join(secrets, 'source-mysql.options'), 'utf8').split('\n').map((line) => line.trim());
  return lines[lines.indexOf('--password') + 1] ?? '';
}
