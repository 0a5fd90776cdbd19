import type { Pool, PoolClient } from 'pg';
import { makeEnvelope, runSummary, stagesOverlap, Topics, type Envelope, type RunRequested, type RunSummary, type StageName } from '@dataops/contracts';
import { decideAdmission, type Admission, type ExistingRun } from './admission';
import { controlDbError, inTransaction, migrateControlDb } from './control-db';
import { addToOutbox } from './outbox';
import { applyStageEvent, isFinished, newRunSummary, resetForRetry, stageOf } from './run-state';
import { WorkQueue } from './work-queue';

export interface AdmissionPolicy {
  overlap: 'skip' | 'queue';
  maxConcurrentRuns: number;
}

export interface RunRequest extends RunRequested {
  runId: string;
  pipeline: string;
}

export interface RecordedEvent {
  /** false when this event id was processed before (at-least-once delivery) */
  applied: boolean;
  summary?: RunSummary;
  /** this event finished the run (dataops.run.finished is in the outbox) */
  finished: boolean;
}

export type CancelOutcome = { cancelled: true; summary: RunSummary } | { cancelled: false; reason: string; summary?: RunSummary };

const PRODUCER = 'dataops-scheduler';

/**
 * The run ledger in the control database (PostgreSQL). Every change of a run and the event that
 * announces it are written in one transaction (the outbox), so no announcement is ever lost.
 */
export class RunLedger {
  /** `pipelines`: the names this scheduler serves (its configuration's) */
  constructor(
    private readonly pool: Pool,
    readonly pipelines: string[] = [],
  ) {}

  async migrate(): Promise<void> {
    await migrateControlDb(this.pool);
  }

  /** Decides and records, under a per-pipeline lock, whether a requested run starts now. */
  async admit(request: RunRequest, policy: AdmissionPolicy, releasingQueued = false): Promise<Admission> {
    return inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [request.pipeline]);
      const existing = await this.existingRun(client, request.runId, true);
      // runs compete only when they share a stage: the hourly import never skips the nightly build
      const active = await client.query<{ covers: StageName[] | null }>(
        "SELECT summary->'covers' AS covers FROM dataops_runs WHERE pipeline = $1 AND status = 'running' AND run_id <> $2",
        [request.pipeline, request.runId],
      );
      const admission = decideAdmission({
        existing: existing?.run,
        trigger: request.trigger,
        activeRuns: active.rows.filter((row) => stagesOverlap(row.covers ?? undefined, request.stages)).length,
        overlap: policy.overlap,
        maxConcurrentRuns: policy.maxConcurrentRuns,
        releasingQueued,
      });
      await this.storeAdmission(client, request, admission, existing?.summary);
      return admission;
    });
  }

  /**
   * Applies a stage event once (by event id) to its run; the state only moves forward. When the
   * event finishes the run, dataops.run.finished goes into the outbox in the same transaction.
   */
  async record(event: Envelope): Promise<RecordedEvent> {
    if (!stageOf(event.type)) return { applied: false, finished: false };
    return inTransaction(this.pool, async (client) => {
      const fresh = await client.query(
        'INSERT INTO dataops_processed_events (event_id, run_id, type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [event.id, event.runId, event.type],
      );
      if (fresh.rowCount === 0) return { applied: false, finished: false };
      const existing = await this.existingRun(client, event.runId, true);
      if (!existing) return { applied: false, finished: false };
      const wasFinished = isFinished(existing.summary);
      const summary = applyStageEvent(existing.summary, event);
      await this.storeSummary(client, summary);
      await this.recordAttempt(client, event);
      const finished = !wasFinished && isFinished(summary);
      if (finished) await addToOutbox(client, this.finishedEvent(summary));
      return { applied: true, summary, finished };
    });
  }

  /**
   * Cancels a queued or running run: its work is fenced (a running job sees it at its next
   * heartbeat, stops, and can publish nothing), the run ends `cancelled` with who and why, and its
   * overlap slot is free at once.
   */
  async cancel(runId: string, by: string, reason: string): Promise<CancelOutcome> {
    return inTransaction(this.pool, async (client) => {
      const existing = await this.existingRun(client, runId, true);
      if (!existing) return { cancelled: false, reason: `no run ${runId}` };
      if (isFinished(existing.summary)) {
        return { cancelled: false, reason: `run ${runId} already ${existing.summary.status}; only a queued or running run can be cancelled`, summary: existing.summary };
      }
      const now = new Date().toISOString();
      const summary: RunSummary = structuredClone(existing.summary);
      summary.status = 'cancelled';
      summary.finishedAt = now;
      summary.error = { stage: 'run', message: `cancelled by ${by}: ${reason}`, subject: null };
      for (const stage of Object.values(summary.stages)) if (stage && (stage.status === 'running' || stage.status === 'pending')) stage.status = 'cancelled';
      await WorkQueue.cancelRun(client, runId);
      await this.storeSummary(client, summary);
      await this.decide(client, { runId, pipeline: summary.pipeline }, 'cancel', `by ${by}: ${reason}`);
      await addToOutbox(client, this.finishedEvent(summary));
      return { cancelled: true, summary };
    });
  }

  async get(runId: string): Promise<RunSummary | undefined> {
    const result = await this.query<{ summary: unknown }>('SELECT summary FROM dataops_runs WHERE run_id = $1', [runId]);
    return result.rows[0] ? runSummary.parse(result.rows[0].summary) : undefined;
  }

  async request(runId: string): Promise<RunRequest | undefined> {
    const result = await this.query<{ request: RunRequest }>('SELECT request FROM dataops_runs WHERE run_id = $1', [runId]);
    return result.rows[0]?.request;
  }

  /** Each stage attempt as the work queue knows it: who holds it, its progress and its log. */
  async stageAttempts(runId: string) {
    const result = await this.query(
      `SELECT a.stage, a.attempt, a.status, a.started_at AS "startedAt", a.finished_at AS "finishedAt",
              a.error_class AS "errorClass", a.error_message AS "errorMessage",
              w.status AS "workStatus", w.tries, w.owner, w.lease_until AS "leaseUntil", w.progress, w.log_path AS "logPath"
         FROM dataops_stage_attempts a
         LEFT JOIN dataops_stage_work w ON w.run_id = a.run_id AND w.stage = a.stage AND w.attempt = a.attempt
        WHERE a.run_id = $1
       UNION ALL
       SELECT w.stage, w.attempt, w.status, NULL, NULL, NULL, w.error_message, w.status, w.tries, w.owner, w.lease_until, w.progress, w.log_path
         FROM dataops_stage_work w
        WHERE w.run_id = $1 AND NOT EXISTS (SELECT 1 FROM dataops_stage_attempts a WHERE a.run_id = w.run_id AND a.stage = w.stage AND a.attempt = w.attempt)
        ORDER BY attempt, stage`,
      [runId],
    );
    return result.rows;
  }

  async list(options: { pipeline?: string; limit?: number } = {}): Promise<RunSummary[]> {
    const result = await this.query<{ summary: unknown }>(
      `SELECT summary FROM dataops_runs WHERE ($1::text IS NULL OR pipeline = $1)
        ORDER BY requested_at DESC, run_id DESC LIMIT $2`,
      [options.pipeline ?? null, options.limit ?? 50],
    );
    return result.rows.map((row) => runSummary.parse(row.summary));
  }

  async decisions(runId: string): Promise<{ decision: string; reason: string; at: Date }[]> {
    const result = await this.query<{ decision: string; reason: string; at: Date }>('SELECT decision, reason, at FROM dataops_decisions WHERE run_id = $1 ORDER BY id', [runId]);
    return result.rows;
  }

  /** Per pipeline: runs running now, and how long the oldest has been (a stuck run shows here). */
  async activity(): Promise<{ pipeline: string; running: number; oldestSeconds: number }[]> {
    const result = await this.query<{ pipeline: string; running: string; oldest: string | null }>(
      `SELECT pipeline, count(*) FILTER (WHERE status = 'running') AS running,
              EXTRACT(EPOCH FROM now() - min(started_at) FILTER (WHERE status = 'running')) AS oldest
         FROM dataops_runs GROUP BY pipeline`,
      [],
    );
    return result.rows.map((row) => ({ pipeline: row.pipeline, running: Number(row.running), oldestSeconds: Number(row.oldest ?? 0) }));
  }

  /** The pipeline's queued runs, oldest first (each may wait on different stages). */
  async queued(pipeline: string, limit = 20): Promise<RunRequest[]> {
    const result = await this.query<{ request: RunRequest }>(
      "SELECT request FROM dataops_runs WHERE pipeline = $1 AND status = 'queued' ORDER BY requested_at, run_id LIMIT $2",
      [pipeline, limit],
    );
    return result.rows.map((row) => row.request);
  }

  async lastChecked(pipeline: string): Promise<Date | undefined> {
    const result = await this.query<{ last_checked_at: Date }>('SELECT last_checked_at FROM dataops_schedule_state WHERE pipeline = $1', [pipeline]);
    return result.rows[0]?.last_checked_at;
  }

  async setLastChecked(pipeline: string, at: Date): Promise<void> {
    await this.query(
      `INSERT INTO dataops_schedule_state (pipeline, last_checked_at) VALUES ($1, $2)
       ON CONFLICT (pipeline) DO UPDATE SET last_checked_at = GREATEST(dataops_schedule_state.last_checked_at, EXCLUDED.last_checked_at)`,
      [pipeline, at],
    );
  }

  private finishedEvent(summary: RunSummary): Envelope {
    return makeEnvelope(Topics.runFinished, summary, { runId: summary.runId, pipeline: summary.pipeline, producer: PRODUCER, attempt: summary.attempt });
  }

  private async decide(client: PoolClient, request: { runId: string; pipeline: string }, decision: string, reason: string): Promise<void> {
    await client.query('INSERT INTO dataops_decisions (pipeline, run_id, decision, reason) VALUES ($1, $2, $3, $4)', [request.pipeline, request.runId, decision, reason]);
  }

  private async storeAdmission(client: PoolClient, request: RunRequest, admission: Admission, previous?: RunSummary): Promise<void> {
    await this.decide(client, request, admission.kind, admission.reason);
    if (admission.kind === 'duplicate') return;
    const status = admission.kind === 'admit' ? 'running' : admission.kind === 'queue' ? 'queued' : 'skipped';
    const attempt = admission.kind === 'admit' ? admission.attempt : (previous?.attempt ?? 1);
    const base = previous && attempt > (previous.attempt ?? 1) ? resetForRetry(previous) : (previous ?? newRunSummary(request.runId, request.pipeline, request.logicalDate, request.stages));
    const summary: RunSummary = { ...base, attempt, status, startedAt: status === 'running' ? (base.startedAt ?? new Date().toISOString()) : null };
    if (status === 'skipped') summary.finishedAt = new Date().toISOString();
    const { runId, pipeline, ...payload } = request;
    await client.query(
      `INSERT INTO dataops_runs (run_id, pipeline, status, trigger, logical_date, request, summary, started_at, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (run_id) DO UPDATE SET status = EXCLUDED.status, request = EXCLUDED.request, summary = EXCLUDED.summary,
         started_at = COALESCE(dataops_runs.started_at, EXCLUDED.started_at), finished_at = EXCLUDED.finished_at`,
      [runId, pipeline, status, request.trigger, request.logicalDate, { ...request, attempt }, summary, summary.startedAt, summary.finishedAt],
    );
    if (admission.kind === 'admit') {
      await addToOutbox(client, makeEnvelope(Topics.runAdmitted, { ...payload, attempt }, { runId, pipeline, producer: PRODUCER, attempt, stages: request.stages }));
    }
    if (status === 'skipped') await addToOutbox(client, this.finishedEvent(summary));
  }

  private async storeSummary(client: PoolClient, summary: RunSummary): Promise<void> {
    await client.query('UPDATE dataops_runs SET status = $2, summary = $3, started_at = COALESCE(started_at, $4), finished_at = $5 WHERE run_id = $1', [
      summary.runId,
      summary.status,
      summary,
      summary.startedAt,
      summary.finishedAt,
    ]);
  }

  private async recordAttempt(client: PoolClient, event: Envelope): Promise<void> {
    const stage = stageOf(event.type)!;
    const kind = event.type.split('.').pop();
    const attempt = event.attempt ?? 1;
    if (kind === 'started') {
      await client.query(
        `INSERT INTO dataops_stage_attempts (run_id, stage, attempt, status, started_at) VALUES ($1, $2, $3, 'running', $4)
         ON CONFLICT (run_id, stage, attempt) DO UPDATE SET started_at = LEAST(dataops_stage_attempts.started_at, EXCLUDED.started_at)`,
        [event.runId, stage, attempt, event.occurredAt],
      );
      return;
    }
    const failure = kind === 'failed' ? (event.payload as { errorClass?: string; message?: string }) : undefined;
    // a settled attempt stays settled: a replayed event cannot turn a failure into a success or back
    await client.query(
      `INSERT INTO dataops_stage_attempts (run_id, stage, attempt, status, started_at, finished_at, error_class, error_message)
       VALUES ($1, $2, $3, $4, $5, $5, $6, $7)
       ON CONFLICT (run_id, stage, attempt) DO UPDATE SET status = EXCLUDED.status, finished_at = EXCLUDED.finished_at,
         error_class = EXCLUDED.error_class, error_message = EXCLUDED.error_message
       WHERE dataops_stage_attempts.status = 'running'`,
      [event.runId, stage, attempt, kind === 'failed' ? 'failed' : 'succeeded', event.occurredAt, failure?.errorClass ?? null, failure?.message ?? null],
    );
  }

  private async existingRun(client: PoolClient, runId: string, lock = false): Promise<{ run: ExistingRun; summary: RunSummary } | undefined> {
    const result = await client.query<{ status: ExistingRun['status']; attempt: number | null; summary: unknown }>(
      `SELECT status, (request->>'attempt')::int AS attempt, summary FROM dataops_runs WHERE run_id = $1${lock ? ' FOR UPDATE' : ''}`,
      [runId],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    const summary = runSummary.parse(row.summary);
    return { run: { status: row.status, attempt: row.attempt ?? 1 }, summary: { ...summary, attempt: summary.attempt ?? row.attempt ?? 1 } };
  }

  private async query<T extends object>(sql: string, params: unknown[]) {
    try {
      return await this.pool.query<T>(sql, params);
    } catch (error) {
      throw controlDbError(error);
    }
  }
}
