import { join } from 'node:path';
import { loadConfig, type LoadedConfig } from '@dataops/config';
import type { IngestCompleted } from '@dataops/contracts';
import { TerminalError } from '@dataops/errors';
import { IngestStage, MysqlCatalogRepository, planPipeline } from '@dataops/ingest';
import { currentView, LocalLakeStore, ManifestRepository } from '@dataops/lake';
import { createStages } from '@dataops/pipeline';
import type { SparkRunner } from '@dataops/spark';
import { silentLogger } from '@dataops/stage';
import { EDGE_TYPES_SQL, EDGE_TYPES_SQL_MODE } from '../support/edge-types';
import { adminConnection, createTestDatabase, python, repoRoot, tempDir, writeTestConfig } from '../support/stack';

const schema = `
${EDGE_TYPES_SQL}
CREATE TABLE skewed (id BIGINT PRIMARY KEY, v INT);
INSERT INTO skewed SELECT seq, 1 FROM seq_1_to_1000;
INSERT INTO skewed SELECT 1000000000000 + seq, 2 FROM seq_1_to_40000;
CREATE TABLE no_key (name VARCHAR(10), qty INT);
INSERT INTO no_key VALUES ('a', 1), ('a', 1), ('b', NULL);
CREATE TABLE \`select\` (\`from\` INT PRIMARY KEY, \`we\`\`ird.col\` VARCHAR(10));
INSERT INTO \`select\` VALUES (1, 'x'), (2, 'y');
CREATE TABLE \`order items\` (\`a b\` INT, \`Ünïcode\` VARCHAR(10));
INSERT INTO \`order items\` VALUES (1, 'é');
CREATE TABLE CaseTable (id INT PRIMARY KEY, v VARCHAR(5));
CREATE TABLE casetable (id INT PRIMARY KEY, v VARCHAR(5));
INSERT INTO CaseTable VALUES (1, 'upper');
INSERT INTO casetable VALUES (1, 'lower'), (2, 'lower');
CREATE TABLE events (id INT PRIMARY KEY, status VARCHAR(10), updated_at DATETIME(6) NOT NULL);
INSERT INTO events SELECT seq, 'new', TIMESTAMP('2026-11-20 10:00:00') + INTERVAL seq SECOND FROM seq_1_to_100;
CREATE TABLE appended (id BIGINT PRIMARY KEY, note VARCHAR(10));
INSERT INTO appended SELECT seq, 'first' FROM seq_1_to_50;
`;

const pipelineYaml = `source:
  connection: src
  maxConnections: 4
  defaults: { mode: full, slices: 4 }
  overrides:
    events: { mode: lastmodified, checkColumn: updated_at, mergeKey: [id], lookback: 1h }
    appended: { mode: append, checkColumn: id }
`;

describe('ingest against real MariaDB and Spark', () => {
  let database: { name: string; drop: () => Promise<void> };
  let loaded: LoadedConfig;
  let stage: IngestStage;
  let first: IngestCompleted;
  const request = (runId: string, logicalDate = '2026-11-24') => ({ runId, pipeline: 'p', logicalDate });

  beforeAll(async () => {
    database = await createTestDatabase();
    const admin = await adminConnection(database.name);
    await admin.query(EDGE_TYPES_SQL_MODE);
    await admin.query(schema);
    await admin.end();
    const root = tempDir('dataops-ingest');
    loaded = loadConfig(writeTestConfig({ root, sourceDatabase: database.name, pipelineYaml }));
    stage = createStages(loaded, join(repoRoot, 'jobs')).ingest as IngestStage;
    first = await stage.execute(request('run-1'), { logger: silentLogger });
  });

  afterAll(async () => {
    await database?.drop();
  });

  const table = (result: IngestCompleted, name: string) => {
    const found = result.tables.find((candidate) => candidate.table === name);
    if (!found) throw new Error(`no table ${name} in ${result.tables.map((t) => t.table).join(', ')}`);
    return found;
  };

  const readRows = <T>(path: string, order = 1): T[] =>
    python<T[]>(`
import duckdb, json
rows = duckdb.sql("select * exclude (load_date, run) from read_parquet('${path}/*.parquet', hive_partitioning=true) order by ${order}").fetchall()
cols = [d[0] for d in duckdb.sql("describe select * exclude (load_date, run) from read_parquet('${path}/*.parquet', hive_partitioning=true)").fetchall()]
print(json.dumps([dict(zip(cols, [v.hex() if isinstance(v, (bytes, bytearray)) else (str(v) if v is not None else None) for v in row])) for row in rows]))
`);

  it('moves every table, hostile identifiers and case-twins included, each with rows read = rows written = source count', () => {
    const names = first.tables.map((t) => t.table).sort();
    expect(names).toEqual(['CaseTable', 'all_types', 'appended', 'casetable', 'events', 'no_key', 'order items', 'select', 'skewed'].sort());
    for (const result of first.tables) {
      expect(result.rows).toBe(result.rowsRead);
      expect(result.rows).toBe(result.sourceCount);
    }
    expect(table(first, 'CaseTable').rows).toBe(1);
    expect(table(first, 'casetable').rows).toBe(2);
  });

  it('reconciles every column of every table, edge values included, with the source: rows, non-NULL values and checksums', () => {
    for (const result of first.tables) {
      expect(result.reconciliation).toMatchObject({ from: 'source', to: 'lake', status: 'match', rows: result.rows });
    }
    // all 22 columns of all_types compared; DOUBLE by its non-NULL count only
    expect(table(first, 'all_types').reconciliation).toMatchObject({ columns: 22, countedOnly: ['dbl'] });
    expect(readRows<Record<string, string>>(table(first, 'select').path)).toEqual([
      { from: '1', 'we`ird.col': 'x' },
      { from: '2', 'we`ird.col': 'y' },
    ]);
    expect(readRows<Record<string, string>>(table(first, 'order items').path)).toEqual([{ 'a b': '1', Ünïcode: 'é' }]);
  });

  it('keeps MySQL values exactly where Parquet can hold them', () => {
    const [max, min, nulls] = readRows<Record<string, string | null>>(table(first, 'all_types').path);
    expect(max).toMatchObject({
      tiny1: '5',
      tiny_u: '255',
      big_u: '18446744073709551615',
      big_s: '-9223372036854775808',
      dec65: '12345678901234567890123456789012345.123456789012345678901234567890',
      dec12: '9999999999.99',
      d: '9999-12-31',
      dt: '9999-12-31 23:59:59.999999',
      ts: '2038-01-19 03:14:07.999999+00:00',
      tm: '838:59:59.000000',
      yr: '2155',
      b1: '1',
      b64: '18446744073709551615',
      en: 'large',
      st: 'x,z',
      blb: '00ff10',
      bin: 'deadbeef',
      txt: 'emoji 🎉 and 漢字',
    });
    expect(JSON.parse(max.js!)).toEqual({ a: [1, 2, { b: 'ü' }] });
    expect(max.geo).toMatch(/^0101000000/); // WKB of POINT(1 2), little endian
    expect(min).toMatchObject({ dec65: '-0.000000000000000000000000000001', tm: '-838:59:59.000000', d: '1000-01-01', dt: '1000-01-01 00:00:00.000001', ts: '1970-01-01 00:00:01+00:00', yr: '1901', txt: '', b64: '0' });
    expect(nulls).toMatchObject({ d: null, dt: null, tiny1: null, dec65: null });
  });

  it('turns zero dates and dates the calendar does not have into NULL, and counts them per column', () => {
    // row 3: 0000-00-00; row 4: 30 February and a zero month; row 5: 29 February 2024, a date
    expect(table(first, 'all_types').zeroDates).toEqual({ d: 2, dt: 2 });
    const rows = readRows<Record<string, string | null>>(table(first, 'all_types').path);
    expect(rows[3]).toMatchObject({ d: null, dt: null });
    expect(rows[4]).toMatchObject({ d: '2024-02-29', dt: '2024-02-29 23:59:59.999999' });
  });

  it('plans slices of similar size from the data for a skewed key, and one slice for a table without a key', async () => {
    const plans = await planPipeline(loaded, 'p');
    const skewed = plans.find((plan) => plan.table === 'skewed')!;
    expect(skewed.splitColumn).toBe('id');
    expect(skewed.slices).toHaveLength(4);
    const admin = await adminConnection(database.name);
    const sizes: number[] = [];
    for (const slice of skewed.slices) {
      const [rows] = await admin.query(`SELECT COUNT(*) AS n FROM skewed WHERE ${slice}`);
      sizes.push(Number((rows as { n: string }[])[0].n));
    }
    await admin.end();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(41000);
    expect(Math.max(...sizes) / Math.min(...sizes)).toBeLessThan(1.2);
    expect(plans.find((plan) => plan.table === 'no_key')!.slices).toEqual(['1=1']);
  });

  it('re-announces a committed run without moving data', async () => {
    const manifests = new ManifestRepository(new LocalLakeStore(), loaded.config.storage.lake);
    const before = await manifests.find('src', 'skewed', 'run-1');
    const started = Date.now();
    const again = await stage.execute(request('run-1'), { logger: silentLogger });
    expect(Date.now() - started).toBeLessThan(5000); // no spark-submit
    expect(again).toEqual(first);
    expect(await manifests.find('src', 'skewed', 'run-1')).toEqual(before);
  });

  it('loses and repeats no row across incremental runs, late rows with older timestamps included', async () => {
    const admin = await adminConnection(database.name);
    await admin.query(`UPDATE events SET status = 'changed', updated_at = TIMESTAMP('2026-11-20 10:01:40.000001') WHERE id = 5`);
    // committed late, with a timestamp older than the first run's watermark but inside the look-back
    await admin.query(`INSERT INTO events VALUES (101, 'late', TIMESTAMP('2026-11-20 10:00:30.5'))`);
    await admin.query(`INSERT INTO appended SELECT seq, 'second' FROM seq_51_to_60`);
    const second = await stage.execute(request('run-2', '2026-11-25'), { logger: silentLogger });
    expect(table(second, 'appended').rows).toBe(10);
    expect(table(second, 'events').watermark).toBe('2026-11-20 10:01:40.000001');
    const manifests = new ManifestRepository(new LocalLakeStore(), loaded.config.storage.lake);
    const view = currentView(await manifests.all('src', 'events'))!;
    const lakeRows = python<[number, string, string][]>(`
import duckdb, json
files = ${JSON.stringify(view.files)}
rows = duckdb.sql(f"""select id, status, strftime(updated_at, '%Y-%m-%d %H:%M:%S.%f') from (
  select *, row_number() over (partition by id order by updated_at desc) as r from read_parquet({files!r}, hive_partitioning=true)) where r = 1 order by id""").fetchall()
print(json.dumps(rows))
`);
    const [source] = await admin.query(`SELECT id, status, DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f') AS t FROM events ORDER BY id`);
    await admin.end();
    expect(lakeRows).toEqual((source as { id: number; status: string; t: string }[]).map((row) => [row.id, row.status, row.t]));
    const appended = currentView(await manifests.all('src', 'appended'))!;
    expect(appended.rows).toBe(60);
  });

  it('fails a table whose column was dropped at the source, naming it, and commits nothing for it', async () => {
    const admin = await adminConnection(database.name);
    await admin.query('ALTER TABLE no_key DROP COLUMN qty');
    await admin.end();
    const failure = stage.execute(request('run-3'), { logger: silentLogger });
    await expect(failure).rejects.toThrow(TerminalError);
    await expect(failure).rejects.toThrow(/table no_key: column qty \(int\(11\)\) was dropped/);
    const manifests = new ManifestRepository(new LocalLakeStore(), loaded.config.storage.lake);
    expect(await manifests.find('src', 'no_key', 'run-3')).toBeUndefined();
  });

  /**
   * An ingest stage whose engine runs as usual, and `sql` changes the source once the engine has
   * read a table, before the stage hears that it was written (the source scans start when every
   * table was); and what it logs at info.
   */
  const changedAfterTheRead = (sql: string) => {
    const engine = createStages(loaded, join(repoRoot, 'jobs')).engine as SparkRunner;
    const change = async () => {
      const admin = await adminConnection(database.name);
      await admin.query(sql);
      await admin.end();
    };
    const changingSource = {
      run: async (job: Parameters<SparkRunner['run']>[0], schema: Parameters<SparkRunner['run']>[1]) => {
        let changed: Promise<void> | undefined;
        let told = Promise.resolve();
        const onProgress = (progress: Record<string, unknown>) => {
          if (progress.phase !== 'written') return job.onProgress?.(progress);
          changed ??= change();
          told = told.then(() => changed).then(() => job.onProgress?.(progress));
        };
        const result = await engine.run({ ...job, onProgress }, schema);
        await told;
        return result;
      },
      preparePython: () => engine.preparePython(),
    } as unknown as SparkRunner;
    const logged: string[] = [];
    const logger = { ...silentLogger, info: (message: string) => void logged.push(message) };
    return { stage: new IngestStage(loaded, changingSource), logger, logged };
  };

  it('names the column whose values differ from the lake, summing the lake by column only then', async () => {
    // the engine reads `select`, then, before the source is summed, one value changes (counts stay):
    // the sums differ twice alike, so it is no moving source but a difference to name
    const { stage: changing, logger, logged } = changedAfterTheRead("UPDATE `select` SET `we``ird.col` = 'changed' WHERE `from` = 2");
    const failure = changing.execute({ ...request('run-changed'), tables: ['select'] }, { logger });
    await expect(failure).rejects.toThrow(/reconciliation failed, nothing committed for it: table select, column we`ird\.col: checksum \d+ at the source, \d+ in the lake/);
    expect(logged).toContain("table select: the rows differ from the source; summing the lake's columns to name the difference");
    const manifests = new ManifestRepository(new LocalLakeStore(), loaded.config.storage.lake);
    expect(await manifests.find('src', 'select', 'run-changed')).toBeUndefined();
  });

  it("sums the dates by their stored texts, and by the calendar's dates only once the lake differs from them", async () => {
    // one date moves back a second after the read (rows and counts stay): the stored texts differ
    // from the lake, so do the calendar dates, alike: the column is named and nothing committed
    const { stage: changing, logger, logged } = changedAfterTheRead('UPDATE events SET updated_at = updated_at - INTERVAL 1 SECOND WHERE id = 7');
    const failure = changing.execute({ ...request('run-moved-date'), tables: ['events', 'all_types'], fullRefresh: true }, { logger });
    await expect(failure).rejects.toThrow(/reconciliation failed, nothing committed for it: table events, column updated_at: checksum \d+ at the source, \d+ in the lake/);
    const calendar = (name: string) => `table ${name}: the lake differs from the dates' stored texts; summing the calendar dates and counting the zero dates`;
    expect(logged).toContain(calendar('events'));
    // all_types (committed first) holds zero dates as NULL: its stored texts differ from the lake too, its calendar dates match and count them
    expect(logged).toContain(calendar('all_types'));
    const manifests = new ManifestRepository(new LocalLakeStore(), loaded.config.storage.lake);
    expect((await manifests.find('src', 'all_types', 'run-moved-date'))?.zeroDates).toEqual({ d: 2, dt: 2 });
    expect(await manifests.find('src', 'events', 'run-moved-date')).toBeUndefined();
    // the first run's events matched by their stored texts: no calendar scan, no zero dates
    expect(table(first, 'events').zeroDates).toEqual({});
  });

  it('refuses a wrong password as a terminal error that does not echo the password', async () => {
    const connection = loaded.config.connections.src;
    if (connection.type !== 'mysql') throw new Error('unexpected');
    const attempt = MysqlCatalogRepository.connect(connection, { user: 'dataops_src', password: 'not-the-password' });
    await expect(attempt).rejects.toThrow(TerminalError);
    await expect(attempt).rejects.toThrow(/Access denied/);
    await expect(attempt).rejects.not.toThrow(/not-the-password/);
  });
});
