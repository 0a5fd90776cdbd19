import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '@dataops/config';
import type { ExportCompleted, TransformCompleted } from '@dataops/contracts';
import { createStages } from '@dataops/pipeline';
import { silentLogger } from '@dataops/stage';
import { differences, snapshotOutputs, type Outputs } from '../support/outputs';
import { sampleOutputLocations, samplePipelineYaml } from '../support/sample-pipeline';
import { createTestDatabase, pgPassword, pgPort, repoRoot, tempDir, writeTestConfig } from '../support/stack';

/**
 * ORC wherever Parquet works, and raw tables in Hive-style partition folders: the sample pipeline
 * runs twice on the same source, once as shipped (Parquet, no partition folders) and once with
 * every raw table and every model in ORC and three raw tables partitioned (products by category,
 * customers by region_id, orders by channel). Ingest (the arrow engine), transform and export run in
 * this process with real Spark, PostgreSQL, MariaDB and SFTP. What BI receives (PostgreSQL and
 * MariaDB tables, SFTP files: rows and checksums) and each model's row count must be the same.
 */
jest.setTimeout(1_200_000);
const id = randomBytes(3).toString('hex');
const request = (pipeline: string, runId: string) => ({ runId, pipeline, logicalDate: new Date().toISOString().slice(0, 10) });

const orcYaml = (root: string, pipeline: string) =>
  samplePipelineYaml(root, pipeline, { overlap: 'queue' })
    .replace('  defaults: { mode: full, slices: 2 }', '  defaults: { mode: full, slices: 2, format: orc }')
    .replace('  overrides:\n', '  overrides:\n    products: { partitionBy: [category] }\n    customers: { partitionBy: [region_id] }\n')
    .replace('    orders: { mode: lastmodified,', '    orders: { partitionBy: [channel], mode: lastmodified,')
    .replace('transform:\n', 'transform:\n  defaults: { format: orc, compression: zstd }\n');

const filesUnder = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' });

describe('ORC and partitioned raw tables give BI what Parquet gives it', () => {
  const bis: { name: string; drop: () => Promise<void> }[] = [];
  let source: { name: string; drop: () => Promise<void> };
  let pg: Client;

  beforeAll(async () => {
    source = await createTestDatabase('dataops_test_orc');
    execFileSync('python3', [join(repoRoot, 'scripts/sample/retail_data.py'), 'load', '--scale', '0.01', '--database', source.name]);
    pg = new Client({ host: '127.0.0.1', port: pgPort, database: 'bi', user: 'dataops', password: pgPassword() });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await source?.drop();
    for (const bi of bis) await bi.drop();
  });

  async function runPipeline(kind: 'parquet' | 'orc'): Promise<{ root: string; transformed: TransformCompleted; exported: ExportCompleted; outputs: Outputs }> {
    const pipeline = `${kind}_${id}`;
    const root = tempDir(`dataops-${kind}`);
    const bi = await createTestDatabase(`dataops_test_${kind}bi`);
    bis.push(bi);
    cpSync(join(repoRoot, 'examples/retail/models'), join(root, 'models'), { recursive: true });
    const yaml = kind === 'orc' ? orcYaml(root, pipeline) : samplePipelineYaml(root, pipeline, { overlap: 'queue' });
    const loaded = loadConfig(writeTestConfig({ root, sourceDatabase: source.name, biMysqlDatabase: bi.name, pipeline, pipelineYaml: yaml }));
    const stages = createStages(loaded, join(repoRoot, 'jobs'));
    await stages.ingest.execute({ ...request(pipeline, 'r1'), fullRefresh: true }, { logger: silentLogger });
    const transformed = await stages.transform.execute(request(pipeline, 'r1'), { logger: silentLogger });
    const exported = await stages.export.execute({ ...request(pipeline, 'r1'), models: transformed.models }, { logger: silentLogger });
    // BI only: the lake and warehouse figures of outputs.ts read Parquet (an empty lake, no models)
    const biOnly = { ...sampleOutputLocations(root, pipeline, bi.name), lake: join(root, 'no-lake'), models: [] };
    mkdirSync(join(biOnly.lake, 'raw', biOnly.source), { recursive: true });
    const outputs = Object.fromEntries(Object.entries(await snapshotOutputs(biOnly, pg)).map(([name, figure]) => [name.replaceAll(pipeline, '<pipeline>'), figure]));
    return { root, transformed, exported, outputs };
  }

  it('writes ORC and partition folders, and BI gets the same rows and checksums', async () => {
    const parquet = await runPipeline('parquet');
    const orc = await runPipeline('orc');
    const lakeFiles = filesUnder(join(orc.root, 'lake'));
    expect(lakeFiles.some((file) => /^raw\/src\/products\/load_date=[^/]+\/run=r1\/category=[^/]+\/part-[^/]+\.orc$/.test(file))).toBe(true);
    expect(lakeFiles.some((file) => /\/region_id=\d+\/part-[^/]+\.orc$/.test(file))).toBe(true);
    expect(lakeFiles.filter((file) => file.endsWith('.parquet'))).toEqual([]);
    expect(orc.transformed.models.map((model) => model.format)).toEqual(['orc', 'orc', 'orc']);
    expect(filesUnder(join(orc.root, 'warehouse', '_versions')).filter((file) => file.endsWith('.parquet'))).toEqual([]);
    const rows = (t: TransformCompleted) => t.models.map((model) => [model.name, model.rows]);
    expect(rows(orc.transformed)).toEqual(rows(parquet.transformed));
    expect(Object.keys(orc.outputs).length).toBeGreaterThanOrEqual(4);
    expect(differences(parquet.outputs, orc.outputs)).toEqual([]);
  });
});
