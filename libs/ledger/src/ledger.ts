import type { Pool, PoolClient } from 'pg';
import { runSummary, type Envelope, type RunRequested, type RunSummary } from '@dataops/contracts';
import { decideAdmission, type Admission, type ExistingRun } from './admission';
import { applyStageEvent, isFinished, newRunSummary, resetForRetry, stageOf } from './run-state';
import { ledgerSchema } from './ledger-schema';

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
  /** the event finished the run: publish dataops.run.finished */
  finished: boolean;
}

/** The run ledger in the control database (PostgreSQL). */
export class RunLedger {
  constructor(private readonly pool: Pool) {}

  async migrate(): Promise<void> {
    await this.pool.query(ledgerSchema);
  }

  /** Decides and records, under a per-pipeline lock, whether a requested run starts now. */
  async admit(request: RunRequest, policy: AdmissionPolicy, releasingQueued = false): Promise<Admission> {
    return this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [request.pipeline]);
      const existing = await this.existingRun(client, request.runId);
      const active = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM dataops_runs WHERE pipeline = $1 AND status = 'running' AND run_id <> $2",
        [request.pipeline, request.runId],
      );
      const admission = decideAdmission({
        existing: existing?.run,
        trigger: request.trigger,
        activeRuns: Number(active.rows[0].n),
        overlap: policy.overlap,
        maxConcurrentRuns: policy.maxConcurrentRuns,
        releasingQueued,
      });
      await this.storeAdmission(client, request, admission, existing?.summary);
      return admission;
    });
  }

  /** Applies a stage event once (by event id) to its run. */
  async record(event: Envelope): Promise<RecordedEvent> {
    if (!stageOf(event.type)) return { applied: false, finished: false };
    return this.transaction(async (client) => {
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
      await this.recordAttempt(client, event, existing.run.attempt);
      return { applied: true, summary, finished: !wasFinished && isFinished(summary) };
    });
  }

  async get(runId: string): Promise<RunSummary | undefined> {
    const result = await this.pool.query<{ summary: unknown; attempt: number }>(
      "SELECT summary, (request->>'attempt')::int AS attempt FROM dataops_runs WHERE run_id = $1",
      [runId],
    );
    return result.rows[0] ? runSummary.parse(result.rows[0].summary) : undefined;
  }

  async request(runId: string): Promise<RunRequest | undefined> {
    const result = await this.pool.query<{ request: RunRequest }>('SELECT request FROM dataops_runs WHERE run_id = $1', [runId]);
    return result.rows[0]?.request;
  }

  async stageAttempts(runId: string) {
    const result = await this.pool.query(
      `SELECT stage, attempt, status, started_at AS "startedAt", finished_at AS "finishedAt",
              error_class AS "errorClass", error_message AS "errorMessage"
         FROM dataops_stage_attempts WHERE run_id = $1 ORDER BY started_at, stage`,
      [runId],
    );
    return result.rows;
  }

  async list(options: { pipeline?: string; limit?: number } = {}): Promise<RunSummary[]> {
    const result = await this.pool.query<{ summary: unknown }>(
      `SELECT summary FROM dataops_runs WHERE ($1::text IS NULL OR pipeline = $1)
        ORDER BY requested_at DESC, run_id DESC LIMIT $2`,
      [options.pipeline ?? null, options.limit ?? 50],
    );
    return result.rows.map((row) => runSummary.parse(row.summary));
  }

  async decisions(runId: string): Promise<{ decision: string; reason: string; at: Date }[]> {
    const result = await this.pool.query('SELECT decision, reason, at FROM dataops_decisions WHERE run_id = $1 ORDER BY id', [runId]);
    return result.rows;
  }

  /** Finished runs whose dataops.run.finished was not confirmed published (an outbox). */
  async unannounced(): Promise<RunSummary[]> {
    const result = await this.pool.query<{ summary: unknown }>(
      "SELECT summary FROM dataops_runs WHERE status IN ('succeeded','failed') AND announced_at IS NULL ORDER BY finished_at",
    );
    return result.rows.map((row) => runSummary.parse(row.summary));
  }

  async markAnnounced(runId: string): Promise<void> {
    await this.pool.query('UPDATE dataops_runs SET announced_at = now() WHERE run_id = $1', [runId]);
  }

  async oldestQueued(pipeline: string): Promise<RunRequest | undefined> {
    const result = await this.pool.query<{ request: RunRequest }>(
      "SELECT request FROM dataops_runs WHERE pipeline = $1 AND status = 'queued' ORDER BY requested_at, run_id LIMIT 1",
      [pipeline],
    );
    return result.rows[0]?.request;
  }

  async lastChecked(pipeline: string): Promise<Date | undefined> {
    const result = await this.pool.query<{ last_checked_at: Date }>(
      'SELECT last_checked_at FROM dataops_schedule_state WHERE pipeline = $1',
      [pipeline],
    );
    return result.rows[0]?.last_checked_at;
  }

  async setLastChecked(pipeline: string, at: Date): Promise<void> {
    await this.pool.query(
      `INSERT INTO dataops_schedule_state (pipeline, last_checked_at) VALUES ($1, $2)
       ON CONFLICT (pipeline) DO UPDATE SET last_checked_at = GREATEST(dataops_schedule_state.last_checked_at, EXCLUDED.last_checked_at)`,
      [pipeline, at],
    );
  }

  private async storeAdmission(client: PoolClient, request: RunRequest, admission: Admission, previous?: RunSummary): Promise<void> {
    await client.query('INSERT INTO dataops_decisions (pipeline, run_id, decision, reason) VALUES ($1, $2, $3, $4)', [
      request.pipeline,
      request.runId,
      admission.kind,
      admission.reason,
    ]);
    if (admission.kind === 'duplicate') return;
    const status = admission.kind === 'admit' ? 'running' : admission.kind === 'queue' ? 'queued' : 'skipped';
    const attempt = admission.kind === 'admit' ? admission.attempt : 1;
    const base = previous ? resetForRetry(previous) : newRunSummary(request.runId, request.pipeline, request.logicalDate);
    const summary: RunSummary = { ...base, status, startedAt: status === 'running' ? (base.startedAt ?? new Date().toISOString()) : null };
    if (status === 'skipped') summary.finishedAt = new Date().toISOString();
    await client.query(
      `INSERT INTO dataops_runs (run_id, pipeline, status, trigger, logical_date, request, summary, started_at, finished_at, announced_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)
       ON CONFLICT (run_id) DO UPDATE SET status = EXCLUDED.status, request = EXCLUDED.request, summary = EXCLUDED.summary,
         started_at = COALESCE(dataops_runs.started_at, EXCLUDED.started_at), finished_at = NULL, announced_at = NULL`,
      [
        request.runId,
        request.pipeline,
        status,
        request.trigger,
        request.logicalDate,
        { ...request, attempt },
        summary,
        summary.startedAt,
        summary.finishedAt,
      ],
    );
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

  private async recordAttempt(client: PoolClient, event: Envelope, attempt: number): Promise<void> {
    const stage = stageOf(event.type)!;
    const kind = event.type.split('.').pop();
    if (kind === 'started') {
      await client.query(
        `INSERT INTO dataops_stage_attempts (run_id, stage, attempt, status, started_at) VALUES ($1, $2, $3, 'running', $4)
         ON CONFLICT (run_id, stage, attempt) DO NOTHING`,
        [event.runId, stage, attempt, event.occurredAt],
      );
      return;
    }
    const failure = kind === 'failed' ? (event.payload as { errorClass?: string; message?: string }) : undefined;
    await client.query(
      `INSERT INTO dataops_stage_attempts (run_id, stage, attempt, status, started_at, finished_at, error_class, error_message)
       VALUES ($1, $2, $3, $4, $5, $5, $6, $7)
       ON CONFLICT (run_id, stage, attempt) DO UPDATE SET status = EXCLUDED.status, finished_at = EXCLUDED.finished_at,
         error_class = EXCLUDED.error_class, error_message = EXCLUDED.error_message`,
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
    return { run: { status: row.status, attempt: row.attempt ?? 1 }, summary: runSummary.parse(row.summary) };
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
