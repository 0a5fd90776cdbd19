import { join } from 'node:path';
import type { OutputLocations } from './outputs';

/**
 * The sample retail pipeline as the end-to-end and fault tests run it (examples/retail's models,
 * copied under `root`): incremental orders and order_items, three models, and the four BI targets
 * (PostgreSQL replace and upsert, MariaDB replace, SFTP CSV), each named after the pipeline.
 */
export function samplePipelineYaml(root: string, pipeline: string, options: { overlap: 'skip' | 'queue'; schedulesYaml?: string }): string {
  const schedule = options.schedulesYaml ?? `schedule:
  cron: "0 3 * * *"
  timezone: UTC
  overlap: ${options.overlap}
`;
  return `${schedule}source:
  connection: src
  maxConnections: 4
  defaults: { mode: full, slices: 2 }
  overrides:
    orders: { mode: lastmodified, checkColumn: updated_at, mergeKey: [id], lookback: 10m }
    order_items: { mode: append, checkColumn: order_item_id }
transform:
  models: ${join(root, 'models')}
  config:
    daily_sales_by_region: { materialized: incremental, strategy: overwrite_partitions, partitionBy: [order_date] }
    order_facts: { materialized: incremental, strategy: merge, uniqueKey: [order_item_id] }
  checks:
    - { type: unique, model: orders_clean, columns: [order_id] }
    - { type: relationships, model: order_facts, column: order_id, to: orders_clean, field: order_id }
export:
  - { type: jdbc, connection: bi_pg, model: daily_sales_by_region, table: public.${pipeline}_daily, mode: replace }
  - { type: jdbc, connection: bi_pg, model: order_facts, table: public.${pipeline}_facts, mode: upsert, key: [order_item_id] }
  - { type: jdbc, connection: bi_mysql, model: daily_sales_by_region, mode: replace }
  - { type: sftp, connection: sftp, model: daily_sales_by_region, remoteDir: upload/${pipeline}, format: csv, gzip: true }
`;
}

/** Where the sample pipeline's outputs land (samplePipelineYaml under writeTestConfig): what a snapshot compares. */
export function sampleOutputLocations(root: string, pipeline: string, biMysqlDatabase: string): OutputLocations {
  return {
    lake: join(root, 'lake'),
    source: 'src',
    warehouse: join(root, 'warehouse'),
    models: ['daily_sales_by_region', 'order_facts', 'orders_clean'],
    pgTables: [`public.${pipeline}_daily`, `public.${pipeline}_facts`],
    mysqlDatabase: biMysqlDatabase,
    mysqlTables: ['daily_sales_by_region'],
    sftpDirs: [join(process.env.DATAOPS_SFTP_ROOT!, 'upload', pipeline)],
  };
}
