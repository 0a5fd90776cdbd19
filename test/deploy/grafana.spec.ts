import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { allPanels, allQueries, dashboardFiles, datasources, expandPromQL, grafanaDir, readDashboard } from './grafana-queries';
import { exposedMetrics, metricNames } from './metric-names';

// The dashboards' PromQL is checked by promtool (Debian package prometheus): every expression
// becomes a recording rule of a generated rule file, which `promtool check rules` parses with
// Prometheus's own parser. A missing promtool fails the test. The end-to-end test
// (test/e2e/metrics.e2e.spec.ts) also runs them against a real Prometheus scraping the services
// during a pipeline run; the integration test (grafana.int.spec.ts) runs the SQL against PostgreSQL.
jest.setTimeout(60_000);

const queries = allQueries();
const promQueries = queries.filter((query) => query.datasource.type === 'prometheus');
const sqlQueries = queries.filter((query) => query.datasource.type === 'grafana-postgresql-datasource');

function checkRules(expressions: string[]): { status: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dataops-dashboards-'));
  try {
    const file = join(dir, 'dashboards.rules.yml');
    const rules = expressions.map((expr, index) => ({ record: `dashboard:expr_${index}`, expr }));
    writeFileSync(file, stringify({ groups: [{ name: 'dashboards', rules }] }));
    const result = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    if (result.error) throw new Error(`promtool could not run (${result.error.message}); install it with scripts/stack up (Debian package prometheus)`);
    return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Grafana dashboards', () => {
  it('are the operations and the sales dashboards', () => {
    expect(dashboardFiles).toEqual(['dataops-operations.json', 'dataops-sales.json']);
  });

  it.each(dashboardFiles)('%s has a uid, unique panel ids and a query in every panel', (file) => {
    const dashboard = readDashboard(file);
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    const panels = allPanels(dashboard);
    expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
    for (const panel of panels.filter((p) => p.type !== 'row')) expect({ title: panel.title, targets: (panel.targets ?? []).length > 0 }).toEqual({ title: panel.title, targets: true });
  });

  it('query only provisioned data sources, with the type they are provisioned with', () => {
    // allQueries() throws on an unknown uid or a type mismatch; both sources are used
    expect(new Set(queries.map((query) => query.datasource.uid))).toEqual(new Set(datasources.map((source) => source.uid)));
  });

  it('cover what an operator looks at', () => {
    const text = promQueries.map((query) => query.text).join('\n');
    for (const metric of [
      'dataops_runs_total',
      'dataops_stage_duration_seconds_bucket',
      'dataops_rows_total',
      'dataops_bytes_total',
      'dataops_stage_failures_total',
      'dataops_kafka_consumer_lag',
      'dataops_last_success_timestamp_seconds',
      'dataops_dead_letters_total',
      'dataops_oldest_running_run_age_seconds',
    ]) {
      expect(text).toContain(metric);
    }
    expect(sqlQueries.map((query) => query.text).join('\n')).toMatch(/region_name[\s\S]*order_date|order_date[\s\S]*region_name/);
  });

  it.each(promQueries.map((query) => [`${query.dashboard} ${query.where}`, query] as const))('%s reads only exposed metrics', (_where, query) => {
    for (const name of metricNames(expandPromQL(query.text))) expect([...exposedMetrics, 'up', 'ALERTS']).toContain(name);
  });

  it('has PromQL that Prometheus parses (promtool check rules on a rule per expression)', () => {
    const expressions = promQueries.map((query) => expandPromQL(query.text));
    expect(expressions.length).toBeGreaterThan(15);
    const { status, output } = checkRules(expressions);
    expect(output).toContain(`SUCCESS: ${expressions.length} rules found`);
    expect(status).toBe(0);
  });

  it('would notice a broken expression (the same check on a bad one fails)', () => {
    const { status, output } = checkRules(['sum by (pipeline) (rate(dataops_runs_total[5m])', 'dataops_runs_total']);
    expect(output).toMatch(/unclosed left parenthesis|parse error/);
    expect(status).not.toBe(0);
  });
});

describe('Grafana provisioning', () => {
  it('provisions Prometheus and the BI PostgreSQL, the password from a file', () => {
    const prometheus = datasources.find((source) => source.type === 'prometheus');
    const postgres = datasources.find((source) => source.type === 'grafana-postgresql-datasource');
    expect(prometheus?.url).toBe('http://prometheus:9090');
    expect(postgres?.url).toBe('postgres:5432');
    expect(postgres?.jsonData?.database).toBe('bi');
    expect(postgres?.secureJsonData?.password).toBe('$__file{/etc/grafana/secrets/bi-postgres.password}');
    // docker-compose.yml puts that file there: the credentials service copies the compose secret
    const compose = parse(readFileSync(join(grafanaDir, '..', '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { volumes: string[]; command: string[] }>;
    };
    expect(compose.services.grafana.volumes).toContain('grafana-credentials:/etc/grafana/secrets:ro');
    expect(compose.services.credentials.volumes).toContain('grafana-credentials:/etc/grafana/secrets');
    expect(compose.services.credentials.command.join(' ')).toContain('/etc/grafana/secrets/bi-postgres.password');
  });

  it('loads the dashboards from the folder docker-compose.yml mounts', () => {
    const provider = parse(readFileSync(join(grafanaDir, 'provisioning', 'dashboards', 'dataops.yaml'), 'utf8')) as { providers: { options: { path: string } }[] };
    const compose = parse(readFileSync(join(grafanaDir, '..', '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: { grafana: { volumes: string[] } } };
    expect(compose.services.grafana.volumes).toContain(`./deploy/grafana/dashboards:${provider.providers[0].options.path}:ro`);
    expect(compose.services.grafana.volumes).toContain('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro');
  });
});
