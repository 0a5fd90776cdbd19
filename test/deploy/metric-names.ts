/** The metric families the services expose (libs/observability); rules may use only these and `up`/`ALERTS`. */
export const exposedMetrics = [
  'dataops_runs_total',
  'dataops_stage_duration_seconds_bucket',
  'dataops_stage_duration_seconds_sum',
  'dataops_stage_duration_seconds_count',
  'dataops_rows_total',
  'dataops_bytes_total',
  'dataops_files_total',
  'dataops_stage_failures_total',
  'dataops_last_success_timestamp_seconds',
  'dataops_schedule_period_seconds',
  'dataops_oldest_running_run_age_seconds',
  'dataops_runs_running',
  'dataops_check_results_total',
  'dataops_kafka_consumer_lag',
  'dataops_dead_letters_total',
  'dataops_process_start_time_seconds',
  'dataops_process_resident_memory_bytes',
  'dataops_process_cpu_seconds_total',
];

/** Metric names an expression reads (identifiers before `{`, `[` or whitespace that are not functions or keywords). */
export function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const names = withoutStrings.match(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()/g) ?? [];
  const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'le', 'inf', 'nan']);
  return [...new Set(names.filter((name) => name.startsWith('dataops_') || name === 'up' || name === 'ALERTS'))].filter((name) => !keywords.has(name));
}
