import { execFile } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import type { RunSummary } from '@dataops/contracts';
import { migrateControlDb } from '@dataops/ledger';
import { scheduledRunId } from '@dataops/schedule';
import { createTestDatabase, pgPassword, pgPort, repoRoot, saslBrokers, secrets, tempDir, writeTestConfig } from '../support/stack';
import { differences, snapshotOutputs, type OutputLocations, type Outputs } from '../support/outputs';
import { sampleOutputLocations, samplePipelineYaml } from '../support/sample-pipeline';
import { ServiceProcesses } from '../support/services';

const run = promisify(execFile);
const id = randomBytes(3).toString('hex');
const pipeline = `stages_${id}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A 6-field cron (seconds first) that fires once, at this UTC instant. */
const cronAt = (at: Date) => `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} *`;

/**
 * The crontab this project replaces imported every hour and built at midnight. Here the scheduler
 * fires two import-only runs (the source changes between them) and, at "midnight", a build-and-send
 * run over whatever the lake committed; then one full run over the same source state must produce
 * the same warehouse, BI tables and SFTP files.
 *
 * The first import fires on time, a few seconds after the services start. The second import and
 * the build have fire times that already passed today: the test moves the scheduler's "last
 * looked" time back before each of them, and the scheduler catches the missed time up, as after a
 * restart. So each run is fired by the real scheduler, in the order the test needs, without
 * waiting an hour.
 */
describe('per-stage schedules over real Kafka (SASL_SSL)', () => {
  const root = tempDir('dataops-stages');
  let database: { name: string; drop: () => Promise<void> };
  let biDatabase: { name: string; drop: () => Promise<void> };
  let services: ServiceProcesses;
  let control: Pool;
  let configFile: string;
  let locations: OutputLocations;
  let firstImport: string;
  let secondImport: string;
  let build: string;
  let second: Date;
  let built: Outputs;
  const midnight = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);

  const dataops = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [join(repoRoot, 'bin', 'dataops'), ...args, '-c', configFile], {
        env: { ...process.env, DATAOPS_API: services.url('scheduler'), KAFKA_BROKERS: saslBrokers() },
        maxBuffer: 32 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  const runOf = async (runId: string): Promise<RunSummary | undefined> => {
    const response = await fetch(`${services.url('scheduler')}/runs/${runId}`);
    return response.ok ? ((await response.json()) as { run: RunSummary }).run : undefined;
  };
  const waitFor = async (runId: string, until: (run: RunSummary) => boolean, seconds = 600): Promise<RunSummary> => {
    for (let i = 0; i < seconds; i += 1) {
      const summary = await runOf(runId);
      if (summary && until(summary)) return summary;
      await sleep(1000);
    }
    throw new Error(`run ${runId} did not get there in ${seconds} s: ${JSON.stringify(await runOf(runId))}`);
  };
  /** The scheduler last looked just before `at`: the fire times since are due at its next tick. */
  const rewindSchedulerTo = async (at: Date, runId: string) => {
    for (let i = 0; i < 30 && !(await runOf(runId)); i += 1) {
      await control.query('UPDATE dataops_schedule_state SET last_checked_at = $2 WHERE pipeline = $1', [pipeline, new Date(at.getTime() - 1000)]);
      await sleep(3000);
    }
  };
  const finished = (summary: RunSummary) => ['succeeded', 'failed', 'skipped', 'cancelled'].includes(summary.status);
  const snapshot = async () => {
    const pg = new Client({ host: '127.0.0.1', port: pgPort, database: 'bi', user: 'dataops', password: pgPassword() });
    await pg.connect();
    try {
      const outputs = await snapshotOutputs(locations, pg);
      // the lake keeps every import (the full run adds one more): the outputs built from it must agree
      return Object.fromEntries(Object.entries(outputs).filter(([name]) => !name.startsWith('lake:')));
    } finally {
      await pg.end();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase('dataops_test_stages');
    biDatabase = await createTestDatabase('dataops_test_stagesbi');
    await run('python3', [join(repoRoot, 'scripts/sample/retail_data.py'), 'load', '--scale', '0.01', '--database', database.name]);
    cpSync(join(repoRoot, 'examples/retail/models'), join(root, 'models'), { recursive: true });
    // the scheduler has been watching this pipeline: fire times from now on are due, none before
    control = new Pool({ host: '127.0.0.1', port: pgPort, database: 'dataops_control', user: 'dataops', password: readFileSync(join(secrets, 'control-postgres.password'), 'utf8').trim() });
    await migrateControlDb(control);
    await control.query('INSERT INTO dataops_schedule_state (pipeline, last_checked_at) VALUES ($1, now())', [pipeline]);
    const first = new Date(Math.ceil((Date.now() + 25_000) / 1000) * 1000);
    second = new Date(Math.max(Math.floor((Date.now() - 60_000) / 1000) * 1000, midnight.getTime() + 2000));
    firstImport = scheduledRunId(pipeline, first, ['ingest']);
    secondImport = scheduledRunId(pipeline, second, ['ingest']);
    build = scheduledRunId(pipeline, midnight, ['transform', 'export']);
    // two "hourly" imports at known instants, the nightly build at midnight
    const schedulesYaml = `schedules:
  - { cron: "${cronAt(first)}", timezone: UTC, stages: [ingest], overlap: queue }
  - { cron: "${cronAt(second)}", timezone: UTC, stages: [ingest], overlap: queue }
  - { cron: "0 0 * * *", timezone: UTC, stages: [transform, export] }
`;
    // the services and the CLI talk to Kafka over SASL_SSL (SCRAM-SHA-512, TLS), as in production
    configFile = writeTestConfig({ root, sourceDatabase: database.name, biMysqlDatabase: biDatabase.name, pipeline, pipelineYaml: samplePipelineYaml(root, pipeline, { overlap: 'queue', schedulesYaml }), kafkaSaslSsl: true });
    const base = 17_000 + Math.floor(Math.random() * 400) * 20;
    services = new ServiceProcesses(
      { DATAOPS_CONFIG: configFile, DATAOPS_GROUP_PREFIX: `stages-${id}-`, DATAOPS_SCHEDULER_TICK_MS: '1000', DATAOPS_LEASE_MS: '10000', LOG_LEVEL: 'info', KAFKA_BROKERS: saslBrokers() },
      { scheduler: base, ingest: base + 1, transform: base + 2, export: base + 3 },
      root,
    );
    await services.startAll();
    locations = sampleOutputLocations(root, pipeline, biDatabase.name);
  });

  afterAll(async () => {
    await services?.stopAll();
    const pg = new Client({ host: '127.0.0.1', port: pgPort, database: 'bi', user: 'dataops', password: pgPassword() });
    await pg.connect().then(() => pg.query(`DROP TABLE IF EXISTS public.${pipeline}_daily, public.${pipeline}_facts`)).catch(() => undefined);
    await pg.end().catch(() => undefined);
    await control?.end();
    await database?.drop();
    await biDatabase?.drop();
  });

  it('lists each schedule with the stages it covers and the run ids it makes', async () => {
    const result = await dataops('schedule', pipeline, '--next', '1');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('stages ingest (overlap queue');
    expect(result.stdout).toContain('"0 0 * * *" in UTC, stages transform, export');
    expect(result.stdout).toContain(`${pipeline}-transform-export-`);
  });

  it('imports on its schedule without building: the later stages are skipped and the warehouse stays empty', async () => {
    const imported = await waitFor(firstImport, finished);
    expect(imported).toMatchObject({ status: 'succeeded', covers: ['ingest'] });
    expect(imported.stages.transform?.status).toBe('skipped');
    expect(imported.stages.export?.status).toBe('skipped');
    expect(existsSync(join(root, 'warehouse', 'orders_clean'))).toBe(false);
  });

  it('imports again after the source changed: the lake takes the new rows', async () => {
    await run('python3', [join(repoRoot, 'scripts/sample/retail_data.py'), 'mutate', '--seed', '7', '--database', database.name]);
    await rewindSchedulerTo(second, secondImport);
    const again = await waitFor(secondImport, finished);
    expect(again).toMatchObject({ status: 'succeeded', covers: ['ingest'] });
    // order_items is appended by id: only the rows the change added
    expect(again.stages.ingest!.tables.find((table) => table.table === 'order_items')!.rows).toBeGreaterThan(0);
    expect(existsSync(join(root, 'warehouse', 'orders_clean'))).toBe(false);
  });

  it('builds and sends at "midnight" from what the lake committed, without importing', async () => {
    await rewindSchedulerTo(midnight, build);
    const summary = await waitFor(build, finished);
    expect(summary).toMatchObject({ status: 'succeeded', covers: ['transform', 'export'], logicalDate: midnight.toISOString().slice(0, 10) });
    expect(summary.stages.ingest?.status).toBe('skipped');
    expect(summary.stages.export!.targets.length).toBe(4);
    // the imports fired again by the catch-up are the same runs, not new ones
    const runs = JSON.parse((await dataops('runs', pipeline, '--json')).stdout) as RunSummary[];
    expect(runs.map((r) => r.runId).sort()).toEqual([build, firstImport, secondImport].sort());
    built = await snapshot();
    expect(built['warehouse:orders_clean'].rows).toBeGreaterThan(0);
  });

  it('leaves the same warehouse, BI tables and SFTP files as one full run over the same source state', async () => {
    const result = await dataops('trigger', pipeline, '--wait', '--json', '--date', midnight.toISOString().slice(0, 10));
    expect(result.code).toBe(0);
    const full = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as RunSummary;
    expect(full.covers).toBeUndefined();
    expect(Object.values(full.stages).map((stage) => stage?.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const outputs = await snapshot();
    expect(Object.keys(outputs).length).toBeGreaterThanOrEqual(8);
    expect(differences(built, outputs)).toEqual([]);
  });
});
