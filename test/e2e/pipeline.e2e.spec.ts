import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { makeEnvelope, Topics, type RunSummary } from '@dataops/contracts';
import { createKafka, EventPublisher } from '@dataops/messaging';
import { adminConnection, createTestDatabase, dataopsHome, pgPassword, pgPort, repoRoot, secrets, tempDir, writeTestConfig } from '../support/stack';
import { samplePipelineYaml } from '../support/sample-pipeline';
import { ServiceProcesses } from '../support/services';
import { configuredSecrets, filesUnder, leaks, ProcessSampler, topicContents } from '../support/secret-audit';
import { jobsRootPath } from '@dataops/spark';

const run = promisify(execFile);
const id = randomBytes(3).toString('hex');
const pipeline = `e2e_${id}`;
const pgDaily = `${pipeline}_daily`;
const pgFacts = `${pipeline}_facts`;
const other = `${pipeline}_other`;
const token = () => readFileSync(join(secrets, 'api-token'), 'utf8').trim();
const post = (body = '{}') => ({ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token()}` }, body });


/** A second, small pipeline over the same source (its own lake folder): runs alongside the first. */
const otherYaml = `  ${other}:
    schedule: { cron: "0 4 * * *", timezone: UTC, overlap: queue, maxConcurrentRuns: 2 }
    source:
      connection: src
      name: ${other}
      tables: { include: [regions, products] }
`;

describe('the four services over real Kafka', () => {
  const processes = new ProcessSampler();
  let database: { name: string; drop: () => Promise<void> };
  let biDatabase: { name: string; drop: () => Promise<void> };
  let configFile: string;
  let services: ServiceProcesses;
  let pg: Client;
  let first: RunSummary;
  let earlyRunId: string;
  const root = tempDir('dataops-e2e');

  const dataops = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [join(repoRoot, 'bin', 'dataops'), ...args, '-c', configFile], {
        env: { ...process.env, DATAOPS_API: services.url('scheduler') },
        maxBuffer: 32 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  const api = async <T>(path: string, init?: RequestInit): Promise<T> => (await fetch(`${services.url('scheduler')}${path}`, init)).json() as Promise<T>;
  const sparkJobsOf = (runId: string) =>
    execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(runId) && /java|python/.test(line) && !line.includes('ps -eo'));
  const waitForHolder = async (runId: string, stage: string): Promise<string> => {
    for (let i = 0; i < 300; i += 1) {
      const response = await fetch(`${services.url('scheduler')}/runs/${runId}`);
      if (response.ok) {
        const { attempts } = (await response.json()) as { attempts: { stage: string; workStatus: string; owner: string | null }[] };
        const held = attempts.find((attempt) => attempt.stage === stage && attempt.workStatus === 'running' && attempt.owner);
        if (held) return held.owner!;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`no replica claimed ${stage} of ${runId}`);
  };
  const waitForRun = async (runId: string, until: (run: RunSummary) => boolean = (r) => ['succeeded', 'failed', 'skipped', 'cancelled'].includes(r.status)) => {
    for (let i = 0; i < 600; i += 1) {
      const response = await fetch(`${services.url('scheduler')}/runs/${runId}`);
      if (response.ok) {
        const { run: summary } = (await response.json()) as { run: RunSummary };
        if (until(summary)) return summary;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    throw new Error(`run ${runId} did not get there in time`);
  };

  beforeAll(async () => {
    processes.start();
    database = await createTestDatabase('dataops_test_e2e');
    biDatabase = await createTestDatabase('dataops_test_bi');
    await run('python3', [join(repoRoot, 'scripts/sample/retail_data.py'), 'load', '--scale', '0.01', '--database', database.name]);
    cpSync(join(repoRoot, 'examples/retail/models'), join(root, 'models'), { recursive: true });
    configFile = writeTestConfig({ root, sourceDatabase: database.name, biMysqlDatabase: biDatabase.name, pipeline, pipelineYaml: samplePipelineYaml(root, pipeline, { overlap: 'skip' }) });
    writeFileSync(configFile, `${readFileSync(configFile, 'utf8')}${otherYaml}`);
    const base = 18_000 + Math.floor(Math.random() * 400) * 20;
    // two replicas of every service, consumer groups no one has used before (a new deployment)
    // three stage slots per replica: 'runs two pipelines at the same time' ingests three runs at
    // once. The replica whose consumer records a work starts it at once if it has a free slot; the
    // other replica finds it at its next poll (2 s). With two slots the third run waited for one
    // of the first two to end (0.8 s), so whether two runs of a pipeline overlapped was a race
    services = new ServiceProcesses(
      {
        DATAOPS_CONFIG: configFile,
        DATAOPS_GROUP_PREFIX: `e2e-${id}-`,
        DATAOPS_SCHEDULER_TICK_MS: '3600000',
        DATAOPS_LEASE_MS: '10000',
        DATAOPS_STAGE_CONCURRENCY: '3',
        LOG_LEVEL: 'info',
      },
      { scheduler: base, ingest: base + 1, transform: base + 2, export: base + 3 },
      root,
      2,
    );
    // the trigger goes out before any service (and so any consumer group) exists: it must not be lost
    earlyRunId = `${pipeline}-early-${id}`;
    const publisher = new EventPublisher(createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'e2e' }));
    await publisher.publish(makeEnvelope(Topics.runRequested, { trigger: 'external', logicalDate: '2026-11-27', fullRefresh: false }, { runId: earlyRunId, pipeline, producer: 'e2e' }));
    await publisher.disconnect();
    await services.startAll();
    pg = new Client({ host: '127.0.0.1', port: pgPort, database: 'bi', user: 'dataops', password: pgPassword() });
    await pg.connect();
  });

  afterAll(async () => {
    await services?.stopAll();
    await pg?.query(`DROP TABLE IF EXISTS public.${pgDaily}, public.${pgFacts}`).catch(() => undefined);
    await pg?.end();
    await database?.drop();
    await biDatabase?.drop();
  });

  it('runs a trigger published before the services and their consumer groups existed', async () => {
    const summary = await waitForRun(earlyRunId);
    expect(summary.status).toBe('succeeded');
    const { attempts } = await api<{ attempts: { stage: string; logPath: string | null }[] }>(`/runs/${earlyRunId}`);
    // each job's own output is kept: the arrow ingest engine's progress lines, the kept Spark driver's lines for this transform
    // (Spark's own start-up log is in the driver's log, written once before the first job, not in each job's)
    const logOf = (stage: string) => attempts.find((attempt) => attempt.stage === stage)?.logPath;
    expect(readFileSync(logOf('ingest')!, 'utf8')).toMatch(/DATAOPS_PROGRESS \{"table": "orders"/);
    expect(readFileSync(logOf('transform')!, 'utf8')).toMatch(/DATAOPS_PROGRESS \{"model": "orders_clean", "phase": "written", "rows": \d+\}/);
    const log = readFileSync(join(root, 'ingest.log'), 'utf8') + readFileSync(join(root, 'ingest-2.log'), 'utf8');
    // every stage says what it did, with the run id, at info
    expect(log).toMatch(new RegExp(`"runId":"${earlyRunId}".*"msg":"ingest orders: \\d+ rows"|"msg":"ingest orders: \\d+ rows".*"runId":"${earlyRunId}"`));
    expect(log).toMatch(new RegExp(`"msg":"ingest succeeded in [\\d.]+ s"`));
  });

  it('runs a triggered pipeline through every stage and lands it in PostgreSQL, MariaDB and SFTP', async () => {
    const result = await dataops('trigger', pipeline, '--wait', '--json');
    expect(result.code).toBe(0);
    // --json prints JSON lines: the progress samples, then the run summary
    first = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as RunSummary;
    expect(first.status).toBe('succeeded');
    expect(Object.values(first.stages).map((stage) => stage?.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const source = await adminConnection(database.name);
    const [items] = await source.query('SELECT COUNT(*) AS n FROM order_items');
    await source.end();
    const bi = await adminConnection(biDatabase.name);
    const [mysqlDaily] = await bi.query('SELECT COUNT(*) AS n, SUM(revenue) AS revenue FROM daily_sales_by_region');
    await bi.end();
    const facts = await pg.query(`SELECT count(*)::int AS n FROM public.${pgFacts}`);
    const daily = await pg.query(`SELECT count(*)::int AS n, sum(revenue)::text AS revenue FROM public.${pgDaily}`);
    expect(facts.rows[0].n).toBe(Number((items as { n: string }[])[0].n));
    expect(daily.rows[0]).toEqual({ n: Number((mysqlDaily as { n: string }[])[0].n), revenue: (mysqlDaily as { revenue: string }[])[0].revenue });
    const sftp = first.stages.export!.targets.find((target) => target.type === 'sftp')!;
    const manifest = JSON.parse(readFileSync(join(process.env.DATAOPS_SFTP_ROOT!, sftp.files.at(-1)!), 'utf8'));
    expect(manifest).toMatchObject({ runId: first.runId, rows: daily.rows[0].n });
  });

  it('treats a trigger sent twice with the same run id as one run', async () => {
    const publisher = new EventPublisher(createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'e2e' }));
    await publisher.publish(makeEnvelope(Topics.runRequested, { trigger: 'external', logicalDate: first.logicalDate!, fullRefresh: false }, { runId: first.runId, pipeline, producer: 'e2e' }));
    await publisher.disconnect();
    for (let i = 0; i < 30; i += 1) {
      const { decisions } = await api<{ decisions: { decision: string }[] }>(`/runs/${first.runId}`);
      if (decisions.length > 1) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const details = await api<{ run: RunSummary; decisions: { decision: string }[] }>(`/runs/${first.runId}`);
    expect(details.decisions.map((decision) => decision.decision)).toEqual(['admit', 'duplicate']);
    expect(details.run.status).toBe('succeeded');
    const runs = await api<RunSummary[]>(`/runs?pipeline=${pipeline}`);
    expect(runs.filter((summary) => summary.runId === first.runId)).toHaveLength(1);
  });

  it('produces with `dataops run` (in process, no Kafka) the same outputs as the services', async () => {
    const before = await pg.query(`SELECT * FROM public.${pgDaily} ORDER BY order_date, region_id`);
    const result = await dataops('run', pipeline, '--json', '--full-refresh');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as RunSummary;
    expect(summary.stages.transform!.models.map((m) => [m.name, m.rows])).toEqual(first.stages.transform!.models.map((m) => [m.name, m.rows]));
    // one progress line per table, model and target: never twice
    for (const [stage, names] of [
      ['ingest', summary.stages.ingest!.tables.map((t) => t.table)],
      ['transform', summary.stages.transform!.models.map((m) => m.name)],
      ['export', summary.stages.export!.targets.map((t) => t.name)],
    ] as const) {
      for (const name of names) expect(result.stderr.split('\n').filter((line) => line.trim().startsWith(`${stage} ${name}:`))).toHaveLength(1);
    }
    const after = await pg.query(`SELECT * FROM public.${pgDaily} ORDER BY order_date, region_id`);
    expect(after.rows).toEqual(before.rows);
  });

  it('keeps the ledger when the scheduler is killed mid-run, and the run completes', async () => {
    const { runId } = await api<{ runId: string }>(`/pipelines/${pipeline}/runs`, post());
    await waitForRun(runId, (summary) => summary.stages.ingest?.status === 'running' || summary.status !== 'running');
    await services.killAll('scheduler', 'SIGKILL');
    await services.startAllOf('scheduler');
    const summary = await waitForRun(runId);
    expect(summary.status).toBe('succeeded');
  });

  it('retries a failed run from its failed stage', async () => {
    // a BI table whose column cannot take the model's values makes export fail before any data moves
    await pg.query(`DROP TABLE IF EXISTS public.${pgDaily}`);
    await pg.query(`CREATE TABLE public.${pgDaily} (order_date date, region_id integer, region_name text, orders bigint, items bigint, revenue date)`);
    const { runId } = await api<{ runId: string }>(`/pipelines/${pipeline}/runs`, post());
    const failed = await waitForRun(runId);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ stage: 'export', errorClass: 'terminal' });
    expect(failed.error!.message).toMatch(/revenue is decimal\(20,2\) but public\.e2e_\w+\.revenue is date/);
    await pg.query(`DROP TABLE public.${pgDaily}`);
    const retried = await dataops('retry', runId);
    expect(retried.code).toBe(0);
    const summary = await waitForRun(runId, (r) => r.status === 'succeeded');
    expect(summary.stages.export!.status).toBe('succeeded');
    const details = await api<{ attempts: { stage: string; attempt: number; status: string }[] }>(`/runs/${runId}`);
    expect(details.attempts.filter((a) => a.stage === 'export').map((a) => [a.attempt, a.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect((await pg.query(`SELECT count(*)::int AS n FROM public.${pgDaily}`)).rows[0].n).toBeGreaterThan(0);
  });

  it('skips a trigger that arrives while a run of the pipeline is active, and records why', async () => {
    const trigger = () => api<{ runId: string }>(`/pipelines/${pipeline}/runs`, post());
    const active = await trigger();
    await waitForRun(active.runId, (summary) => summary.status === 'running');
    const overlapping = await trigger();
    const skipped = await waitForRun(overlapping.runId, (summary) => summary.status !== 'queued');
    expect(skipped.status).toBe('skipped');
    const { decisions } = await api<{ decisions: { decision: string; reason: string }[] }>(`/runs/${overlapping.runId}`);
    expect(decisions).toEqual([expect.objectContaining({ decision: 'skip', reason: expect.stringMatching(/1 run\(s\) of the pipeline active .*skipped by the overlap policy/) })]);
    expect((await waitForRun(active.runId)).status).toBe('succeeded');
  });

  it('lets any command be piped into head: no EPIPE error when the reader goes away', async () => {
    // 20000 lines: far more than a pipe holds, so the writer is still writing when head exits
    const piped = await run('bash', ['-o', 'pipefail', '-c', `node ${join(repoRoot, 'bin', 'dataops')} schedule ${pipeline} --next 20000 -c ${configFile} | head -1`]);
    expect(piped.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(piped.stderr).toBe('');
  });

  it('refuses a mutating API call without the bearer token, and nothing happens', async () => {
    const before = (await api<RunSummary[]>(`/runs?pipeline=${pipeline}`)).length;
    const response = await fetch(`${services.url('scheduler')}/pipelines/${pipeline}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(401);
    const cancel = await fetch(`${services.url('scheduler')}/runs/${first.runId}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-token-wrong-token' }, body: '{}' });
    expect(cancel.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await api<RunSummary[]>(`/runs?pipeline=${pipeline}`)).length).toBe(before);
  });

  it('runs two pipelines at the same time, and two runs of a pipeline with maxConcurrentRuns 2', async () => {
    const a = await api<{ runId: string }>(`/pipelines/${pipeline}/runs`, post());
    const b = await api<{ runId: string }>(`/pipelines/${other}/runs`, post());
    const c = await api<{ runId: string }>(`/pipelines/${other}/runs`, post(JSON.stringify({ logicalDate: '2026-11-01' })));
    const [ra, rb, rc] = await Promise.all([waitForRun(a.runId), waitForRun(b.runId), waitForRun(c.runId)]);
    expect([ra.status, rb.status, rc.status]).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const span = (run: RunSummary) => [Date.parse(run.stages.ingest!.startedAt!), Date.parse(run.stages.ingest!.finishedAt!)];
    const overlaps = (x: RunSummary, y: RunSummary) => span(x)[0] < span(y)[1] && span(y)[0] < span(x)[1];
    // ingest of the other pipeline ran while this pipeline's ingest ran: neither waited on the other's partition
    expect(overlaps(ra, rb) || overlaps(ra, rc)).toBe(true);
    expect(overlaps(rb, rc)).toBe(true);
  });

  it('cancels a running run: its job stops, nothing it wrote is published, and the next trigger runs', async () => {
    // overlap skip: a run of an earlier test still going would make this trigger skipped
    for (let i = 0; i < 300; i += 1) {
      const active = (await api<RunSummary[]>(`/runs?pipeline=${pipeline}`)).filter((summary) => summary.status === 'running' || summary.status === 'queued');
      if (active.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const { runId } = await api<{ runId: string }>(`/pipelines/${pipeline}/runs`, post());
    // the transform's Spark job is the long window (the arrow ingest reads the sample in a second)
    await waitForHolder(runId, 'transform');
    const cancelled = await dataops('cancel', runId, '--reason', 'e2e test');
    expect({ code: cancelled.code, stderr: cancelled.stderr }).toEqual({ code: 0, stderr: '' });
    const summary = await waitForRun(runId);
    expect(summary.status).toBe('cancelled');
    expect(summary.error?.message).toMatch(/cancelled by .*e2e test/);
    const again = await dataops('cancel', runId);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already cancelled/);
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    // nothing of the cancelled transform was published, and no job of the run is left running
    expect(existsSync(join(root, 'warehouse', '_runs', pipeline, `${runId}.json`))).toBe(false);
    for (const model of ['orders_clean', 'order_facts', 'daily_sales_by_region']) expect(readlinkSync(join(root, 'warehouse', model))).not.toContain(runId);
    expect(summary.stages.export?.status ?? 'pending').not.toBe('succeeded');
    expect(sparkJobsOf(runId)).toEqual([]);
    const next = await api<{ runId: string }>(`/pipelines/${pipeline}/runs`, post());
    expect((await waitForRun(next.runId)).status).toBe('succeeded');
  });

  it('lets another replica finish a stage whose service was killed -9 mid-work, leaving no orphan job', async () => {
    const { runId } = await api<{ runId: string }>(`/pipelines/${pipeline}/runs`, post(JSON.stringify({ fullRefresh: true })));
    const holder = await waitForHolder(runId, 'ingest');
    const killed = holder.endsWith(`:${services.pid('ingest')}`) ? 'ingest' : 'ingest#2';
    await services.kill(killed, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(sparkJobsOf(runId).filter((line) => line.includes('ingest'))).toEqual([]);
    const summary = await waitForRun(runId);
    expect(summary.status).toBe('succeeded');
    const { attempts } = await api<{ attempts: { stage: string; tries: number; owner: string }[] }>(`/runs/${runId}`);
    expect(attempts.find((attempt) => attempt.stage === 'ingest')).toMatchObject({ tries: 2 });
    await services.start(killed);
  });

  it('stops a service cleanly on SIGTERM (exit code 0)', async () => {
    expect(await services.kill('export', 'SIGTERM')).toBe(0);
    await services.start('export');
  });

  it('leaves no secret in any log, event, metric, argv, job file, lake, warehouse or SFTP file', async () => {
    const secretValues = configuredSecrets(secrets);
    // the passwords of the source, BI, control database and Kafka, the API token, the SFTP and client keys
    expect(secretValues.length).toBeGreaterThanOrEqual(6);
    const metrics = await Promise.all(services.instances.map(async (instance) => ({ where: `${instance} /metrics`, bytes: await (await fetch(`${services.url(instance)}/metrics`)).text() })));
    const jobLogs = readdirSync(join(dataopsHome, 'logs', 'jobs')).filter((run) => run.startsWith(pipeline));
    const places = [
      { where: 'ps during the whole suite', bytes: processes.stop() },
      { where: 'every dataops.* topic', bytes: await topicContents((process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')) },
      ...metrics,
      ...filesUnder(root).map((file) => ({ where: file.path, bytes: file.bytes })),
      ...jobLogs.flatMap((run) => filesUnder(join(dataopsHome, 'logs', 'jobs', run))).map((file) => ({ where: file.path, bytes: file.bytes })),
      ...filesUnder(jobsRootPath()).map((file) => ({ where: file.path, bytes: file.bytes })),
      ...filesUnder(join(process.env.DATAOPS_SFTP_ROOT!, 'upload', pipeline)).map((file) => ({ where: file.path, bytes: file.bytes })),
    ];
    expect(places.length).toBeGreaterThan(20);
    expect(leaks(secretValues, places)).toEqual([]);
    // and the check can see a leak: the token planted in a copy of a log is found
    expect(leaks(secretValues, [{ where: 'planted', bytes: `a line with ${token()} in it` }])).toEqual(['planted: api-token']);
  });

  it('serves Prometheus metrics with the stage families', async () => {
    // every replica: the one that ran the stages may have been restarted by an earlier test
    const text = (await Promise.all((['ingest', 'ingest#2'] as const).map(async (replica) => (await fetch(`${services.url(replica)}/metrics`)).text()))).join('\n');
    expect(text).toMatch(new RegExp(`dataops_rows_total\\{[^}]*pipeline="${pipeline}"[^}]*stage="ingest"`));
    expect(text).toMatch(/dataops_stage_duration_seconds_bucket/);
    expect(existsSync(configFile)).toBe(true);
  });
});
