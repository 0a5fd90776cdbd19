/**
 * The run ledger's tables (PostgreSQL). Created on start, idempotently. The ledger is the memory
 * of the system: Kafka only triggers; what ran, when, and how it ended lives here.
 */
export const ledgerSchema = `
CREATE TABLE IF NOT EXISTS dataops_runs (
  run_id          text PRIMARY KEY,
  pipeline        text NOT NULL,
  status          text NOT NULL,
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
-- One row per (run, stage, run attempt): the work a stage service does. A Kafka handler only
-- enqueues it and commits its offset; any replica claims it with a lease and a fencing token
-- (token grows at every claim). A replica that dies stops renewing its lease and another one claims
-- the row; an attempt whose token is no longer the row's can neither commit nor announce.
CREATE TABLE IF NOT EXISTS dataops_stage_work (
  run_id        text NOT NULL,
  stage         text NOT NULL,
  attempt       integer NOT NULL,
  pipeline      text NOT NULL,
  trigger       jsonb NOT NULL,
  status        text NOT NULL DEFAULT 'pending',
  token         bigint NOT NULL DEFAULT 0,
  owner         text,
  lease_until   timestamptz,
  not_before    timestamptz NOT NULL DEFAULT now(),
  tries         integer NOT NULL DEFAULT 0,
  progress      jsonb,
  log_path      text,
  error_message text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, stage, attempt)
);
CREATE INDEX IF NOT EXISTS dataops_stage_work_claimable ON dataops_stage_work (stage, status, not_before);
-- Events are written here in the same transaction as the state change they announce, and a relay
-- publishes them: a crash between a commit and its announcement cannot lose the announcement.
CREATE TABLE IF NOT EXISTS dataops_outbox (
  id           bigserial PRIMARY KEY,
  topic        text NOT NULL,
  run_id       text NOT NULL,
  envelope     jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX IF NOT EXISTS dataops_outbox_unpublished ON dataops_outbox (id) WHERE published_at IS NULL;
ALTER TABLE dataops_runs DROP CONSTRAINT IF EXISTS dataops_runs_status_check;
CREATE TABLE IF NOT EXISTS dataops_schedule_state (
  pipeline        text PRIMARY KEY,
  last_checked_at timestamptz NOT NULL
);
`;
