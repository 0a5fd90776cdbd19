import { join } from 'node:path';

/** The jobs/ folder of this checkout (or of the image): the PySpark and Python entry points. */
export function defaultJobsDir(): string {
  return process.env.DATAOPS_JOBS_DIR ?? join(__dirname, '..', '..', '..', 'jobs').replace(/\/dist\/jobs$/, '/jobs');
}
