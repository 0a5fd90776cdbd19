import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@dataops/config';
import { TransientError } from '@dataops/errors';
import { createStages, type Stages } from '@dataops/pipeline';
import { silentLogger } from '@dataops/stage';
import { createTestDatabase, repoRoot, tempDir, writeTestConfig } from '../support/stack';
import { until } from '../support/wait';

const request = (runId: string) => ({ runId, pipeline: 'p', logicalDate: '2026-11-24' });

/** The pids of the kept drivers this process started (spark-submit's --name carries our pid). */
const drivers = () =>
  execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(`dataops-driver-warm-${process.pid}`) && /java/.test(line))
    .map((line) => Number(line.trim().split(/\s+/)[0]));

/** spark.keepDriver on real Spark: job after job on one Spark application, each in a session of its own. */
describe('a kept Spark driver (spark.keepDriver)', () => {
  let source: { name: string; drop: () => Promise<void> };
  let root: string;
  let warm: Stages;

  const stagesFor = (models: Record<string, string>, keepDriver: boolean) =>
    createStages(
      loadConfig(writeTestConfig({ root, sourceDatabase: source.name, keepDriver, models, pipelineYaml: `source:\n  connection: src\n  defaults: { mode: full }\ntransform:\n  models: ${join(root, 'models')}\n` })),
      join(repoRoot, 'jobs'),
    );

  beforeAll(async () => {
    source = await createTestDatabase();
    execFileSync('python3', [join(repoRoot, 'scripts/sample/retail_data.py'), 'load', '--scale', '0.01', '--database', source.name]);
    root = tempDir('dataops-warm');
    cpSync(join(repoRoot, 'examples/retail/models'), join(root, 'models'), { recursive: true });
    warm = stagesFor({}, true);
    await warm.ingest.execute(request('ingest-1'), { logger: silentLogger });
  });

  afterAll(async () => {
    warm?.engine?.stop();
    await source?.drop();
  });

  it('builds the models of two runs on one Spark application, exactly as separate applications do', async () => {
    const first = await warm.transform.execute(request('run-1'), { logger: silentLogger });
    const [driver] = drivers();
    expect(driver).toBeGreaterThan(0);
    const second = await warm.transform.execute({ ...request('run-2'), fullRefresh: true }, { logger: silentLogger });
    expect(drivers()).toEqual([driver]);
    const cold = await stagesFor({}, false).transform.execute({ ...request('run-cold'), fullRefresh: true }, { logger: silentLogger });
    const rows = (result: typeof first) => Object.fromEntries(result.models.map((model) => [model.name, model.rows]));
    expect(rows(first)).toEqual(rows(cold));
    expect(rows(second)).toEqual(rows(cold));
  });

  it("never lets one job's views reach the next: a model reading a view of an earlier job fails, naming it", async () => {
    // the driver's earlier jobs defined orders_clean as a view; now the only model reads it, and no model defines it
    const models = join(root, 'models');
    const kept = join(root, 'models-kept');
    renameSync(models, kept);
    mkdirSync(models);
    writeFileSync(join(models, 'reads_orders_clean.sql'), 'SELECT COUNT(*) AS n FROM orders_clean');
    try {
      const [driver] = drivers();
      await expect(warm.transform.execute(request('run-isolated'), { logger: silentLogger })).rejects.toThrow(/reads_orders_clean.*orders_clean/);
      expect(drivers()).toEqual([driver]);
    } finally {
      rmSync(models, { recursive: true, force: true });
      renameSync(kept, models);
    }
  });

  it('stops the driver when a job is cancelled, and the next job starts a new one', async () => {
    const before = drivers();
    const controller = new AbortController();
    const cancelled = warm.transform
      .execute({ ...request('run-cancelled'), fullRefresh: true }, { logger: silentLogger, signal: controller.signal, onProgress: () => controller.abort() })
      .catch((error: Error) => error);
    expect(await cancelled).toBeInstanceOf(TransientError);
    await until(() => (before.every((pid) => !drivers().includes(pid)) ? true : undefined), 'the cancelled job\'s driver to exit', 20_000);
    const again = await warm.transform.execute({ ...request('run-after-cancel'), fullRefresh: true }, { logger: silentLogger });
    expect(again.models.length).toBeGreaterThan(0);
    expect(drivers()).toHaveLength(1);
  });
});
