import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { makeEnvelope, Topics, type Envelope, type Topic } from '@dataops/contracts';
import { migrateControlDb, RunLedger } from '@dataops/ledger';
import { pgPassword, pgPort } from '../support/stack';

/**
 * Stage events travel on six topics with no order between them: the run ledger in the real
 * control database must end each run the same way whatever order they arrive in (reversed
 * included), announce its end once, and never let a late event reopen it.
 */
describe('the run ledger on PostgreSQL, with a run\'s events in any order', () => {
  const pool = new Pool({ host: '127.0.0.1', port: pgPort, database: 'dataops_control', user: 'dataops', password: pgPassword(), max: 4 });
  const pipeline = `order_${randomBytes(3).toString('hex')}`;
  const ledger = new RunLedger(pool, [pipeline]);
  const policy = { overlap: 'skip' as const, maxConcurrentRuns: 1 };
  const table = { table: 'orders', mode: 'full' as const, rows: 10, files: 1, path: '/lake/orders' };
  const payloads: Partial<Record<Topic, unknown>> = {
    [Topics.ingestCompleted]: { logicalDate: '2026-11-24', tables: [table] },
    [Topics.transformCompleted]: { logicalDate: '2026-11-24', models: [{ name: 'orders_clean', rows: 9, path: '/wh/orders_clean' }], checks: [] },
    [Topics.exportCompleted]: { logicalDate: '2026-11-24', targets: [{ type: 'jdbc', name: 'bi:orders_clean', rows: 9, files: [] }] },
  };
  const chain: Topic[] = [
    Topics.ingestStarted,
    Topics.ingestCompleted,
    Topics.transformStarted,
    Topics.transformCompleted,
    Topics.exportStarted,
    Topics.exportCompleted,
  ];
  const eventsOf = (runId: string): Envelope[] =>
    chain.map((topic, index) => ({
      ...makeEnvelope(topic, payloads[topic] ?? { attempt: 1 }, { runId, pipeline, producer: 'test' }),
      occurredAt: new Date(Date.UTC(2026, 10, 24, 12, 0, index)).toISOString(),
    }));
  const admit = (runId: string) => ledger.admit({ runId, pipeline, trigger: 'api', logicalDate: '2026-11-24', fullRefresh: false }, policy);
  const finishedEvents = async (runId: string) => (await pool.query("SELECT count(*)::int AS n FROM dataops_outbox WHERE run_id = $1 AND topic = 'dataops.run.finished'", [runId])).rows[0].n;

  function permutations<T>(items: T[]): T[][] {
    if (items.length <= 1) return [items];
    return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
  }

  beforeAll(async () => {
    await migrateControlDb(pool);
  });

  afterAll(async () => {
    // the runs' stage attempts reference them: those go first
    await pool.query('DELETE FROM dataops_stage_attempts WHERE run_id IN (SELECT run_id FROM dataops_runs WHERE pipeline = $1)', [pipeline]);
    await pool.query('DELETE FROM dataops_runs WHERE pipeline = $1', [pipeline]);
    await pool.end();
  });

  it('ends a run whose events arrive in reverse order as the ordered run ends, announcing it once', async () => {
    const ordered = `${pipeline}-ordered`;
    const reversed = `${pipeline}-reversed`;
    await admit(ordered);
    for (const event of eventsOf(ordered)) await ledger.record(event);
    await admit(reversed);
    for (const event of eventsOf(reversed).reverse()) await ledger.record(event);
    const [a, b] = [await ledger.get(ordered), await ledger.get(reversed)];
    expect(b).toMatchObject({ status: 'succeeded', finishedAt: a!.finishedAt });
    expect(b!.stages).toEqual(a!.stages);
    expect(await finishedEvents(reversed)).toBe(1);
  });

  it('ends the same way for a sample of every other order (one run each, each after the last finished)', async () => {
    const orders = permutations([0, 1, 2, 3, 4, 5]).filter((_, index) => index % 29 === 0);
    expect(orders.length).toBeGreaterThanOrEqual(24);
    for (const [index, order] of orders.entries()) {
      const runId = `${pipeline}-p${index}`;
      // overlap skip: a run left open by an earlier order would make this one skipped
      expect((await admit(runId)).kind).toBe('admit');
      const events = eventsOf(runId);
      for (const position of order) await ledger.record(events[position]);
      expect((await ledger.get(runId))?.status).toBe('succeeded');
      expect(await finishedEvents(runId)).toBe(1);
    }
  });

  it('never reopens a finished run: a late started event, re-stamped, changes nothing and the next run is admitted', async () => {
    const runId = `${pipeline}-late`;
    await admit(runId);
    for (const event of eventsOf(runId)) await ledger.record(event);
    const before = await ledger.get(runId);
    const late = { ...eventsOf(runId)[0], occurredAt: new Date(Date.UTC(2026, 10, 24, 13)).toISOString() };
    expect((await ledger.record(late)).finished).toBe(false);
    expect(await ledger.get(runId)).toEqual(before);
    expect((await admit(`${pipeline}-after-late`)).kind).toBe('admit');
  });
});
