import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { makeEnvelope, Topics, type Envelope } from '@dataops/contracts';
import { migrateControlDb, OutboxRelay, RunLedger, WorkQueue } from '@dataops/ledger';
import { silentLogger } from '@dataops/stage';
import { pgPassword, pgPort } from '../support/stack';

/** Leases, fencing and the outbox on the real control database (PostgreSQL). */
describe('WorkQueue on PostgreSQL', () => {
  const pool = new Pool({ host: '127.0.0.1', port: pgPort, database: 'dataops_control', user: 'dataops', password: pgPassword(), max: 4 });
  const pipeline = `wq_${randomBytes(3).toString('hex')}`;
  const queue = new WorkQueue(pool, [pipeline]);
  const admitted = (runId: string, attempt = 1): Envelope =>
    makeEnvelope(Topics.runAdmitted, { trigger: 'api', logicalDate: '2026-11-24', fullRefresh: false, attempt }, { runId, pipeline, producer: 'test', attempt });
  const completed = (runId: string) => makeEnvelope(Topics.ingestCompleted, { logicalDate: '2026-11-24', tables: [] }, { runId, pipeline, producer: 'test' });
  const outboxOf = async (runId: string) => (await pool.query('SELECT topic, published_at FROM dataops_outbox WHERE run_id = $1 ORDER BY id', [runId])).rows;

  beforeAll(async () => {
    await migrateControlDb(pool);
  });

  afterAll(async () => {
    await pool.query('DELETE FROM dataops_stage_work WHERE pipeline = $1', [pipeline]);
    await pool.end();
  });

  it('records the work an event asks for once, however often the event comes', async () => {
    const event = admitted(`${pipeline}-once`);
    expect(await queue.enqueue('ingest', event)).toBe(true);
    expect(await queue.enqueue('ingest', event)).toBe(false);
    expect(await queue.enqueue('ingest', { ...event, id: 'another-delivery' })).toBe(false);
  });

  it('gives a claim to one replica; another gets it only after the lease ran out, with a newer token', async () => {
    const runId = `${pipeline}-lease`;
    await queue.enqueue('ingest', admitted(runId));
    const [first] = await queue.claim('ingest', 'replica-a', 1500, 1, runId);
    expect(first).toMatchObject({ runId, tries: 1 });
    expect(await queue.claim('ingest', 'replica-b', 1500, 1, runId)).toEqual([]);
    expect(await queue.heartbeat(first, 1500)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1800));
    const [second] = await queue.claim('ingest', 'replica-b', 10_000, 1, runId);
    expect(second.token).toBeGreaterThan(first.token);
    expect(second.tries).toBe(2);
    // the first holder is fenced: no renewal, no commit, no announcement
    expect(await queue.heartbeat(first, 1500)).toBe(false);
    expect(await queue.settle(first, 'succeeded', completed(runId))).toBe(false);
    expect(await outboxOf(runId)).toEqual([]);
    expect(await queue.settle(second, 'succeeded', completed(runId))).toBe(true);
    expect((await outboxOf(runId)).map((row) => row.topic)).toEqual([Topics.ingestCompleted]);
  });

  it('never claims work of another pipeline or of a cancelled run, and fences a cancelled claim', async () => {
    const foreign = new WorkQueue(pool, ['some_other_pipeline']);
    const runId = `${pipeline}-cancel`;
    await queue.enqueue('ingest', admitted(runId));
    expect(await foreign.claim('ingest', 'replica-x', 10_000, 5, runId)).toEqual([]);
    const ledger = new RunLedger(pool, [pipeline]);
    await ledger.admit({ runId, pipeline, trigger: 'api', logicalDate: '2026-11-24', fullRefresh: false }, { overlap: 'queue', maxConcurrentRuns: 5 });
    const [claim] = await queue.claim('ingest', 'replica-a', 10_000, 1, runId);
    const outcome = await ledger.cancel(runId, 'test', 'wrong data');
    expect(outcome.cancelled).toBe(true);
    expect(await queue.heartbeat(claim, 10_000)).toBe(false);
    expect(await queue.settle(claim, 'succeeded', completed(runId))).toBe(false);
    expect(await queue.claim('ingest', 'replica-b', 10_000, 5, runId)).toEqual([]);
    expect(await ledger.cancel(runId, 'test', 'again')).toMatchObject({ cancelled: false, reason: expect.stringMatching(/already cancelled/) });
  });

  it('puts a transient failure back for any replica after its backoff', async () => {
    const runId = `${pipeline}-backoff`;
    await queue.enqueue('transform', admitted(runId));
    const [claim] = await queue.claim('transform', 'replica-a', 10_000, 1, runId);
    expect(await queue.retryLater(claim, 1200, 'MySQL unreachable')).toBe(true);
    expect(await queue.claim('transform', 'replica-b', 10_000, 1, runId)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1400));
    expect(await queue.claim('transform', 'replica-b', 10_000, 1, runId)).toMatchObject([{ tries: 2 }]);
  });

  it('publishes the outbox and marks what the broker acknowledged; a failed publish is retried', async () => {
    const runId = `${pipeline}-outbox`;
    await queue.enqueue('export', admitted(runId));
    const [claim] = await queue.claim('export', 'replica-a', 10_000, 1, runId);
    await queue.settle(claim, 'succeeded', completed(runId));
    const published: string[] = [];
    let fail = true;
    const relay = new OutboxRelay(pool, { publish: async (event) => {
      if (fail && event.runId === runId) throw new Error('broker down');
      published.push(event.runId);
    } }, silentLogger);
    await expect(relay.flush()).rejects.toThrow(/broker down/);
    expect((await outboxOf(runId))[0].published_at).toBeNull();
    fail = false;
    while ((await relay.flush()) > 0);
    expect(published).toContain(runId);
    expect((await outboxOf(runId))[0].published_at).not.toBeNull();
  });
});
