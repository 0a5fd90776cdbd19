import { defaultJobsDir, startEarlySpare } from '@dataops/job-process';

/**
 * Imported first by main.ts: for `dataops run` with a stage that may run a Python job (ingest or
 * export on the arrow or Sqoop engine), the job's Python process starts now and imports pyarrow,
 * DuckDB and ConnectorX on the other core while Node loads the CLI's modules (~0.4 s), instead of
 * after them. The run's stage takes it over (libs/job-process/src/python-spare.ts); a run that
 * needs no Python job leaves it idle, and it ends with this process.
 */
export function mayRunPythonJob(argv: readonly string[]): boolean {
  if (!argv.includes('run')) return false;
  const stages = argv.indexOf('--stages');
  return stages < 0 || /ingest|export/.test(argv[stages + 1] ?? '');
}

// only as the `dataops` command (bin/dataops, or main.js run directly), never when a test imports the CLI
if (/(\/bin\/dataops|\/apps\/cli\/src\/main\.[jt]s)$/.test(process.argv[1] ?? '') && mayRunPythonJob(process.argv.slice(2))) {
  // the interpreter and jobs folder the stages' runner will use (libs/spark/src/settings.ts)
  startEarlySpare(process.env.PYSPARK_PYTHON ?? 'python3', defaultJobsDir());
}
