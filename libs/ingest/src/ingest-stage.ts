import { dirname } from 'node:path';
import type { LoadedConfig, MysqlConnection, PipelineConfig } from '@dataops/config';
import { ingestEngineOf, resolveDatabaseCredentials, type IngestEngine } from '@dataops/config';
import type { IngestCompleted, Reconciliation, TableResult } from '@dataops/contracts';
import { compareChecksums, countedOnly, describeMismatches, hasColumnSums, onlyRowsDiffer, summedBy, tableChecksums, type TableChecksums } from '@dataops/reconcile';
import { TerminalError, throwIfStopped } from '@dataops/errors';
import { joinPath, lakeStoreFor, ManifestRepository, MANIFEST_FORMAT, runDataPath, type LakeManifest, type LakeStore } from '@dataops/lake';
import type { SparkRunner } from '@dataops/spark';
import type { StageRequest, StageRunOptions } from '@dataops/stage';
import { ingestJobResult, ingestJobSpec, type IngestJobResult } from './ingest-job';
import { MysqlCatalogRepository } from './mysql-catalog';
import type { TablePlan } from './planner';
import { planTables } from './plan-pipeline';
import { sqoopJobPlan, type SqoopJobPlan } from './sqoop-script';
import { SourceScans, type TableScan } from './source-scans';
import { selectTables } from './table-selection';

export interface IngestRequest extends StageRequest {
  tables?: string[];
  fullRefresh?: boolean;
}

/**
 * MySQL -> lake for one run: discover, plan, one engine job (spark-submit, or the arrow engine's
 * Python process) for every table, then commit each table's manifest. Idempotent by run id: tables already committed for the run are re-announced.
 */
export class IngestStage {
  constructor(
    private readonly loaded: LoadedConfig,
    private readonly spark: SparkRunner,
  ) {}

  async execute(request: IngestRequest, options: StageRunOptions): Promise<IngestCompleted> {
    const { pipeline, connection, sourceName } = this.source(request.pipeline);
    // the arrow and Sqoop engines' job is a Python process: it imports its modules while we plan
    if (ingestEngineOf(this.loaded.config, pipeline) !== 'spark') this.spark.preparePython();
    const manifests = new ManifestRepository(this.lakeStore(), this.loaded.config.storage.lake);
    const login = resolveDatabaseCredentials(connection.credentials, this.loaded.dir);
    const catalog = await MysqlCatalogRepository.connect(connection, login, pipeline.source.connection);
    try {
      const tables = selectTables(await catalog.tables(pipeline.source.tables.views), pipeline.source, request.tables);
      const committed = new Map<string, LakeManifest>();
      for (const table of tables) {
        const found = await manifests.find(sourceName, table.name, request.runId);
        if (found) committed.set(table.name, found);
      }
      if (committed.size > 0) options.logger.info('re-announcing tables already committed for this run', { tables: [...committed.keys()] });
      const todo = tables.filter((table) => !committed.has(table.name));
      await catalog.assertReadable(todo.map((table) => table.name));
      const plans = await planTables(todo, { source: pipeline.source, catalog, fullRefresh: request.fullRefresh ?? false, now: new Date() }, manifests, sourceName);
      const fresh = plans.length > 0 ? await this.importAndCommit(plans, connection, pipeline, sourceName, manifests, catalog, request, options, login) : [];
      const all = [...committed.values(), ...fresh].sort((a, b) => a.table.localeCompare(b.table));
      return { logicalDate: request.logicalDate, fullRefresh: request.fullRefresh ?? false, tables: all.map((manifest) => tableResult(manifest)) };
    } finally {
      await catalog.close();
    }
  }

  private async importAndCommit(
    plans: TablePlan[],
    connection: MysqlConnection,
    pipeline: PipelineConfig,
    source: string,
    manifests: ManifestRepository,
    catalog: MysqlCatalogRepository,
    request: IngestRequest,
    options: StageRunOptions,
    login: { user: string; password: string },
  ): Promise<LakeManifest[]> {
    const lake = this.loaded.config.storage.lake;
    const located = plans.map((plan) => ({ plan, dataPath: runDataPath({ lake, source, table: plan.table }, request.logicalDate, request.runId, options.attemptId) }));
    const engine = ingestEngineOf(this.loaded.config, pipeline);
    options.logger.info(`ingest engine ${engine}: ${located.length} table(s), ${pipeline.source.maxConnections} connection(s) at most`, { engine });
    // every table's source scan in flight at once (bounded by the source's connections), the commits one by one in table order;
    // the dates by their stored text: reconcile counts zero dates only where the lake differs from it
    const scans = new SourceScans(catalog, pipeline.source.maxConnections);
    const scanned = new Map<string, Promise<TableScan>>();
    const scanEvery = () => {
      if (scanned.size === 0) for (const { plan } of located) scanned.set(plan.table, settledLater(scans.scan(plan, 'row', 'stored')));
    };
    // once the engine has read every table it holds none of the source's connections, and the
    // scans run while it still sums the lake's files and exits (about half a second on the sample)
    const written = new Set<string>();
    const onWritten = (table: string) => {
      written.add(table);
      if (located.every(({ plan }) => written.has(plan.table))) scanEvery();
    };
    try {
      const result = await this.runEngine(engine, located, connection, pipeline, source, request, options, login, onWritten);
      scanEvery();
      return await this.commitEach(located, result, scanned, scans, source, manifests, request, options);
    } finally {
      await scans.close();
    }
  }

  /** The engine's one job for every table; `onWritten(table)` as it reports each table written (its source reads done). */
  private runEngine(
    engine: IngestEngine,
    located: { plan: TablePlan; dataPath: string }[],
    connection: MysqlConnection,
    pipeline: PipelineConfig,
    source: string,
    request: IngestRequest,
    options: StageRunOptions,
    login: { user: string; password: string },
    onWritten: (table: string) => void,
  ): Promise<IngestJobResult> {
    return this.spark.run(
      {
        // both engines take the same spec and secrets and write the same lake files (docs/engines.md)
        script: ENGINE_JOBS[engine],
        runtime: engine === 'spark' ? 'spark-submit' : 'python',
        runId: request.runId,
        spec: withEnginePlan(engine, ingestJobSpec(connection, pipeline.source.maxConnections, located, pipeline.source.connection), () =>
          sqoopJobPlan(located, { pipeline: request.pipeline, source, maxConnections: pipeline.source.maxConnections }),
        ),
        secrets: { source: login },
        signal: options.signal,
        logFile: options.jobLogPath,
        onLog: (line) => options.logger.debug(line, { spark: true }),
        onProgress: (progress) => {
          if (progress.phase === 'written') onWritten(String(progress.table ?? ''));
          options.onProgress?.({
            stage: 'ingest',
            subject: String(progress.table ?? ''),
            rows: Number(progress.rows ?? 0) || undefined,
            estimatedRows: located.find(({ plan }) => plan.table === progress.table)?.plan.estimatedRows,
            phase: String(progress.phase ?? ''),
          });
        },
      },
      ingestJobResult,
    );
  }

  private async commitEach(
    located: { plan: TablePlan; dataPath: string }[],
    result: IngestJobResult,
    scanned: Map<string, Promise<TableScan>>,
    scans: SourceScans,
    source: string,
    manifests: ManifestRepository,
    request: IngestRequest,
    options: StageRunOptions,
  ): Promise<LakeManifest[]> {
    const committed: LakeManifest[] = [];
    for (const { plan, dataPath } of located) {
      throwIfStopped(options.signal, `table ${plan.table}`);
      const written = result.tables.find((table) => table.table === plan.table);
      if (!written) throw new TerminalError(`table ${plan.table}: the Spark job returned no result for it`, { subject: plan.table });
      const scan = await scanned.get(plan.table)!;
      options.logger.info(`table ${plan.table}: source checksums in ${scan.ms} ms (${scan.queries} slice quer${scan.queries === 1 ? 'y' : 'ies'})`, {
        table: plan.table,
        checksumMs: scan.ms,
      });
      const lakeByColumn = () => this.lakeColumnChecksums(plan, dataPath, written, request.runId, options);
      const { sourceCount, reconciliation, zeroDates } = await this.reconcile(plan, written, scan, scans, options, lakeByColumn);
      const manifest: LakeManifest = {
        format: MANIFEST_FORMAT,
        runId: request.runId,
        pipeline: request.pipeline,
        source,
        table: plan.table,
        mode: plan.mode,
        fullSnapshot: plan.fullSnapshot,
        loadDate: request.logicalDate,
        dataPath,
        files: written.files,
        rows: written.rows,
        rowsRead: written.rows,
        slices: plan.slices.length,
        sourceCount,
        reconciliation,
        schema: plan.columns.map((column) => ({ name: column.name, mysqlType: column.mysqlType, sparkType: column.sparkType, nullable: column.nullable })),
        checkColumn: plan.checkColumn,
        mergeKey: plan.mergeKey,
        watermark: plan.checkColumn && plan.upperWatermark !== null ? { column: plan.checkColumn, value: plan.upperWatermark } : null,
        previousWatermark: plan.previousWatermark,
        zeroDates,
        fileFormat: plan.fileFormat ?? 'parquet',
        partitionBy: plan.partitionBy ?? [],
        committedAt: new Date().toISOString(),
      };
      await manifests.commit(manifest);
      await removeOtherAttempts(this.lakeStore(), dataPath, options.attemptId);
      options.onProgress?.({ stage: 'ingest', subject: plan.table, rows: written.rows, bytes: written.bytes, done: true });
      committed.push(manifest);
    }
    return committed;
  }

  /**
   * The source-to-lake reconciliation: the rows and every column's checksum in the lake files must
   * equal the source's over the same bounds, or nothing is committed for the table. MySQL cannot
   * give one snapshot across the parallel slice connections (docs/ingest.md): when they differ,
   * the source is summed once more, and a source that changed meanwhile is reported, not failed.
   * The first scan sums the dates' stored texts (DateScan `stored`): a lake that matches them holds
   * every stored date as it is, so there was no zero date; one that does not is compared with the
   * calendar dates, which also counts the zero dates the reader made NULL.
   */
  private async reconcile(
    plan: TablePlan,
    written: IngestJobResult['tables'][number],
    scan: TableScan,
    scans: SourceScans,
    options: StageRunOptions,
    lakeByColumn: () => Promise<TableChecksums>,
  ) {
    // the source summed the rows (one CRC32 per row); the lake its rows too (arrow engines) or also each column (Spark)
    let { checksums: source, zeroDates } = scan;
    let mismatches = compareChecksums(source, written.checksums);
    if (mismatches.length > 0 && zeroDates === null) {
      options.logger.info(`table ${plan.table}: the lake differs from the dates' stored texts; summing the calendar dates and counting the zero dates`, { table: plan.table });
      ({ checksums: source, zeroDates } = await scans.scan(plan, 'row', 'calendar'));
      mismatches = compareChecksums(source, written.checksums);
    }
    let status: 'match' | 'source changed' = 'match';
    let by: 'rows' | 'columns' = 'rows';
    if (mismatches.length > 0) {
      const again = (await scans.scan(plan, 'row')).checksums;
      if (compareChecksums(source, again).length > 0) {
        status = 'source changed';
        options.logger.warn(`table ${plan.table}: the source changed during the read; lake and source not comparable this run`, {
          table: plan.table,
          before: source.rows,
          after: again.rows,
          written: written.rows,
        });
        mismatches = [];
      } else if (onlyRowsDiffer(mismatches)) {
        // the same rows still: the per-column sums name the column that differs
        by = 'columns';
        // the arrow engines summed the lake's rows only: its columns are summed now, to compare
        const lake = hasColumnSums(written.checksums) ? written.checksums : await lakeByColumn();
        mismatches = compareChecksums((await scans.scan(plan, 'column')).checksums, lake);
        if (mismatches.length === 0) {
          options.logger.warn(`table ${plan.table}: the row checksums differ but every column's checksum matches; committed`, { table: plan.table });
        }
      }
    }
    if (mismatches.length > 0) {
      throw new TerminalError(`reconciliation failed, nothing committed for it: ${describeMismatches(`table ${plan.table}`, 'at the source', 'in the lake', mismatches)}`, {
        subject: plan.table,
      });
    }
    options.logger.info(`table ${plan.table}: ${written.rows} rows match the source ${summedBy(by, Object.keys(source.columns).length)}`, { table: plan.table });
    const reconciliation: Reconciliation = { from: 'source', to: 'lake', status, rows: source.rows, columns: Object.keys(source.columns).length, countedOnly: countedOnly(source), by };
    // matched by the stored texts (zeroDates still null): no date column held a zero date
    return { sourceCount: plan.fullSnapshot && status === 'match' ? source.rows : null, reconciliation, zeroDates: zeroDates ?? {} };
  }

  /** Each column's checksums of the table's lake files (jobs/lake_checksums.py: DuckDB, no Spark). */
  private async lakeColumnChecksums(plan: TablePlan, dataPath: string, written: IngestJobResult['tables'][number], runId: string, options: StageRunOptions): Promise<TableChecksums> {
    options.logger.info(`table ${plan.table}: the rows differ from the source; summing the lake's columns to name the difference`, { table: plan.table });
    return this.spark.run(
      {
        script: 'lake_checksums.py',
        runtime: 'python',
        runId,
        spec: { folder: dataPath, files: written.files.map((file) => file.path), format: plan.fileFormat ?? 'parquet', columns: plan.columns.map((column) => ({ name: column.name, type: column.sparkType })) },
        signal: options.signal,
        logFile: options.jobLogPath,
        onLog: (line) => options.logger.debug(line, { spark: true }),
      },
      tableChecksums,
    );
  }

  private lakeStore(): LakeStore {
    return lakeStoreFor(this.loaded.config.storage.lake, this.loaded.config.storage);
  }

  private source(pipelineName: string) {
    const pipeline = this.loaded.config.pipelines[pipelineName];
    if (!pipeline) throw new TerminalError(`unknown pipeline "${pipelineName}"`, { subject: pipelineName });
    const connection = this.loaded.config.connections[pipeline.source.connection];
    if (connection?.type !== 'mysql') throw new TerminalError(`pipeline ${pipelineName}: source connection must be mysql`);
    return { pipeline, connection, sourceName: pipeline.source.name ?? pipeline.source.connection };
  }
}

/** The promise, marked handled: a table's scan may fail while an earlier table is being committed; it is awaited (and thrown) in its turn. */
function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** The job of each engine; all three take the same spec and secrets and write the same lake files (docs/engines.md). */
const ENGINE_JOBS: Record<IngestEngine, string> = { spark: 'ingest.py', arrow: 'arrow_ingest.py', sqoop: 'sqoop_ingest.py' };

/** The Sqoop engine also gets its sqoop-script.sh (libs/ingest/src/sqoop-script.ts). */
function withEnginePlan<T extends object>(engine: IngestEngine, spec: T, sqoop: () => SqoopJobPlan): T | (T & { sqoop: SqoopJobPlan }) {
  return engine === 'sqoop' ? { ...spec, sqoop: sqoop() } : spec;
}

function tableResult(manifest: LakeManifest): TableResult {
  return {
    table: manifest.table,
    mode: manifest.mode,
    rows: manifest.rows,
    files: manifest.files.length,
    bytes: manifest.files.reduce((sum, file) => sum + file.bytes, 0),
    path: manifest.dataPath,
    watermark: manifest.watermark?.value ?? null,
    rowsRead: manifest.rowsRead,
    slices: manifest.slices,
    sourceCount: manifest.sourceCount,
    zeroDates: manifest.zeroDates,
    reconciliation: manifest.reconciliation,
  };
}


/**
 * After a commit, the folders earlier attempts of the same run left (a killed service, a fenced
 * attempt) are garbage: no manifest points at them.
 */
async function removeOtherAttempts(store: LakeStore, dataPath: string, attemptId: string | undefined): Promise<void> {
  if (!attemptId) return;
  const runFolder = dirname(dataPath);
  for (const entry of await store.list(runFolder)) {
    if (entry.startsWith('attempt=') && entry !== `attempt=${attemptId}`) await store.remove(joinPath(runFolder, entry));
  }
}
