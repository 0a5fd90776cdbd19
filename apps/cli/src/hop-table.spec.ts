import type { LoadedConfig } from '@dataops/config';
import type { RunSummary } from '@dataops/contracts';
import { readSummary } from './commands/report.command';
import { hopLines, hopsOf, whereToLookLines } from './hop-table';

const summary: RunSummary = {
  runId: 'retail-1',
  pipeline: 'retail',
  status: 'succeeded',
  startedAt: '2026-11-29T03:00:00Z',
  finishedAt: '2026-11-29T03:01:00Z',
  stages: {
    ingest: {
      status: 'succeeded',
      logPath: '/logs/jobs/retail-1/ingest-1.log',
      tables: [
        { table: 'orders', mode: 'full', rows: 1000, files: 1, path: '/lake/orders', sourceCount: 1000 },
        { table: 'order_items', mode: 'append', rows: 250, files: 1, path: '/lake/order_items', rowsRead: 250 },
      ],
    },
    transform: { status: 'succeeded', models: [{ name: 'daily_sales', rows: 30, path: '/wh/_versions/daily_sales/retail-1' }], checks: [] },
    export: {
      status: 'succeeded',
      targets: [
        { type: 'jdbc', name: 'bi_pg:public.daily_sales', rows: 30, table: 'public.daily_sales', files: [] },
        { type: 'sftp', name: 'reports_sftp:upload/reports/daily_sales/2026-11-29', rows: 30, files: ['upload/a.csv.gz', 'upload/_MANIFEST.json'] },
      ],
    },
  },
};

const loaded = {
  config: {
    storage: { lake: '/lake', warehouse: '/wh' },
    pipelines: { retail: { source: { connection: 'src' } } },
    connections: { src: { type: 'mysql', host: '127.0.0.1', port: 3306, database: 'retail' } },
  },
} as unknown as LoadedConfig;

describe('rows per hop', () => {
  it('counts the source, the lake, each model, each BI table and each SFTP delivery', () => {
    expect(hopsOf(summary, loaded)).toEqual([
      { hop: 'source', name: '2 tables', rows: 1250, where: 'mysql 127.0.0.1:3306/retail' },
      { hop: 'lake', name: '2 tables', rows: 1250, where: '/lake' },
      { hop: 'warehouse', name: 'daily_sales', rows: 30, where: '/wh/_versions/daily_sales/retail-1' },
      { hop: 'BI table', name: 'bi_pg:public.daily_sales', rows: 30, where: 'public.daily_sales' },
      { hop: 'SFTP', name: 'reports_sftp (2 files)', rows: 30, where: 'upload/reports/daily_sales/2026-11-29' },
    ]);
  });

  it('prints them aligned under a header', () => {
    const lines = hopLines(hopsOf(summary, loaded));
    expect(lines[0]).toBe('  hop        name                             rows  where');
    expect(lines[1]).toBe('  source     2 tables                        1,250  mysql 127.0.0.1:3306/retail');
    expect(lines[5]).toBe('  SFTP       reports_sftp (2 files)             30  upload/reports/daily_sales/2026-11-29');
  });

  it('says where to look: data folders, job logs, service logs, metrics and dashboards', () => {
    const lines = whereToLookLines(summary, loaded, { logDir: '.dataops/logs', metricsUrls: ['http://127.0.0.1:8081/metrics'], dashboards: ['ops.json'] });
    expect(lines).toEqual([
      '  lake:         /lake',
      '  warehouse:    /wh',
      '  ingest log:   /logs/jobs/retail-1/ingest-1.log',
      '  service logs: .dataops/logs',
      '  metrics:      http://127.0.0.1:8081/metrics',
      '  dashboards:   ops.json (import into Grafana, Prometheus as data source)',
    ]);
  });
});

describe(readSummary.name, () => {
  it('reads a summary document, or the last of the JSON lines that --json prints', () => {
    expect(readSummary(JSON.stringify(summary, null, 2)).runId).toBe('retail-1');
    const lines = [JSON.stringify({ type: 'progress', stage: 'ingest', subject: 'orders', rows: 5 }), JSON.stringify(summary)].join('\n');
    expect(readSummary(`${lines}\n`).stages.ingest?.tables).toHaveLength(2);
  });
});
