import type { RunSummary } from '@dataops/contracts';
import { printSummary } from './summary-report';

describe('printSummary', () => {
  it('prints one reconciliation line per hop: source to lake per table, warehouse to each target', () => {
    const summary: RunSummary = {
      runId: 'manual-1',
      pipeline: 'retail',
      status: 'succeeded',
      startedAt: null,
      finishedAt: null,
      stages: {
        ingest: {
          status: 'succeeded',
          tables: [
            {
              table: 'orders',
              mode: 'full',
              rows: 1000,
              files: 1,
              path: '/lake/orders',
              reconciliation: { from: 'source', to: 'lake', status: 'match', rows: 1000, columns: 7, countedOnly: ['ratio'] },
            },
          ],
        },
        export: {
          status: 'succeeded',
          targets: [
            {
              type: 'jdbc',
              name: 'bi_pg:public.daily',
              rows: 42,
              files: [],
              reconciliation: { from: 'warehouse', to: 'bi_pg:public.daily', status: 'match', rows: 42, columns: 3, countedOnly: [] },
            },
          ],
        },
      },
    };
    const lines: string[] = [];
    printSummary(summary, (line) => lines.push(line));
    const section = lines.slice(lines.findIndex((line) => line.includes('reconciliation')));
    expect(section[1]).toMatch(/^ {2}source -> lake orders\s+MATCH\s+1000 rows, 7 columns; by count only: ratio$/);
    expect(section[2]).toMatch(/^ {2}warehouse -> bi_pg:public\.daily\s+MATCH\s+42 rows, 3 columns$/);
  });
});
