import type { Pool, PoolClient } from 'pg';
import { attemptOf, type Envelope, type StageName } from '@dataops/contracts';
import { inTransaction, controlDbError } from './control-db';
import { addToOutbox } from './outbox';

/** A claimed piece of stage work: the event that started it, and the token that fences it. */
export interface WorkItem {
  runId: string;
  stage: StageName;
  attempt: number;
  pipeline: string;
  trigger: Envelope;
  /** the fencing token of this claim: only the holder of the current token may commit */
  token: number;
  /** how many times the work was claimed (1 on the first try) */
  tries: number;
}

export interface WorkProgress {
  /** `at`: when these figures were true; `startedAt`: when the subject began moving rows (rows/s start there) */
  [subject: string]: { rows?: number; bytes?: number; estimatedRows?: number; phase?: string; at: string; startedAt?: string };
}

interface WorkRow {
  run_id: string;
  stage: StageName;
  attempt: number;
  pipeline: string;
  trigger: Envelope;
  token: string;
  tries: number;
}

const itemOf = (row: WorkRow): WorkItem => ({
  runId: row.run_id,
  stage: row.stage,
  attempt: row.attempt,
  pipeline: row.pipeline,
  trigger: row.trigger,
  token: Number(row.token),
  tries: row.tries,
});

const KEY = 'run_id = $1 AND stage = $2 AND attempt = $3';
const keyOf = (item: WorkItem) => [item.runId, item.stage, item.attempt];

/**
 * Stage work in the control database, shared by every replica of a stage service. The Kafka
 * handler enqueues (idempotent by run, stage and attempt) and commits its offset at once, so long
 * work never holds a partition and pipelines never wait on each other's partitions.
 */
export class WorkQueue {
  /** `pipelines`: the ones this service's configuration defines; it never claims another's work */
  constructor(
    private readonly pool: Pool,
    private readonly pipelines: string[] = [],
  ) {}

  /** Records the work an event asks for; false when it was known already (a replay, a duplicate). */
  async enqueue(stage: StageName, event: Envelope): Promise<boolean> {
    const result = await this.query(
      `INSERT INTO dataops_stage_work (run_id, stage, attempt, pipeline, trigger) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING`,
      [event.runId, stage, attemptOf(event), event.pipeline, event],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /**
   * Claims up to `limit` pieces of work: pending ones whose backoff is over, and running ones whose
   * holder stopped renewing its lease. Work of a cancelled run, or of an attempt a retry replaced,
   * is never claimed.
   */
  async claim(stage: StageName, owner: string, leaseMs: number, limit: number, runId?: string): Promise<WorkItem[]> {
    if (limit <= 0) return [];
    const result = await this.query<WorkRow>(
      `UPDATE dataops_stage_work w
          SET status = 'running', owner = $2, token = w.token + 1, tries = w.tries + 1,
              lease_until = now() + ($3 || ' milliseconds')::interval, updated_at = now()
        WHERE (w.run_id, w.stage, w.attempt) IN (
          SELECT c.run_id, c.stage, c.attempt FROM dataops_stage_work c
            LEFT JOIN dataops_runs r ON r.run_id = c.run_id
           WHERE c.stage = $1 AND ($5::text IS NULL OR c.run_id = $5) AND c.pipeline = ANY($6::text[])
             AND ((c.status = 'pending' AND c.not_before <= now()) OR (c.status = 'running' AND c.lease_until < now()))
             AND (r.run_id IS NULL OR (r.status NOT IN ('cancelled', 'skipped') AND COALESCE((r.request->>'attempt')::int, 1) <= c.attempt))
           ORDER BY c.created_at LIMIT $4 FOR UPDATE OF c SKIP LOCKED)
        RETURNING w.run_id, w.stage, w.attempt, w.pipeline, w.trigger, w.token, w.tries`,
      [stage, owner, String(leaseMs), limit, runId ?? null, this.pipelines],
    );
    return result.rows.map(itemOf);
  }

  /** Renews the lease and stores progress; false when the claim was fenced (taken over or cancelled). */
  async heartbeat(item: WorkItem, leaseMs: number, progress?: WorkProgress, logPath?: string): Promise<boolean> {
    const result = await this.query(
      `UPDATE dataops_stage_work SET lease_until = now() + ($5 || ' milliseconds')::interval, updated_at = now(),
              progress = COALESCE($6, progress), log_path = COALESCE($7, log_path)
        WHERE ${KEY} AND token = $4 AND status = 'running'`,
      [...keyOf(item), item.token, String(leaseMs), progress ? JSON.stringify(progress) : null, logPath ?? null],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** Announces the claim's start (through the outbox). */
  async announce(event: Envelope): Promise<void> {
    await inTransaction(this.pool, (client) => addToOutbox(client, event));
  }

  /**
   * The end of the work, and its announcement, in one transaction, only while the claim holds:
   * false means the attempt was fenced and its result must be thrown away.
   */
  async settle(item: WorkItem, status: 'succeeded' | 'failed', event: Envelope, details: { logPath?: string; error?: string } = {}): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const result = await client.query(
        `UPDATE dataops_stage_work SET status = $5, lease_until = NULL, updated_at = now(), log_path = COALESCE($6, log_path), error_message = $7
          WHERE ${KEY} AND token = $4 AND status = 'running'`,
        [...keyOf(item), item.token, status, details.logPath ?? null, details.error ?? null],
      );
      if ((result.rowCount ?? 0) === 0) return false;
      await addToOutbox(client, event);
      return true;
    });
  }

  /** A transient failure: the work goes back to pending after `delayMs`, for any replica. */
  async retryLater(item: WorkItem, delayMs: number, error: string): Promise<boolean> {
    const result = await this.query(
      `UPDATE dataops_stage_work SET status = 'pending', owner = NULL, lease_until = NULL, updated_at = now(),
              not_before = now() + ($5 || ' milliseconds')::interval, error_message = $6
        WHERE ${KEY} AND token = $4 AND status = 'running'`,
      [...keyOf(item), item.token, String(delayMs), error],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** A replica stopping: its unfinished work is free for another replica at once. */
  async release(item: WorkItem): Promise<void> {
    await this.query(
      `UPDATE dataops_stage_work SET status = 'pending', owner = NULL, lease_until = NULL, updated_at = now(), tries = GREATEST(tries - 1, 0)
        WHERE ${KEY} AND token = $4 AND status = 'running'`,
      [...keyOf(item), item.token],
    );
  }

  /** Fences every unfinished piece of work of a run (inside the caller's transaction). */
  static async cancelRun(client: PoolClient, runId: string): Promise<void> {
    await client.query(
      `UPDATE dataops_stage_work SET status = 'cancelled', token = token + 1, lease_until = NULL, updated_at = now()
        WHERE run_id = $1 AND status IN ('pending', 'running')`,
      [runId],
    );
  }

  private async query<T extends object = Record<string, unknown>>(sql: string, params: unknown[]) {
    try {
      return await this.pool.query<T>(sql, params);
    } catch (error) {
      throw controlDbError(error);
    }
  }
}
