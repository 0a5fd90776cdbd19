import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Buckets of dataops_stage_duration_seconds: stages take seconds on a small table and minutes to
 * hours on a big one, so the buckets are dense between 1 and 30 minutes (where a p90 and the
 * slow-stage alert's "twice as long" must be told apart) and reach 4 hours.
 */
export const STAGE_DURATION_BUCKETS = [1, 5, 15, 30, 60, 90, 120, 180, 240, 300, 450, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400];

/** Values of the bounded labels: the services set nothing else. */
export const RUN_STATUSES = ['succeeded', 'failed', 'cancelled', 'skipped'] as const;
export const STAGE_STATUSES = ['succeeded', 'failed'] as const;
export const FAILURE_REASONS = ['transient', 'terminal'] as const;

/**
 * The metric families every service exposes on /metrics, named after the Prometheus conventions
 * (base units in the name, `_total` for counters and only for counters) so that `promtool check
 * metrics` accepts a scrape as it is. Labels are bounded: pipeline, stage, table/model/target names
 * from the config, a status and a failure reason from fixed sets (above); never a run id.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly runs = new Counter({ name: 'dataops_runs_total', help: 'Finished runs by status', labelNames: ['pipeline', 'status'], registers: [this.registry] });
  readonly stageDuration = new Histogram({
    name: 'dataops_stage_duration_seconds',
    help: 'Duration of stage attempts in seconds',
    labelNames: ['pipeline', 'stage', 'status'],
    buckets: STAGE_DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly rows = new Counter({ name: 'dataops_rows_total', help: 'Rows read (ingest), written (transform) or exported (export)', labelNames: ['pipeline', 'stage', 'table'], registers: [this.registry] });
  readonly bytes = new Counter({ name: 'dataops_bytes_total', help: 'Bytes written to the lake', labelNames: ['pipeline', 'stage', 'table'], registers: [this.registry] });
  readonly slices = new Gauge({
    name: 'dataops_ingest_slices',
    help: 'Parallel range reads (slices) of the last ingest of each table',
    labelNames: ['pipeline', 'table'],
    registers: [this.registry],
  });
  readonly files = new Counter({ name: 'dataops_files_total', help: 'Files written to SFTP targets', labelNames: ['pipeline', 'stage', 'target'], registers: [this.registry] });
  readonly failures = new Counter({ name: 'dataops_stage_failures_total', help: 'Failed stage attempts by reason (error class)', labelNames: ['pipeline', 'stage', 'reason'], registers: [this.registry] });
  readonly lastSuccess = new Gauge({
    name: 'dataops_last_success_timestamp_seconds',
    help: 'Unix time of the last successful run (staleness alerts)',
    labelNames: ['pipeline'],
    registers: [this.registry],
  });
  readonly checks = new Counter({ name: 'dataops_check_results_total', help: 'Data-quality check results', labelNames: ['pipeline', 'check', 'status'], registers: [this.registry] });
  readonly consumerLag = new Gauge({ name: 'dataops_kafka_consumer_lag', help: 'Messages not yet consumed by the group', labelNames: ['group', 'topic', 'partition'], registers: [this.registry] });
  readonly deadLetters = new Counter({ name: 'dataops_dead_letters_total', help: 'Messages sent to the dead-letter topic', labelNames: ['topic', 'group'], registers: [this.registry] });
  readonly runsRunning = new Gauge({ name: 'dataops_runs_running', help: 'Runs in the running state now', labelNames: ['pipeline'], registers: [this.registry] });
  readonly oldestRunningAge = new Gauge({
    name: 'dataops_oldest_running_run_age_seconds',
    help: 'Age of the oldest run still running in seconds (a stuck run shows here)',
    labelNames: ['pipeline'],
    registers: [this.registry],
  });
  readonly schedulePeriod = new Gauge({
    name: 'dataops_schedule_period_seconds',
    help: "Seconds between two fire times of the pipeline's schedule (for staleness alerts)",
    labelNames: ['pipeline'],
    registers: [this.registry],
  });
  readonly stageWork = new Gauge({ name: 'dataops_stage_work_running', help: 'Stage attempts this replica runs now', labelNames: ['stage'], registers: [this.registry] });

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 'dataops_' });
    // prom-client's defaults include gauges named *_total (nodejs_active_handles_total,
    // nodejs_active_requests_total, nodejs_active_resources_total): `_total` is for counters
    // only, and promtool rejects them. Each is the sum of its per-type gauge
    // (sum(dataops_nodejs_active_handles)), so nothing is lost without them.
    for (const metric of this.registry.getMetricsAsArray()) {
      const { name, type } = metric as unknown as { name: string; type: string };
      if (name.endsWith('_total') && type !== 'counter') this.registry.removeSingleMetric(name);
    }
  }

  /**
   * Gives every series a pipeline will have its zero before the first event, so that increase()
   * and rate() count the first run, the first failure and the first stage attempt too (a series
   * born at 1 increases by nothing). Scheduler: runs by status and run activity; a stage service:
   * its stage's durations and failures.
   */
  initialize(pipelines: string[], stage?: string): void {
    if (stage) this.stageWork.set({ stage }, 0);
    for (const pipeline of pipelines) {
      if (!stage) {
        for (const status of RUN_STATUSES) this.runs.inc({ pipeline, status }, 0);
        this.runsRunning.set({ pipeline }, 0);
        this.oldestRunningAge.set({ pipeline }, 0);
        continue;
      }
      for (const status of STAGE_STATUSES) this.stageDuration.zero({ pipeline, stage, status });
      for (const reason of FAILURE_REASONS) this.failures.inc({ pipeline, stage, reason }, 0);
    }
  }
}
