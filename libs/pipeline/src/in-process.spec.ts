import { TerminalError, TransientError } from '@dataops/errors';
import { silentLogger } from '@dataops/stage';
import { makeEnvelope, Topics } from '@dataops/contracts';
import { linkFor, startsStage } from './chain';
import { runInProcess } from './in-process';
import type { Stages } from './stages';

const request = { trigger: 'cli' as const, logicalDate: '2026-11-24', fullRefresh: false, attempt: 1 };
const run = { runId: 'retail-20261124T120000Z-abc123', pipeline: 'retail', request };
const table = { table: 'orders', mode: 'full' as const, rows: 10, files: 1, path: '/lake/raw/src/orders' };
const model = { name: 'orders_clean', rows: 9, path: '/wh/_versions/orders_clean/r1' };

function stubStages(overrides: Partial<Stages> = {}): Stages & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    ingest: { execute: async () => (calls.push('ingest'), { logicalDate: '2026-11-24', fullRefresh: false, tables: [table] }) },
    transform: { execute: async () => (calls.push('transform'), { logicalDate: '2026-11-24', models: [model], checks: [] }) },
    export: {
      execute: async (req) => (calls.push(`export:${req.models.map((m) => m.name).join(',')}`), { logicalDate: '2026-11-24', targets: [] }),
    },
    ...overrides,
  };
}

describe('runInProcess', () => {
  it('runs ingest, transform and export in order, each fed by the previous completion', async () => {
    const stages = stubStages();
    const summary = await runInProcess(stages, run, silentLogger);
    expect(stages.calls).toEqual(['ingest', 'transform', 'export:orders_clean']);
    expect(summary.status).toBe('succeeded');
    expect(summary.stages.ingest?.tables).toEqual([table]);
    expect(summary.stages.transform?.models).toEqual([model]);
    expect(summary.finishedAt).not.toBeNull();
  });

  it('stops at a failed stage and names it in the summary', async () => {
    const stages = stubStages({
      transform: {
        execute: async () => {
          throw new TerminalError('model daily_sales_by_region: column x not found', { subject: 'daily_sales_by_region' });
        },
      },
    });
    const summary = await runInProcess(stages, run, silentLogger);
    expect(stages.calls).toEqual(['ingest']);
    expect(summary.status).toBe('failed');
    expect(summary.stages.transform?.status).toBe('failed');
    expect(summary.error).toMatchObject({ stage: 'transform', errorClass: 'terminal', subject: 'daily_sales_by_region' });
  });

  it('reports a transient failure as failed when no attempt is left', async () => {
    const stages = stubStages({
      ingest: {
        execute: async () => {
          throw new TransientError('MySQL at 127.0.0.1:3306 is unreachable');
        },
      },
    });
    const summary = await runInProcess(stages, run, silentLogger);
    expect(summary.error).toMatchObject({ stage: 'ingest', errorClass: 'transient' });
  });

  it('announces started and completed events for every stage, with the run id', async () => {
    const types: string[] = [];
    await runInProcess(stubStages(), run, silentLogger, { onEvent: (event) => types.push(`${event.type}@${event.runId}`) });
    expect(types).toEqual(
      ['ingest.started', 'ingest.completed', 'transform.started', 'transform.completed', 'export.started', 'export.completed'].map(
        (type) => `dataops.${type}@${run.runId}`,
      ),
    );
  });

  it('runs only the stages the request covers: an import, or a build and send from the committed lake', async () => {
    const importOnly = stubStages();
    const imported = await runInProcess(importOnly, { ...run, request: { ...request, stages: ['ingest'] } }, silentLogger);
    expect(importOnly.calls).toEqual(['ingest']);
    expect(imported).toMatchObject({ status: 'succeeded', covers: ['ingest'] });
    expect(imported.stages.export?.status).toBe('skipped');

    const buildOnly = stubStages();
    const built = await runInProcess(buildOnly, { ...run, request: { ...request, stages: ['transform', 'export'] } }, silentLogger);
    expect(buildOnly.calls).toEqual(['transform', 'export:orders_clean']);
    expect(built.status).toBe('succeeded');
    expect(built.stages.ingest?.status).toBe('skipped');
  });
});

describe('startsStage', () => {
  const admitted = (stages?: ('ingest' | 'transform' | 'export')[]) => makeEnvelope(Topics.runAdmitted, request, { runId: 'r1', pipeline: 'retail', producer: 'test', stages });
  const ingested = (stages?: ('ingest' | 'transform' | 'export')[]) => makeEnvelope(Topics.ingestCompleted, { logicalDate: '2026-11-24', tables: [] }, { runId: 'r1', pipeline: 'retail', producer: 'test', stages });

  it('starts ingest on the admission of a run that covers it', () => {
    expect(startsStage(linkFor('ingest'), admitted())).toBe(true);
    expect(startsStage(linkFor('ingest'), admitted(['transform', 'export']))).toBe(false);
  });

  it('starts transform on the admission only when the run begins at transform', () => {
    expect(startsStage(linkFor('transform'), admitted())).toBe(false);
    expect(startsStage(linkFor('transform'), admitted(['transform']))).toBe(true);
  });

  it('does not chain past the last stage a run covers', () => {
    expect(startsStage(linkFor('transform'), ingested())).toBe(true);
    expect(startsStage(linkFor('transform'), ingested(['ingest']))).toBe(false);
  });
});
