import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@dataops/config';
import { TransientError } from '@dataops/errors';
import { createStages } from '@dataops/pipeline';
import { silentLogger } from '@dataops/stage';
import { adminConnection, createTestDatabase, python, repoRoot, tempDir, writeTestConfig } from '../support/stack';

const request = (runId: string) => ({ runId, pipeline: 'p', logicalDate: '2026-11-24' });

describe('faults and limits against the real stack', () => {
  let database: { name: string; drop: () => Promise<void> };

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('streams a table several times larger than the Spark driver memory (512m) through one slice', async () => {
    const admin = await adminConnection(database.name);
    await admin.query('CREATE TABLE wide (id INT PRIMARY KEY, payload LONGTEXT NOT NULL)');
    // ~1.2 GB of rows: buffered by the driver, it could never fit in a 512 MiB heap
    await admin.query("INSERT INTO wide SELECT seq, CONCAT(seq, REPEAT(CHAR(65 + seq % 26), 4000)) FROM seq_1_to_300000");
    await admin.end();
    const root = tempDir('dataops-wide');
    const file = writeTestConfig({ root, sourceDatabase: database.name, pipelineYaml: 'source:\n  connection: src\n  tables: { include: [wide] }\n  defaults: { mode: full, slices: 1 }\n' });
    const loaded = loadConfig(file);
    loaded.config.spark.conf['spark.driver.memory'] = '512m';
    const result = await createStages(loaded, join(repoRoot, 'jobs')).ingest.execute(request('run-wide'), { logger: silentLogger });
    expect(result.tables[0]).toMatchObject({ table: 'wide', rows: 300000, rowsRead: 300000, sourceCount: 300000 });
  });

  it('leaves the published warehouse intact and readable when a transform is killed mid-write; the retry publishes', async () => {
    const admin = await adminConnection(database.name);
    await admin.query('CREATE TABLE sales (id INT PRIMARY KEY, region VARCHAR(10), amount DECIMAL(10,2))');
    await admin.query("INSERT INTO sales SELECT seq, CONCAT('r', seq % 7), seq / 100 FROM seq_1_to_20000");
    await admin.end();
    const root = tempDir('dataops-kill');
    const file = writeTestConfig({
      root,
      sourceDatabase: database.name,
      models: { by_region: 'SELECT region, SUM(amount) AS total, COUNT(*) AS n FROM sales GROUP BY region' },
      pipelineYaml: `source:\n  connection: src\n  tables: { include: [sales] }\ntransform:\n  models: ${join(root, 'models')}\n`,
    });
    const stages = createStages(loadConfig(file), join(repoRoot, 'jobs'));
    await stages.ingest.execute(request('run-1'), { logger: silentLogger });
    await stages.transform.execute(request('run-1'), { logger: silentLogger });
    const link = join(root, 'warehouse', 'by_region');
    const readTotal = () => python<[number, string]>(`
import duckdb, json
print(json.dumps([str(v) for v in duckdb.sql("select count(*), sum(n) from read_parquet('${link}/*.parquet')").fetchall()[0]]))`);
    expect(readTotal()).toEqual(['7', '20000']);

    const admin2 = await adminConnection(database.name);
    await admin2.query("INSERT INTO sales SELECT 20000 + seq, 'r-new', 1 FROM seq_1_to_100");
    await admin2.end();
    await stages.ingest.execute(request('run-2'), { logger: silentLogger });
    const controller = new AbortController();
    const killed = stages.transform.execute(request('run-2'), {
      logger: silentLogger,
      signal: controller.signal,
      onProgress: (progress) => progress.subject === 'by_region' && controller.abort(),
    });
    await expect(killed).rejects.toThrow(TransientError);
    expect(readlinkSync(link)).toBe('_versions/by_region/run-1');
    expect(readTotal()).toEqual(['7', '20000']);

    await stages.transform.execute(request('run-2'), { logger: silentLogger });
    expect(readlinkSync(link)).toBe('_versions/by_region/run-2');
    expect(readTotal()).toEqual(['8', '20100']);
  });
});
