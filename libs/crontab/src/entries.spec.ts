import type { LoadedConfig } from '@dataops/config';
import { cronEntries } from './entries';

const context = { node: '/usr/bin/node', dataopsBin: '/opt/dataops/bin/dataops', configPath: '/etc/dataops.yaml', logDir: '/var/log/dataops', systemTimeZone: 'UTC' };
const schedule = (cron: string, stages?: ('ingest' | 'transform' | 'export')[]) => ({ cron, timezone: 'UTC', overlap: 'skip', catchup: 'latest', maxConcurrentRuns: 1, stages });
const loaded = (pipeline: Record<string, unknown>) => ({ config: { pipelines: { retail: pipeline } } }) as unknown as LoadedConfig;

describe('cronEntries', () => {
  it('writes one line for a pipeline with one schedule of every stage, as before', () => {
    const [entry, ...rest] = cronEntries(loaded({ schedule: schedule('0 2 * * *') }), context);
    expect(rest).toEqual([]);
    expect(entry.schedule).toBe('0 2 * * *');
    expect(entry.command).toContain('trigger retail --if-due >> /var/log/dataops/cron-retail.log');
  });

  it('writes one line per schedule, each triggering only its stages', () => {
    const entries = cronEntries(loaded({ schedules: [schedule('0 * * * *', ['ingest']), schedule('0 0 * * *', ['transform', 'export'])] }), context);
    expect(entries.map((entry) => [entry.schedule, entry.comment])).toEqual([
      ['0 * * * *', 'pipeline retail: "0 * * * *" in UTC, stages ingest'],
      ['0 0 * * *', 'pipeline retail: "0 0 * * *" in UTC, stages transform, export'],
    ]);
    expect(entries[0].command).toContain('trigger retail --if-due --stages ingest >> /var/log/dataops/cron-retail-ingest.log');
    expect(entries[1].command).toContain('trigger retail --if-due --stages transform,export >> /var/log/dataops/cron-retail-transform-export.log');
  });
});
