import { z } from 'zod';

/** The run summary of SPEC.md, shared by `dataops run --json`, the API and `dataops.run.finished`. */

export const stageStatus = z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled']);
export const errorClass = z.enum(['transient', 'terminal']);

export const stageError = z.object({
  /** the stage that failed, or `run` for a run cancelled or refused as a whole */
  stage: z.enum(['ingest', 'transform', 'export', 'run']),
  message: z.string(),
  errorClass: errorClass.optional(),
  /** the table, model or target the error is about, when there is one */
  subject: z.string().nullish(),
});

/** counts of values that could not be kept as they were (e.g. zero dates -> NULL), per column */
export const lossCounts = z.record(z.string(), z.number().int().nonnegative());

/**
 * One hop of the cross-hop reconciliation (docs/reconciliation.md): the rows and every column's
 * checksum agreed between two places. A disagreement fails the stage instead, naming the column
 * and both values; `source changed` means the source moved during the read and was not comparable.
 */
export const reconciliation = z.object({
  from: z.string(),
  to: z.string(),
  status: z.enum(['match', 'source changed']),
  rows: z.number().int().nonnegative(),
  /** columns compared */
  columns: z.number().int().nonnegative(),
  /** float and double columns, compared by their non-NULL count only */
  countedOnly: z.array(z.string()).default([]),
  /**
   * how the database side (source, BI table) was summed: `rows` (one md5 per row, which agreed),
   * or `columns` (each column's sum, needed when the row sums differed); absent: every column
   */
  by: z.enum(['rows', 'columns']).optional(),
});

export const tableResult = z.object({
  table: z.string(),
  mode: z.enum(['full', 'append', 'lastmodified']),
  rows: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative().optional(),
  path: z.string(),
  watermark: z.string().nullable().optional(),
  /** rows read from the source (equals rows written, or the stage fails) */
  rowsRead: z.number().int().nonnegative().optional(),
  /** the parallel range reads (slices) the table was read in */
  slices: z.number().int().positive().optional(),
  /** full loads: COUNT(*) taken in the same snapshot as the read */
  sourceCount: z.number().int().nonnegative().nullable().optional(),
  zeroDates: lossCounts.optional(),
  /** source -> lake */
  reconciliation: reconciliation.optional(),
});

export const column = z.object({
  name: z.string(),
  type: z.string(),
  nullable: z.boolean().default(true),
  /** the MySQL column type a model column passes through unchanged (absent when computed): export maps it to the richest BI type */
  sourceType: z.string().optional(),
});

export const modelResult = z.object({
  name: z.string(),
  rows: z.number().int().nonnegative(),
  /** the published version's own folder: stays readable while newer versions are published */
  path: z.string(),
  format: z.enum(['parquet', 'orc']).optional(),
  /** Spark's type names (simpleString), so export can check a target before moving data */
  columns: z.array(column).optional(),
});

export const checkResult = z.object({
  name: z.string(),
  status: z.enum(['pass', 'fail']),
  severity: z.enum(['error', 'warn']).optional(),
  detail: z.string(),
});

export const targetResult = z.object({
  type: z.enum(['jdbc', 'sftp']),
  name: z.string(),
  rows: z.number().int().nonnegative(),
  table: z.string().optional(),
  files: z.array(z.string()).default([]),
  /** warehouse -> this target (the staging table before the switch, or the files before upload) */
  reconciliation: reconciliation.optional(),
});

/** What every stage of a run summary says besides its results: when it ran and where its job log is. */
const stageTimes = {
  status: stageStatus,
  startedAt: z.string().nullish(),
  finishedAt: z.string().nullish(),
  /** the engine's log of the attempt that produced the result (Spark's output) */
  logPath: z.string().nullish(),
};
export const ingestSummary = z.object({ ...stageTimes, tables: z.array(tableResult).default([]) });
export const transformSummary = z.object({
  ...stageTimes,
  models: z.array(modelResult).default([]),
  checks: z.array(checkResult).default([]),
});
export const exportSummary = z.object({ ...stageTimes, targets: z.array(targetResult).default([]) });

export const runSummary = z.object({
  runId: z.string(),
  pipeline: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'skipped', 'cancelled']),
  /** the run's attempt: 1, then one more per explicit retry */
  attempt: z.number().int().min(1).optional(),
  logicalDate: z.string().optional(),
  /** the stages this run covers (absent: all three); the others show as skipped */
  covers: z.array(z.enum(['ingest', 'transform', 'export'])).optional(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  stages: z.object({
    ingest: ingestSummary.optional(),
    transform: transformSummary.optional(),
    export: exportSummary.optional(),
  }),
  error: stageError.optional(),
});

export type StageStatus = z.infer<typeof stageStatus>;
export type ErrorClass = z.infer<typeof errorClass>;
export type StageError = z.infer<typeof stageError>;
export type TableResult = z.infer<typeof tableResult>;
export type Reconciliation = z.infer<typeof reconciliation>;
export type ModelResult = z.infer<typeof modelResult>;
export type CheckResult = z.infer<typeof checkResult>;
export type TargetResult = z.infer<typeof targetResult>;
export type RunSummary = z.infer<typeof runSummary>;
