/**
 * The run ledger's tables (PostgreSQL). Created on start, idempotently. The ledger is the memory
 * of the system: Kafka only triggers; what ran, when, and how it ended lives here.
 */
export const ledgerSchema = `
CREATE TABLE IF NOT EXISTS dataops_runs (
  run_id          text PRIMARY KEY,
  pipeline        text NOT NULL,
  status          text NOT NULL CHECK (status IN ('queued','running','succeeded','failed','skipped')),
  trigger         text NOT NULL,
  logical_date    date NOT NULL,
  request         jsonb NOT NULL,
  summary         jsonb NOT NULL,
  requested_at    timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  finished_at     timestamptz,
  announced_at    timestamptz
);
CREATE INDEX IF NOT EXISTS dataops_runs_pipeline_status ON dataops_runs (pipeline, status);
CREATE TABLE IF NOT EXISTS dataops_stage_attempts (
  run_id        text NOT NULL REFERENCES dataops_runs (run_id),
  stage         text NOT NULL,
  attempt       integer NOT NULL,
  status        text NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  error_class   text,
  error_message text,
  PRIMARY KEY (run_id, stage, attempt)
);
CREATE TABLE IF NOT EXISTS dataops_processed_events (
  event_id     text PRIMARY KEY,
  run_id       text NOT NULL,
  type         text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS dataops_decisions (
  id        bigserial PRIMARY KEY,
  pipeline  text NOT NULL,
  run_id    text NOT NULL,
  decision  text NOT NULL,
  reason    text NOT NULL,
  at        timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS dataops_schedule_state (
  pipeline        text PRIMARY KEY,
  last_checked_at timestamptz NOT NULL
);
`;
