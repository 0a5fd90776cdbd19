import { resolveDatabaseCredentials, type LoadedConfig } from '@dataops/config';
import { TerminalError } from '@dataops/errors';
import { lakeStoreFor, ManifestRepository } from '@dataops/lake';
import { CATALOG_CONNECTIONS, MysqlCatalogRepository } from './mysql-catalog';
import { planTable, type PlanContext, type TablePlan } from './planner';
import type { SourceTable } from './mysql-catalog';
import { selectTables } from './table-selection';

/** `dataops plan`: what the next ingest would read, table by table, without moving data. */
export async function planPipeline(loaded: LoadedConfig, pipelineName: string, options: { fullRefresh?: boolean; tables?: string[] } = {}): Promise<TablePlan[]> {
  const pipeline = loaded.config.pipelines[pipelineName];
  if (!pipeline) throw new TerminalError(`unknown pipeline "${pipelineName}"`);
  const connection = loaded.config.connections[pipeline.source.connection];
  if (connection?.type !== 'mysql') throw new TerminalError(`pipeline ${pipelineName}: source connection must be mysql`);
  const source = pipeline.source.name ?? pipeline.source.connection;
  const manifests = new ManifestRepository(lakeStoreFor(loaded.config.storage.lake, loaded.config.storage), loaded.config.storage.lake);
  const catalog = await MysqlCatalogRepository.connect(connection, resolveDatabaseCredentials(connection.credentials, loaded.dir), pipeline.source.connection);
  try {
    const tables = selectTables(await catalog.tables(pipeline.source.tables.views), pipeline.source, options.tables);
    return await planTables(tables, { source: pipeline.source, catalog, fullRefresh: options.fullRefresh ?? false, now: new Date() }, manifests, source);
  } finally {
    await catalog.close();
  }
}

/**
 * Plans each table from its lake history (the last manifest gives the watermark and the schema),
 * CATALOG_CONNECTIONS tables at a time: each table's count and bounds are a scan on one source
 * thread, and one after another they left the other core idle (issue 11). The plans come back in
 * table order, and a failure is the one the first failing table in that order gives, as before.
 */
export async function planTables(tables: SourceTable[], context: PlanContext, manifests: ManifestRepository, source: string): Promise<TablePlan[]> {
  const planOne = async (table: SourceTable) => {
    const history = await manifests.all(source, table.name);
    const lastSnapshot = [...history].reverse().find((manifest) => manifest.fullSnapshot)?.committedAt;
    return planTable(table, history.at(-1), lastSnapshot, context);
  };
  const plans: TablePlan[] = new Array<TablePlan>(tables.length);
  let next = 0;
  const failures: { index: number; error: unknown }[] = [];
  const planner = async () => {
    while (next < tables.length && failures.length === 0) {
      const index = next++;
      try {
        plans[index] = await planOne(tables[index]);
      } catch (error) {
        failures.push({ index, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CATALOG_CONNECTIONS, tables.length) }, planner));
  // tables start in order: the earliest failure among those started is the one a sequential plan meets
  const [first] = failures.sort((a, b) => a.index - b.index);
  if (first) throw first.error;
  return plans;
}
