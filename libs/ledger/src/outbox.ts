import type { Pool, PoolClient } from 'pg';
import type { Envelope } from '@dataops/contracts';
import { failpoint, messageOf } from '@dataops/errors';
import type { StageLogger } from '@dataops/stage';
import { inTransaction } from './control-db';

export interface EventSink {
  /** resolves once the event is durably accepted (Kafka: acknowledged by all in-sync replicas) */
  publish(event: Envelope): Promise<void>;
}

/** Records an event to announce, inside the caller's transaction (the transactional outbox). */
export async function addToOutbox(client: PoolClient, event: Envelope): Promise<void> {
  await client.query('INSERT INTO dataops_outbox (topic, run_id, envelope) VALUES ($1, $2, $3)', [event.type, event.runId, event]);
}

const BATCH = 100;
const IDLE_MS = 1000;
const AFTER_ERROR_MS = 2000;

/**
 * Publishes the outbox, oldest first, and marks what was acknowledged. Several replicas may relay
 * at once (SKIP LOCKED: each takes other rows); a relay that dies mid-batch leaves its rows
 * unmarked and they are published again: delivery is at least once, and every consumer is
 * idempotent by event id or by (run, stage, attempt).
 */
export class OutboxRelay {
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;

  constructor(
    private readonly pool: Pool,
    private readonly sink: EventSink,
    private readonly logger: StageLogger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Something was just added: publish it now instead of at the next poll. */
  kick(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
  }

  /** Publishes one batch; returns how many events went out. */
  async flush(): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      const rows = await client.query<{ id: string; envelope: Envelope }>(
        'SELECT id, envelope FROM dataops_outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
        [BATCH],
      );
      for (const row of rows.rows) {
        failpoint(`outbox.before-publish.${row.envelope.type}`);
        await this.sink.publish(row.envelope);
      }
      if (rows.rows.length > 0) await client.query('UPDATE dataops_outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [rows.rows.map((row) => row.id)]);
      return rows.rows.length;
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      let published = 0;
      let failed = false;
      try {
        published = await this.flush();
      } catch (error) {
        failed = true;
        this.logger.warn('outbox relay could not publish; will retry', { error: messageOf(error) });
      }
      if (published === 0 && this.running) await this.idle(failed ? AFTER_ERROR_MS : IDLE_MS);
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
