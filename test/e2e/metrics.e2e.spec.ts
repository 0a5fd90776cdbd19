import { execFile } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { RunSummary } from '@dataops/contracts';
import { allQueries, expandPromQL } from '../deploy/grafana-queries';
import { checkMetrics, freePort, localPrometheusConfig, PrivatePrometheus } from '../support/prometheus';
import { samplePipelineYaml } from '../support/sample-pipeline';
import { serviceNames, ServiceProcesses, type ServiceName } from '../support/services';
import { createTestDatabase, pgPassword, pgPort, repoRoot, secrets, tempDir, writeTestConfig } from '../support/stack';

// Issue 13's observability checks against the real thing, kept short: one replica of each
// service, a real Prometheus (Debian's package, started by scripts/stack.d/80-prometheus.sh's
// start_prometheus with deploy/prometheus/prometheus-local.yml pointed at this test's ports)
// scraping them every 2 s during one run of the sample pipeline. Then: each service's /metrics
// passes `promtool check metrics` as it is; Prometheus' HTTP API answers what an operator asks
// (rows exported, last success, stage duration histograms); every PromQL expression of the Grafana
// dashboards parses and returns series wherever the run produced them.
// the setup holds the whole run (a Spark job per stage): more than the default 10 minutes on 2 cores
jest.setTimeout(900_000);
const run = promisify(execFile);
const id = randomBytes(3).toString('hex');
const pipeline = `metrics_${id}`;
const token = () => readFileSync(join(secrets, 'api-token'), 'utf8').trim();

/** Dashboard queries that may rightly be empty after one clean run, and why. */
const mayBeEmpty: Record<string, string> = {
  'panel "Failures by reason (time range)" A': 'keeps only reasons with failures (> 0); the run had none',
  'panel "Dead letters (time range)" A': 'no message was dead-lettered',
  'panel "Firing DataOps alerts" A': 'no alert fires while every service is up and the pipeline fresh',
};

describe('metrics of the running services, scraped by a real Prometheus during a pipeline run', () => {
  const root = tempDir('dataops-e2e-metrics');
  let database: { name: string; drop: () => Promise<void> };
  let biDatabase: { name: string; drop: () => Promise<void> };
  let services: ServiceProcesses;
  let prometheus: PrivatePrometheus;
  let summary: RunSummary;
  const scrapes = new Map<ServiceName, string>();

  beforeAll(async () => {
    database = await createTestDatabase('dataops_test_metrics');
    biDatabase = await createTestDatabase('dataops_test_bi');
    await run('python3', [join(repoRoot, 'scripts/sample/retail_data.py'), 'load', '--scale', '0.01', '--database', database.name]);
    cpSync(join(repoRoot, 'examples/retail/models'), join(root, 'models'), { recursive: true });
    const configFile = writeTestConfig({ root, sourceDatabase: database.name, biMysqlDatabase: biDatabase.name, pipeline, pipelineYaml: samplePipelineYaml(root, pipeline, { overlap: 'skip' }) });
    const [scheduler, ingest, transform, exporter, prometheusPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    services = new ServiceProcesses(
      { DATAOPS_CONFIG: configFile, DATAOPS_GROUP_PREFIX: `e2e-metrics-${id}-`, DATAOPS_SCHEDULER_TICK_MS: '3600000', LOG_LEVEL: 'info' },
      { scheduler, ingest, transform, export: exporter },
      root,
      1,
    );
    await services.startAll();
    prometheus = new PrivatePrometheus(join(root, 'prometheus-home'), prometheusPort);
    const urls = Object.fromEntries(serviceNames.map((name) => [name, services.url(name)])) as Record<ServiceName, string>;
    prometheus.start(localPrometheusConfig(root, urls));
    // every target scraped once before the run starts
    await prometheus.waitFor('up{service=~"dataops-.+"} == 1', (series) => series.length === 4);

    const response = await fetch(`${services.url('scheduler')}/pipelines/${pipeline}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token()}` },
      body: '{}',
    });
    const { runId } = (await response.json()) as { runId: string };
    for (let i = 0; i < 600 && !summary; i += 1) {
      const details = await fetch(`${services.url('scheduler')}/runs/${runId}`);
      if (details.ok) {
        const { run: current } = (await details.json()) as { run: RunSummary };
        if (['succeeded', 'failed', 'skipped', 'cancelled'].includes(current.status)) summary = current;
      }
      if (!summary) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    if (!summary) throw new Error(`run ${runId} did not finish in 10 minutes; logs in ${root}`);
    // the run's end scraped, then two more scrapes (every 2 s) so increase() has samples after it
    await prometheus.waitFor(`dataops_runs_total{pipeline="${pipeline}",status="${summary.status}"} == 1`, (series) => series.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    for (const name of serviceNames) scrapes.set(name, await (await fetch(`${services.url(name)}/metrics`)).text());
  });

  afterAll(async () => {
    try {
      prometheus?.stop();
    } finally {
      await services?.stopAll();
      const pg = new Client({ host: '127.0.0.1', port: pgPort, database: 'bi', user: 'dataops', password: pgPassword() });
      await pg.connect();
      await pg.query(`DROP TABLE IF EXISTS public.${pipeline}_daily, public.${pipeline}_facts`).catch(() => undefined);
      await pg.end();
      await database?.drop();
      await biDatabase?.drop();
    }
  });

  it('ran the sample pipeline through every stage', () => {
    expect(summary.status).toBe('succeeded');
    expect(Object.values(summary.stages).map((stage) => stage?.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it.each(serviceNames)('%s: /metrics passes promtool check metrics as it is', (name) => {
    const text = scrapes.get(name)!;
    expect(text).toContain(`service="dataops-${name}"`);
    const { status, output } = checkMetrics(text);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('never uses a run id as a label value', () => {
    for (const [name, text] of scrapes) expect({ name, runId: text.includes(summary.runId) }).toEqual({ name, runId: false });
  });

  it('has every service up in Prometheus, with the alert rules loaded', async () => {
    const up = await prometheus.series('up{service=~"dataops-.+"}');
    expect(Object.fromEntries(up.map((series) => [series.metric.service, series.value]))).toEqual({
      'dataops-scheduler': 1,
      'dataops-ingest': 1,
      'dataops-transform': 1,
      'dataops-export': 1,
    });
    const rules = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as { data: { groups: { rules: { health: string }[] }[] } };
    const loaded = rules.data.groups.flatMap((group) => group.rules);
    expect(loaded.length).toBe(7);
    expect(loaded.filter((rule) => rule.health === 'err')).toEqual([]);
  });

  it('answers rows exported per target and rows ingested per table for the run, as the run summary says', async () => {
    const byLabel = async (expr: string, label: string) => Object.fromEntries((await prometheus.series(expr)).map((series) => [series.metric[label], series.value]));
    const sumBy = (items: { name: string; rows: number }[]) => items.reduce<Record<string, number>>((sums, item) => ({ ...sums, [item.name]: (sums[item.name] ?? 0) + item.rows }), {});
    const exported = sumBy(summary.stages.export!.targets.map((target) => ({ name: target.name, rows: target.rows })));
    expect(Object.values(exported).every((rows) => rows > 0)).toBe(true);
    expect(await byLabel(`sum by (table) (dataops_rows_total{pipeline="${pipeline}",stage="export"})`, 'table')).toEqual(exported);
    const ingested = sumBy(summary.stages.ingest!.tables.map((table) => ({ name: table.table, rows: table.rows })));
    expect(await byLabel(`sum by (table) (dataops_rows_total{pipeline="${pipeline}",stage="ingest"})`, 'table')).toEqual(ingested);
    const bytes = await byLabel(`sum by (table) (dataops_bytes_total{pipeline="${pipeline}",stage="ingest"})`, 'table');
    expect(Object.keys(bytes).sort()).toEqual(Object.keys(ingested).sort());
    // how each table was read: its slices, as the ingest summary says
    const slices = Object.fromEntries(summary.stages.ingest!.tables.map((table) => [table.table, table.slices]));
    expect(Object.values(slices).every((count) => typeof count === 'number' && count >= 1)).toBe(true);
    expect(await byLabel(`dataops_ingest_slices{pipeline="${pipeline}"}`, 'table')).toEqual(slices);
    // the first run counts in increase(): its series existed at zero before it
    const [increase] = await prometheus.series(`sum(increase(dataops_runs_total{pipeline="${pipeline}",status="succeeded"}[10m]))`);
    expect(increase.value).toBeGreaterThan(0);
  });

  it('answers the last success timestamp of the pipeline: the run end', async () => {
    const [last] = await prometheus.series(`dataops_last_success_timestamp_seconds{pipeline="${pipeline}"}`);
    expect(last.metric.service).toBe('dataops-scheduler');
    expect(Math.abs(last.value - Date.parse(summary.finishedAt!) / 1000)).toBeLessThan(1);
    const [age] = await prometheus.series(`time() - max by (pipeline) (dataops_last_success_timestamp_seconds{pipeline="${pipeline}"})`);
    expect(age.value).toBeGreaterThan(0);
    expect(age.value).toBeLessThan(120);
  });

  it('answers one observation per stage in the duration histograms, in a bucket that fits its duration', async () => {
    const counts = await prometheus.series(`sum by (stage) (dataops_stage_duration_seconds_count{pipeline="${pipeline}",status="succeeded"})`);
    expect(Object.fromEntries(counts.map((series) => [series.metric.stage, series.value]))).toEqual({ ingest: 1, transform: 1, export: 1 });
    const failed = await prometheus.series(`sum by (stage) (dataops_stage_duration_seconds_count{pipeline="${pipeline}",status="failed"})`);
    expect(Object.fromEntries(failed.map((series) => [series.metric.stage, series.value]))).toEqual({ ingest: 0, transform: 0, export: 0 });
    const infinity = await prometheus.series(`sum by (stage) (dataops_stage_duration_seconds_bucket{pipeline="${pipeline}",status="succeeded",le="+Inf"})`);
    expect(infinity.map((series) => series.value)).toEqual([1, 1, 1]);
    const runSeconds = (Date.parse(summary.finishedAt!) - Date.parse(summary.startedAt!)) / 1000;
    for (const stage of ['ingest', 'transform', 'export']) {
      const [sum] = await prometheus.series(`sum(dataops_stage_duration_seconds_sum{pipeline="${pipeline}",stage="${stage}",status="succeeded"})`);
      expect(sum.value).toBeGreaterThan(0);
      expect(sum.value).toBeLessThanOrEqual(runSeconds + 1);
      // the observation is in every bucket at or above its duration and in none below
      const buckets = await prometheus.series(`dataops_stage_duration_seconds_bucket{pipeline="${pipeline}",stage="${stage}",status="succeeded"}`);
      const bound = (le: string) => (le === '+Inf' ? Infinity : Number(le));
      expect(buckets.length).toBeGreaterThan(10);
      for (const bucket of buckets) expect([bucket.metric.le, bucket.value]).toEqual([bucket.metric.le, bound(bucket.metric.le) >= sum.value ? 1 : 0]);
    }
  });

  const promQueries = allQueries().filter((query) => query.datasource.type === 'prometheus');
  it('has dashboard PromQL to check', () => {
    expect(promQueries.length).toBeGreaterThan(15);
    for (const where of Object.keys(mayBeEmpty)) expect(promQueries.map((query) => query.where)).toContain(where);
  });

  it.each(promQueries.map((query) => [`${query.dashboard} ${query.where}`, query] as const))('%s: Prometheus evaluates it, with series from the run', async (_name, query) => {
    const result = await prometheus.query(expandPromQL(query.text, { pipeline }));
    expect(result.error ?? '').toBe('');
    expect(result.status).toBe('success');
    if (!mayBeEmpty[query.where]) expect(result.data?.result.length).toBeGreaterThan(0);
  });

  it('would notice a broken expression (Prometheus rejects it)', async () => {
    const result = await prometheus.query('sum by (pipeline) (rate(dataops_runs_total[5m])');
    expect(result.status).toBe('error');
  });
});
