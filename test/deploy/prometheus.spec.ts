import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { STAGE_DURATION_BUCKETS } from '@dataops/observability';
import { exposedMetrics, metricNames } from './metric-names';

// promtool comes from Debian's `prometheus` package (scripts/stack up installs it through
// ensure_prometheus in scripts/stack.d/80-prometheus.sh). Nothing here is skipped when it is
// missing: the first test fails and says how to get it.
jest.setTimeout(60_000);

const root = join(__dirname, '..', '..');
const promDir = join(root, 'deploy', 'prometheus');
const testsDir = join(promDir, 'tests');
const testFiles = readdirSync(testsDir).filter((file) => file.endsWith('.test.yml')).sort();

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const alertRules: Rule[] = (parse(readFileSync(join(promDir, 'alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((group) => group.rules);

/** The alerts issue 13 asks for, by what they watch. */
const requiredAlerts = ['DataopsRunFailed', 'DataopsPipelineStale', 'DataopsStageSlow', 'DataopsConsumerLag', 'DataopsDeadLetters', 'DataopsRunStuck', 'DataopsServiceDown'];

function promtool(args: string[], cwd = root): { status: number; output: string } {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (result.error) throw new Error(`promtool could not run (${result.error.message}); install it with scripts/stack up (Debian package prometheus)`);
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

describe('promtool (Debian package prometheus)', () => {
  it('is installed', () => {
    expect(execFileSync('promtool', ['--version'], { encoding: 'utf8' })).toMatch(/promtool, version 2\./);
  });

  it.each(['prometheus.yml', 'prometheus-local.yml'])('accepts %s and the rule files it loads (promtool check config)', (file) => {
    const { status, output } = promtool(['check', 'config', join(promDir, file)]);
    expect(output).toContain('SUCCESS: 1 rule files found');
    expect(output).toContain(`SUCCESS: ${alertRules.length} rules found`);
    expect(status).toBe(0);
  });

  it('accepts alerts.yml (promtool check rules)', () => {
    const { status, output } = promtool(['check', 'rules', join(promDir, 'alerts.yml')]);
    expect(output).toContain(`SUCCESS: ${alertRules.length} rules found`);
    expect(status).toBe(0);
  });

  it.each(testFiles)('passes the rule unit tests of %s (promtool test rules)', (file) => {
    const { status, output } = promtool(['test', 'rules', join(testsDir, file)]);
    expect(output).toContain('SUCCESS');
    expect(output).not.toContain('FAILED');
    expect(status).toBe(0);
  });

  // the unit tests are worth something only if they notice a wrong rule: weaken each alert in a
  // copy of alerts.yml and expect promtool test rules to fail
  const mutations: [string, string, (text: string) => string][] = [
    ['a fixed 26 h staleness threshold', 'staleness.test.yml', (text) => text.replace(/\+ clamp\(max by \(pipeline\) \(dataops_schedule_period_seconds\) \* 0\.25, 1800, 10800\)/g, '* 0 + 26 * 3600')],
    ['no catch of a first failure', 'alerts.test.yml', (text) => text.replace('sum by (pipeline) (dataops_runs_total{status="failed"} unless dataops_runs_total{status="failed"} offset 1h) > 0', 'vector(0) > 1')],
    ['lag counted once per replica', 'alerts.test.yml', (text) => text.replace('sum by (group, topic) (max by (group, topic, partition) (dataops_kafka_consumer_lag)) > 0', 'sum by (group, topic) (dataops_kafka_consumer_lag) > 0')],
    ['no alert for a missing target', 'alerts.test.yml', (text) => text.replace(/\n\s+or absent\(up\{service="dataops-export"\}\)/, '')],
    ['a stage compared with itself', 'durations.test.yml', (text) => text.replace('> 2 * histogram_quantile', '> 200 * histogram_quantile')],
    ['a fixed stuck-run threshold', 'durations.test.yml', (text) => text.replace('3 * sum by (pipeline) (', '30 * sum by (pipeline) (')],
    ['dead letters ignored', 'alerts.test.yml', (text) => text.replace('sum by (topic, group) (increase(dataops_dead_letters_total[1h])) > 0', 'sum by (topic, group) (increase(dataops_dead_letters_total[1h])) > 5')],
  ];
  it.each(mutations)('fails its unit tests with %s (%s)', (_name, testFile, mutate) => {
    const original = readFileSync(join(promDir, 'alerts.yml'), 'utf8');
    const mutated = mutate(original);
    expect(mutated).not.toBe(original);
    const dir = mkdtempSync(join(tmpdir(), 'dataops-alerts-'));
    try {
      writeFileSync(join(dir, 'alerts.yml'), mutated);
      // the copy sits beside the mutated alerts.yml: rule_files ../alerts.yml -> ./alerts.yml
      const copy = join(dir, testFile);
      copyFileSync(join(testsDir, testFile), copy);
      writeFileSync(copy, readFileSync(copy, 'utf8').replace('- ../alerts.yml', '- alerts.yml'));
      expect(promtool(['check', 'rules', join(dir, 'alerts.yml')]).status).toBe(0);
      const { status, output } = promtool(['test', 'rules', copy]);
      expect(output).toContain('FAILED');
      expect(status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy/prometheus/alerts.yml', () => {
  const operations = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
  const anchors = new Set([...operations.matchAll(/^#+\s+(.+)$/gm)].map((match) => match[1].trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));

  it('has the alerts issue 13 asks for', () => {
    expect(alertRules.map((rule) => rule.alert)).toEqual(expect.arrayContaining(requiredAlerts));
  });

  it.each(alertRules.map((rule) => [rule.alert, rule] as const))('%s has a severity, a summary, a description and a runbook section in docs/operations.md', (name, rule) => {
    expect(['page', 'ticket']).toContain(rule.labels?.severity);
    expect(rule.annotations?.summary).toBeTruthy();
    expect(rule.annotations?.description).toBeTruthy();
    expect(rule.annotations?.runbook_url).toBe(`docs/operations.md#${String(name).toLowerCase()}`);
    expect(anchors).toContain(String(name).toLowerCase());
  });

  it.each(alertRules.map((rule) => [rule.alert, rule] as const))('%s reads only metrics the services expose', (_name, rule) => {
    for (const name of metricNames(rule.expr)) expect([...exposedMetrics, 'up']).toContain(name);
  });

  it('is unit-tested with the stage-duration buckets the services expose (libs/observability)', () => {
    const text = readFileSync(join(testsDir, 'durations.test.yml'), 'utf8');
    for (const stage of ['ingest', 'transform']) {
      const bounds = [...text.matchAll(new RegExp(`dataops_stage_duration_seconds_bucket\\{[^}]*stage="${stage}"[^}]*le="([^"]+)"`, 'g'))].map((match) => match[1]);
      expect(bounds).toEqual([...STAGE_DURATION_BUCKETS.map(String), '+Inf']);
    }
  });

  it('never fixes the staleness threshold: it comes from each schedule', () => {
    const stale = alertRules.find((rule) => rule.alert === 'DataopsPipelineStale');
    expect(stale?.expr).toContain('dataops_schedule_period_seconds');
    expect(stale?.expr).not.toMatch(/26\s*\*\s*3600/);
  });

  it('has, for every alert, a unit test where it fires and one where it does not', () => {
    const cases = testFiles.flatMap((file) => {
      const suite = parse(readFileSync(join(testsDir, file), 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] };
      return suite.tests.flatMap((test) => test.alert_rule_test ?? []);
    });
    for (const name of alertRules.map((rule) => rule.alert)) {
      expect({ name, fires: cases.some((c) => c.alertname === name && c.exp_alerts.length > 0) }).toEqual({ name, fires: true });
      expect({ name, quiet: cases.some((c) => c.alertname === name && c.exp_alerts.length === 0) }).toEqual({ name, quiet: true });
    }
  });
});
