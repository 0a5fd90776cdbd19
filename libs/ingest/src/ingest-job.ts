import { z } from 'zod';
import { tableChecksums } from '@dataops/reconcile';
import { jdbcTlsSpec, jdbcTlsUrlProperties, type MysqlConnection } from '@dataops/config';
import { quoteIdentifier, customSchema, textCasts } from './type-mapping';
import type { TablePlan } from './planner';
import { SOURCE_ROW_DIGEST } from './mysql-catalog';

/** What jobs/ingest.py receives (spec) and returns (result). */
export const ingestJobResult = z.object({
  tables: z.array(
    z.object({
      table: z.string(),
      rows: z.number().int().nonnegative(),
      bytes: z.number().int().nonnegative(),
      files: z.array(z.object({ path: z.string(), bytes: z.number().int().nonnegative() })),
      /** the lake side of the reconciliation: the written files read back */
      checksums: tableChecksums,
    }),
  ),
});
export type IngestJobResult = z.infer<typeof ingestJobResult>;

/**
 * Connector/J settings that keep values as they are: TINYINT(1) stays a number, YEAR is not a date,
 * zero dates become NULL (counted separately), the session runs in UTC so TIMESTAMP is an instant.
 * No credentials here: they travel in the job's secrets file.
 */
const LOSSLESS_PROPERTIES: Record<string, string> = {
  tinyInt1isBit: 'false',
  yearIsDateType: 'false',
  zeroDateTimeBehavior: 'CONVERT_TO_NULL',
  connectionTimeZone: 'UTC',
  forceConnectionTimeZoneToSession: 'true',
  characterEncoding: 'UTF-8',
  useCursorFetch: 'false',
};

export function jdbcUrl(connection: MysqlConnection): string {
  // TLS (sslMode) last: the connection's `tls` decides, not a leftover property
  const properties = new URLSearchParams({ ...LOSSLESS_PROPERTIES, ...connection.properties, ...jdbcTlsUrlProperties(connection) });
  return `jdbc:mysql://${connection.host}:${connection.port}/${encodeURIComponent(connection.database)}?${properties}`;
}

export function readQuery(plan: TablePlan): string {
  const select = plan.columns.map((column) => `${column.expression} AS ${quoteIdentifier(column.name)}`).join(', ');
  return `(SELECT ${select} FROM ${quoteIdentifier(plan.table)} WHERE ${plan.where}) AS dataops_read`;
}

/** `name`: the source connection's name, for messages of the job */
export function ingestJobSpec(connection: MysqlConnection, maxConnections: number, plans: { plan: TablePlan; dataPath: string }[], name?: string) {
  const tls = jdbcTlsSpec(connection, undefined, name);
  return {
    url: jdbcUrl(connection),
    // the CA, client certificate and key paths the job turns into Connector/J's trust and key stores
    ...(tls ? { tls } : {}),
    maxConnections,
    compression: 'snappy',
    tables: plans.map(({ plan, dataPath }) => ({
      table: plan.table,
      query: readQuery(plan),
      slices: plan.slices,
      // the arrow engine reads a large table's slices in ranges of this key: memory bounded, not the table's size
      chunkColumn: plan.chunkColumn ?? null,
      estimatedRows: plan.estimatedRows,
      customSchema: customSchema(plan.columns),
      casts: textCasts(plan.columns),
      dataPath,
      // the lake types the job checksums the written files by (jobs/dataops_jobs/checksums.py)
      checksumColumns: plan.columns.map((column) => ({ name: column.name, type: column.sparkType })),
      // the arrow engines sum the rows only; each column when the source's rows differ (the Spark job sums both)
      columnChecksums: false,
      // the digest of the rows' sum: the source's (mysql-catalog.ts)
      rowDigest: SOURCE_ROW_DIGEST,
      format: plan.fileFormat ?? 'parquet',
      partitionBy: plan.partitionBy ?? [],
    })),
  };
}
