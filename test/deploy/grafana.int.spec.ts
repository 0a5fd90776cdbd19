import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { allQueries, expandPromQL, expandSQL, root } from './grafana-queries';

// Every query of the Grafana dashboards against the real thing: the SQL panels against the local
// stack's PostgreSQL (database bi; a throwaway schema with known rows, and public when the
// pipeline has filled it), the PromQL against a private Prometheus (scripts/stack.d/80-prometheus.sh)
// scraping the local services with deploy/prometheus/prometheus-local.yml.
const queries = allQueries();
const sqlQueries = queries.filter((query) => query.datasource.type === 'grafana-postgresql-datasource');
const promQueries = queries.filter((query) => query.datasource.type === 'prometheus');

const expectedColumns = [
  ['order_date', 'date'],
  ['region_id', 'integer'],
  ['region_name', 'text'],
  ['orders', 'bigint'],
  ['items', 'bigint'],
  ['revenue', 'numeric'],
];

describe('SQL panels of the sales dashboard against PostgreSQL', () => {
  const client = new Client({
    host: process.env.DATAOPS_PG_HOST ?? '127.0.0.1',
    port: Number(process.env.DATAOPS_PG_PORT ?? 5432),
    database: 'bi',
    user: 'dataops',
    password: readFileSync(join(process.env.DATAOPS_SECRETS ?? join(root, '.dataops', 'secrets'), 'bi-postgres.password'), 'utf8').trim(),
  });
  const schema = `grafana_check_${process.pid}_${Date.now()}`;
  const from = new Date('2026-01-01T00:00:00Z');
  const to = new Date('2026-01-31T23:59:59Z');

  beforeAll(async () => {
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`CREATE TABLE ${schema}.daily_sales_by_region (order_date date, region_id int, region_name text, orders bigint, items bigint, revenue numeric(20,2))`);
    await client.query(
      `INSERT INTO ${schema}.daily_sales_by_region VALUES
        ('2026-01-10', 1, 'North', 10, 25, 1234.50), ('2026-01-10', 2, 'South', 4, 9, 310.00),
        ('2026-01-11', 1, 'North', 12, 30, 1500.00), ('2026-01-11', 2, 'South', 0, 0, 0),
        ('2025-12-31', 1, 'North', 99, 99, 99999.99)`,
    );
  });

  afterAll(async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await client.end();
  });

  it('has SQL to check', () => {
    expect(sqlQueries.length).toBeGreaterThanOrEqual(6);
  });

  it.each(sqlQueries.map((query) => [query.where, query] as const))('%s runs and returns the rows of the time range', async (_where, query) => {
    await client.query(`SET search_path TO ${schema}`);
    const result = await client.query(expandSQL(query.text, from, to, ['North', 'South']));
    expect(result.rows.length).toBeGreaterThan(0);
    const text = JSON.stringify(result.rows);
    // the row of 2025-12-31 is outside the range: its 99999.99 never shows
    expect(text).not.toContain('99999.99');
    if (/AS time\b/.test(query.text)) expect(result.fields[0].name).toBe('time');
  });

  it('sums revenue per region over the range', async () => {
    await client.query(`SET search_path TO ${schema}`);
    const table = sqlQueries.find((query) => query.where.startsWith('panel "Sales by region'));
    const result = await client.query(expandSQL(String(table?.text), from, to, ['North', 'South']));
    expect(result.rows.map((row) => [row.region, row.revenue])).toEqual([
      ['North', '2734.50'],
      ['South', '310.00'],
    ]);
  });

  it('matches public.daily_sales_by_region when the pipeline has created it, and runs there', async () => {
    await client.query('SET search_path TO public');
    const columns = await client.query(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'daily_sales_by_region' ORDER BY column_name",
    );
    if (columns.rows.length === 0) return; // not exported yet on this stack: the throwaway schema above stands in
    expect(columns.rows.map((row) => [row.column_name, row.data_type])).toEqual([...expectedColumns].sort((a, b) => a[0].localeCompare(b[0])));
    const regions = (await client.query('SELECT DISTINCT region_name FROM daily_sales_by_region')).rows.map((row) => String(row.region_name));
    for (const query of sqlQueries) await client.query(expandSQL(query.text, new Date('2000-01-01T00:00:00Z'), new Date(), regions.length ? regions : ['none']));
  });
});

describe('PromQL of the operations dashboard against a real Prometheus', () => {
  const home = mkdtempSync(join(tmpdir(), 'dataops-prometheus-'));
  let port = 0;
  const stack = (command: string) =>
    execFileSync(
      'bash',
      [
        '-c',
        `set -euo pipefail
         DATAOPS_HOME="$1"; STACK="$DATAOPS_HOME/stack"; RUN="$DATAOPS_HOME/run"; LOGS="$DATAOPS_HOME/logs"
         source "$2/scripts/stack.d/00-common.sh"
         source "$2/scripts/stack.d/80-prometheus.sh"
         ${command}`,
        'stack',
        home,
        root,
      ],
      { encoding: 'utf8', env: { ...process.env, DATAOPS_PROMETHEUS_PORT: String(port) } },
    );

  beforeAll(async () => {
    port = await freePort();
    stack(`start_prometheus "${join(root, 'deploy', 'prometheus', 'prometheus-local.yml')}"`);
    // two scrapes (every 5 s), so rates and increases have samples
    await new Promise((resolve) => setTimeout(resolve, 12_000));
  });

  afterAll(() => {
    try {
      stack('stop_prometheus');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  async function query(expr: string): Promise<{ status: string; error?: string; data?: { result: unknown[] } }> {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await response.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  }

  it('runs the private Prometheus from scripts/stack.d/80-prometheus.sh with the alert rules loaded', async () => {
    expect(stack('status_prometheus')).toMatch(/prometheus\s+running/);
    const rules = (await (await fetch(`http://127.0.0.1:${port}/api/v1/rules`)).json()) as { data: { groups: { rules: unknown[] }[] } };
    expect(rules.data.groups.flatMap((group) => group.rules).length).toBe(7);
  });

  it('scrapes the four services (up has one series each)', async () => {
    const result = await query('up{service=~"dataops-.+"}');
    expect(result.status).toBe('success');
    expect(result.data?.result).toHaveLength(4);
  });

  it.each(promQueries.map((q) => [`${q.dashboard} ${q.where}`, q] as const))('%s is accepted by Prometheus', async (_where, q) => {
    const result = await query(expandPromQL(q.text));
    expect(result.error ?? '').toBe('');
    expect(result.status).toBe('success');
  });

  it('would notice a broken expression (Prometheus rejects it)', async () => {
    const result = await query('sum by (pipeline) (rate(dataops_runs_total[5m])');
    expect(result.status).toBe('error');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
