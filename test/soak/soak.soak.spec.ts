import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RunSummary } from '@dataops/contracts';
import { ServiceProcesses, type Instance } from '../support/services';
import { adminConnection, createTestDatabase, tempDir, writeTestConfig } from '../support/stack';

/**
 * The soak: a pipeline scheduled every minute, through the services, for a bounded number of runs
 * (DATAOPS_SOAK_RUNS, default 10: `npm run test:soak`), with each service's resident memory
 * sampled after every run. No run may fail, and memory may not keep growing. CI's short form
 * fires every 10 seconds (DATAOPS_SOAK_CRON, a 6-field cron) for a handful of runs.
 */
const RUNS = Number(process.env.DATAOPS_SOAK_RUNS ?? 10);
const CRON = process.env.DATAOPS_SOAK_CRON ?? '* * * * *';
const id = randomBytes(3).toString('hex');
const pipeline = `soak_${id}`;

const residentMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

describe(`soak: ${RUNS} scheduled runs ("${CRON}")`, () => {
  let services: ServiceProcesses;
  let database: { name: string; drop: () => Promise<void> };

  beforeAll(async () => {
    database = await createTestDatabase('dataops_test_soak');
    const admin = await adminConnection(database.name);
    await admin.query('CREATE TABLE regions (id INT PRIMARY KEY, name VARCHAR(40), updated_at DATETIME(6))');
    await admin.query("INSERT INTO regions SELECT seq, CONCAT('region ', seq), NOW(6) FROM seq_1_to_200");
    await admin.end();
    const root = tempDir('dataops-soak');
    const configFile = writeTestConfig({
      root,
      sourceDatabase: database.name,
      pipeline,
      pipelineYaml: `schedule: { cron: "${CRON}", timezone: UTC, overlap: skip, catchup: skip }\nsource:\n  connection: src\n  tables: { include: [regions] }\n`,
    });
    const base = 17_000 + Math.floor(Math.random() * 300) * 20;
    services = new ServiceProcesses(
      { DATAOPS_CONFIG: configFile, DATAOPS_GROUP_PREFIX: `soak-${id}-`, DATAOPS_SCHEDULER_TICK_MS: '2000', LOG_LEVEL: 'info' },
      { scheduler: base, ingest: base + 1, transform: base + 2, export: base + 3 },
      root,
    );
    await services.startAll();
  });

  afterAll(async () => {
    await services?.stopAll();
    await database?.drop();
  });

  it('runs every scheduled run to success without memory growth', async () => {
    const samples = new Map<Instance, number[]>(services.instances.map((instance) => [instance, []]));
    const seen = new Set<string>();
    const deadline = Date.now() + (RUNS + 3) * 90_000;
    while (seen.size < RUNS && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const runs = (await (await fetch(`${services.url('scheduler')}/runs?pipeline=${pipeline}&limit=500`)).json()) as RunSummary[];
      for (const run of runs.filter((candidate) => !['running', 'queued'].includes(candidate.status) && !seen.has(candidate.runId))) {
        expect({ runId: run.runId, status: run.status, error: run.error }).toEqual({ runId: run.runId, status: 'succeeded', error: undefined });
        seen.add(run.runId);
        for (const instance of services.instances) samples.get(instance)!.push(residentMb(services.pid(instance)!));
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(RUNS);
    const report: Record<string, string> = {};
    for (const [instance, values] of samples) {
      const third = Math.max(1, Math.floor(values.length / 3));
      const first = values.slice(0, third).reduce((a, b) => a + b, 0) / third;
      const last = values.slice(-third).reduce((a, b) => a + b, 0) / third;
      report[instance] = `${first.toFixed(0)} MB -> ${last.toFixed(0)} MB`;
      // no growth trend: the last third of the samples stays within 20% (+20 MB for warm-up) of the first
      expect(last).toBeLessThanOrEqual(first * 1.2 + 20);
    }
    process.stdout.write(`soak memory (first third -> last third of ${RUNS} runs): ${JSON.stringify(report)}\n`);
  });
});
