import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The metric families every service exposes on /metrics. Labels are bounded: pipeline, stage,
 * table/model/target names from the config, status, and a failure reason that is an error class,
 * never free text.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly runs = new Counter({ name: 'dataops_runs_total', help: 'Finished runs by status', labelNames: ['pipeline', 'status'], registers: [this.registry] });
  readonly stageDuration = new Histogram({
    name: 'dataops_stage_duration_seconds',
    help: 'Stage duration',
    labelNames: ['pipeline', 'stage', 'status'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
    registers: [this.registry],
  });
  readonly rows = new Counter({ name: 'dataops_rows_total', help: 'Rows moved', labelNames: ['pipeline', 'stage', 'table'], registers: [this.registry] });
  readonly bytes = new Counter({ name: 'dataops_bytes_total', help: 'Bytes written', labelNames: ['pipeline', 'stage', 'table'], registers: [this.registry] });
  readonly files = new Counter({ name: 'dataops_files_total', help: 'Files written', labelNames: ['pipeline', 'stage', 'target'], registers: [this.registry] });
  readonly failures = new Counter({ name: 'dataops_stage_failures_total', help: 'Stage failures by reason', labelNames: ['pipeline', 'stage', 'reason'], registers: [this.registry] });
  readonly lastSuccess = new Gauge({
    name: 'dataops_last_success_timestamp_seconds',
    help: 'Unix time of the last successful run (staleness alerts)',
    labelNames: ['pipeline'],
    registers: [this.registry],
  });
  readonly checks = new Counter({ name: 'dataops_check_results_total', help: 'Data-quality check results', labelNames: ['pipeline', 'check', 'status'], registers: [this.registry] });
  readonly consumerLag = new Gauge({ name: 'dataops_kafka_consumer_lag', help: 'Messages not yet consumed', labelNames: ['group', 'topic', 'partition'], registers: [this.registry] });
  readonly deadLetters = new Counter({ name: 'dataops_dead_letters_total', help: 'Messages sent to the dead-letter topic', labelNames: ['topic', 'group'], registers: [this.registry] });
  readonly runsRunning = new Gauge({ name: 'dataops_runs_running', help: 'Runs in the running state now', labelNames: ['pipeline'], registers: [this.registry] });
  readonly oldestRunningAge = new Gauge({
    name: 'dataops_oldest_running_run_age_seconds',
    help: 'Age of the oldest run still running (a stuck run shows here)',
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
  }
}
