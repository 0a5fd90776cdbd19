import { z } from 'zod';
import { reconciliation } from '@dataops/contracts';

export const MANIFEST_FORMAT = 'dataops.lake.manifest/v1';

export const lakeColumn = z.object({ name: z.string(), mysqlType: z.string(), sparkType: z.string(), nullable: z.boolean() });

/** A table's data for one run, visible to readers only once this file is committed. */
export const lakeManifest = z.object({
  format: z.literal(MANIFEST_FORMAT),
  runId: z.string(),
  pipeline: z.string(),
  source: z.string(),
  table: z.string(),
  mode: z.enum(['full', 'append', 'lastmodified']),
  fullSnapshot: z.boolean(),
  loadDate: z.string(),
  dataPath: z.string(),
  files: z.array(z.object({ path: z.string(), bytes: z.number().int().nonnegative() })),
  rows: z.number().int().nonnegative(),
  rowsRead: z.number().int().nonnegative(),
  /** how many slices (parallel range reads) the table was read in; older manifests: absent */
  slices: z.number().int().positive().optional(),
  sourceCount: z.number().int().nonnegative().nullable(),
  schema: z.array(lakeColumn),
  checkColumn: z.string().nullable(),
  mergeKey: z.array(z.string()).nullable(),
  watermark: z.object({ column: z.string(), value: z.string() }).nullable(),
  previousWatermark: z.object({ column: z.string(), value: z.string() }).nullable(),
  zeroDates: z.record(z.string(), z.number().int().nonnegative()),
  /** the data files' format; older manifests: absent (parquet) */
  fileFormat: z.enum(['parquet', 'orc']).optional(),
  /** Hive-style partition columns under dataPath (files' paths include their folders); older manifests: absent */
  partitionBy: z.array(z.string()).optional(),
  /** source -> lake, checked before this manifest was committed; older manifests: absent */
  reconciliation: reconciliation.optional(),
  committedAt: z.string(),
});

export type LakeManifest = z.infer<typeof lakeManifest>;
export type LakeColumn = z.infer<typeof lakeColumn>;
