import { spawnSync } from 'node:child_process';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { Metrics, STAGE_DURATION_BUCKETS } from './metrics';

// promtool comes from Debian's `prometheus` package (scripts/stack up installs it). The
// end-to-end test (test/e2e/metrics.e2e.spec.ts) runs the same check on the running services.
function checkMetrics(text: string): { status: number; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error) throw new Error(`promtool could not run (${result.error.message}); install it with scripts/stack up (Debian package prometheus)`);
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

/** The value of the series with exactly these labels (in any order), or undefined. */
function valueOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const match of text.matchAll(/^(\w+)\{([^}]*)\} (\S+)$/gm)) {
    if (match[1] !== name) continue;
    const found = Object.fromEntries([...match[2].matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (JSON.stringify(Object.entries(found).sort()) === JSON.stringify(Object.entries(labels).sort())) return Number(match[3]);
  }
  return undefined;
}

/** Every family with a series, as a service that has run a pipeline exposes them. */
async function filled(): Promise<string> {
  const metrics = new Metrics('dataops-test');
  metrics.initialize(['retail']);
  metrics.initialize(['retail'], 'ingest');
  metrics.runs.inc({ pipeline: 'retail', status: 'succeeded' });
  metrics.stageDuration.observe({ pipeline: 'retail', stage: 'ingest', status: 'succeeded' }, 420);
  metrics.rows.inc({ pipeline: 'retail', stage: 'ingest', table: 'orders' }, 1000);
  metrics.bytes.inc({ pipeline: 'retail', stage: 'ingest', table: 'orders' }, 65536);
  metrics.files.inc({ pipeline: 'retail', stage: 'export', target: 'sftp_daily' }, 2);
  metrics.failures.inc({ pipeline: 'retail', stage: 'ingest', reason: 'transient' });
  metrics.lastSuccess.set({ pipeline: 'retail' }, 1_790_000_000);
  metrics.checks.inc({ pipeline: 'retail', check: 'unique_orders', status: 'pass' });
  metrics.consumerLag.set({ group: 'dataops-ingest', topic: 'dataops.run.admitted', partition: '0' }, 0);
  metrics.deadLetters.inc({ topic: 'dataops.run.requested', group: 'dataops-scheduler-admission' });
  metrics.schedulePeriod.set({ pipeline: 'retail' }, 86400);
  return metrics.registry.metrics();
}

describe('Metrics (libs/observability)', () => {
  it('passes promtool check metrics with every family filled and the Node defaults', async () => {
    const text = await filled();
    expect(text).toContain('dataops_process_cpu_seconds_total');
    expect(text).toContain('dataops_nodejs_active_handles');
    const { status, output } = checkMetrics(text);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('would notice what promtool rejects: prom-client defaults as they come (gauges named *_total)', async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'dataops_' });
    const { status, output } = checkMetrics(await registry.metrics());
    expect(output).toMatch(/non-counter metrics should not have "_total" suffix/);
    expect(status).not.toBe(0);
  });

  it('names counters *_total, and nothing else', async () => {
    const types = [...(await filled()).matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [match[1], match[2]] as const);
    expect(types.length).toBeGreaterThan(20);
    for (const [name, type] of types) expect({ name, total: name.endsWith('_total') }).toEqual({ name, total: type === 'counter' });
    for (const [name] of types) expect(name).toMatch(/^dataops_/);
  });

  it('has stage-duration buckets for minutes-long stages: several between 1 and 30 minutes, up to hours', async () => {
    const between = STAGE_DURATION_BUCKETS.filter((bound) => bound >= 60 && bound <= 1800);
    expect(between.length).toBeGreaterThanOrEqual(8);
    // adjacent bounds at most 1.6x apart there: a p90 is off by less than that
    for (let index = 1; index < between.length; index += 1) expect(between[index] / between[index - 1]).toBeLessThanOrEqual(1.6);
    expect(Math.max(...STAGE_DURATION_BUCKETS)).toBeGreaterThanOrEqual(4 * 3600);
    const text = await filled();
    const labels = { pipeline: 'retail', stage: 'ingest', status: 'succeeded', service: 'dataops-test' };
    // the one 420 s observation: in every bucket from 450 s up
    for (const bound of STAGE_DURATION_BUCKETS) expect([bound, valueOf(text, 'dataops_stage_duration_seconds_bucket', { ...labels, le: String(bound) })]).toEqual([bound, bound >= 420 ? 1 : 0]);
  });

  it('gives a pipeline its zero series before the first event, so increase() counts the first run', async () => {
    const metrics = new Metrics('dataops-test');
    metrics.initialize(['retail', 'crm']);
    metrics.initialize(['retail'], 'export');
    const text = await metrics.registry.metrics();
    const service = 'dataops-test';
    for (const status of ['succeeded', 'failed', 'cancelled', 'skipped']) expect(valueOf(text, 'dataops_runs_total', { pipeline: 'crm', status, service })).toBe(0);
    expect(valueOf(text, 'dataops_runs_running', { pipeline: 'crm', service })).toBe(0);
    expect(valueOf(text, 'dataops_oldest_running_run_age_seconds', { pipeline: 'crm', service })).toBe(0);
    for (const status of ['succeeded', 'failed']) expect(valueOf(text, 'dataops_stage_duration_seconds_count', { pipeline: 'retail', stage: 'export', status, service })).toBe(0);
    for (const reason of ['transient', 'terminal']) expect(valueOf(text, 'dataops_stage_failures_total', { pipeline: 'retail', stage: 'export', reason, service })).toBe(0);
    expect(valueOf(text, 'dataops_stage_work_running', { stage: 'export', service })).toBe(0);
  });
});
