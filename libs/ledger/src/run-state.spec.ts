import { makeEnvelope, Topics, type Envelope, type RunSummary, type Topic } from '@dataops/contracts';
import { applyStageEvent, newRunSummary, resetForRetry } from './run-state';

const ids = { runId: 'r1', pipeline: 'retail', producer: 'test' };
const table = { table: 'orders', mode: 'full' as const, rows: 10, files: 1, path: '/lake/orders' };
const model = { name: 'orders_clean', rows: 9, path: '/wh/orders_clean' };
const target = { type: 'jdbc' as const, name: 'bi:orders_clean', rows: 9, files: [] };

function event(topic: Topic, attempt = 1, second = 0): Envelope {
  const payloads: Partial<Record<Topic, unknown>> = {
    [Topics.ingestCompleted]: { logicalDate: '2026-11-24', tables: [table] },
    [Topics.transformCompleted]: { logicalDate: '2026-11-24', models: [model], checks: [] },
    [Topics.exportCompleted]: { logicalDate: '2026-11-24', targets: [target] },
    [Topics.transformFailed]: { stage: 'transform', message: 'model x: column y not found', errorClass: 'terminal' },
  };
  const envelope = makeEnvelope(topic, payloads[topic] ?? { attempt: 1 }, { ...ids, attempt });
  return { ...envelope, occurredAt: new Date(Date.UTC(2026, 10, 24, 12, 0, second)).toISOString() };
}

const running = (): RunSummary => ({ ...newRunSummary('r1', 'retail', '2026-11-24'), status: 'running', startedAt: '2026-11-24T12:00:00.000Z' });
const fold = (events: Envelope[], start = running()) => events.reduce(applyStageEvent, start);

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

const happy = [
  event(Topics.ingestStarted, 1, 1),
  event(Topics.ingestCompleted, 1, 2),
  event(Topics.transformStarted, 1, 3),
  event(Topics.transformCompleted, 1, 4),
  event(Topics.exportStarted, 1, 5),
  event(Topics.exportCompleted, 1, 6),
];

describe('applyStageEvent', () => {
  it('ends succeeded with every stage detail, whatever order the six events of a run arrive in (720 orders)', () => {
    const expected = fold(happy);
    expect(expected.status).toBe('succeeded');
    for (const order of permutations(happy)) {
      const summary = fold(order);
      expect(summary.status).toBe('succeeded');
      expect(summary.stages).toEqual(expected.stages);
      expect(summary.finishedAt).toBe(expected.finishedAt);
    }
  });

  it('never reopens a finished run: a late or replayed started event only fills in a start time', () => {
    const finished = fold(happy);
    const replayed = fold([event(Topics.ingestStarted, 1, 30), event(Topics.exportStarted, 1, 31), ...happy], finished);
    expect(replayed.status).toBe('succeeded');
    expect(replayed.finishedAt).toBe(finished.finishedAt);
    expect(Object.values(replayed.stages).map((stage) => stage?.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('does not finish the run before every stage succeeded, even when export completes first', () => {
    const summary = fold([event(Topics.exportCompleted), event(Topics.ingestCompleted)]);
    expect(summary.status).toBe('running');
    expect(summary.finishedAt).toBeNull();
  });

  it('fails the run at the first failed stage, in any order, and a late completion does not revive it', () => {
    const events = [event(Topics.ingestCompleted, 1, 1), event(Topics.transformStarted, 1, 2), event(Topics.transformFailed, 1, 3)];
    for (const order of permutations(events)) {
      const summary = fold([...order, event(Topics.transformCompleted, 1, 9)]);
      expect(summary.status).toBe('failed');
      expect(summary.error).toMatchObject({ stage: 'transform', errorClass: 'terminal' });
      expect(summary.stages.transform?.status).toBe('failed');
    }
  });

  it('ignores the events of an older attempt after a retry', () => {
    const failed = fold([event(Topics.ingestCompleted), event(Topics.transformFailed)]);
    const retried = resetForRetry(failed);
    expect(retried).toMatchObject({ attempt: 2, status: 'running' });
    const stale = fold([event(Topics.transformFailed, 1, 20)], retried);
    expect(stale.status).toBe('running');
    const done = fold(happy.map((e) => ({ ...e, attempt: 2 })), retried);
    expect(done.status).toBe('succeeded');
  });

  it('counts an event delivered twice once', () => {
    const twice = fold([...happy, ...happy]);
    expect(twice).toEqual(fold(happy));
  });

  describe('a run that covers some of the stages', () => {
    const scoped = (covers: ('ingest' | 'transform' | 'export')[]): RunSummary => ({ ...newRunSummary('r1', 'retail', '2026-11-24', covers), status: 'running' });

    it('shows the stages it does not cover as skipped from the start', () => {
      const summary = scoped(['ingest']);
      expect(summary.covers).toEqual(['ingest']);
      expect(summary.stages.transform?.status).toBe('skipped');
      expect(summary.stages.export?.status).toBe('skipped');
      expect(summary.stages.ingest).toBeUndefined();
    });

    it('an import-only run succeeds when its ingest completes, in either order of its two events', () => {
      for (const order of permutations([event(Topics.ingestStarted, 1, 1), event(Topics.ingestCompleted, 1, 2)])) {
        const summary = fold(order, scoped(['ingest']));
        expect(summary.status).toBe('succeeded');
        expect(summary.finishedAt).toBe('2026-11-24T12:00:02.000Z');
        expect(summary.stages.transform?.status).toBe('skipped');
      }
    });

    it('a build-and-send run succeeds only once export completed too', () => {
      const built = fold([event(Topics.transformCompleted, 1, 1)], scoped(['transform', 'export']));
      expect(built.status).toBe('running');
      expect(fold([event(Topics.exportCompleted, 1, 2)], built).status).toBe('succeeded');
    });

    it('ignores an event of a stage it does not cover (a stray or misrouted event)', () => {
      const summary = fold([event(Topics.transformFailed, 1, 1), event(Topics.ingestCompleted, 1, 2)], scoped(['ingest']));
      expect(summary.status).toBe('succeeded');
      expect(summary.stages.transform?.status).toBe('skipped');
    });

    it('a retry runs the covered stages again and leaves the others skipped', () => {
      const failed = fold([event(Topics.transformFailed, 1, 1)], scoped(['transform', 'export']));
      const retried = resetForRetry(failed);
      expect(retried.stages.transform?.status).toBe('pending');
      expect(retried.stages.ingest?.status).toBe('skipped');
    });

    it('a run of every stage records no covers (older summaries read the same)', () => {
      expect(newRunSummary('r1', 'retail', '2026-11-24', ['ingest', 'transform', 'export']).covers).toBeUndefined();
    });
  });
});
