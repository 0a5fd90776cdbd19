import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection, LoadedConfig, SftpConnection } from '@dataops/config';
import { exportEngineOf, jdbcTlsSpec, resolveDatabaseCredentials, type ExportEngine } from '@dataops/config';
import type { ExportCompleted, ModelResult, TargetResult } from '@dataops/contracts';
import { summedBy, type TableChecksums } from '@dataops/reconcile';
import { TerminalError, throwIfStopped } from '@dataops/errors';
import type { SparkRunner } from '@dataops/spark';
import type { StageRequest, StageRunOptions } from '@dataops/stage';
import { exportJobResult, type ExportJobResult } from './export-job';
import { runSqoopExport } from './sqoop-export';
import { FileLoads } from './file-loads';
import { abandonInPlace, beginInPlace, finishJdbcExport, loadInPlace, openTarget, prepareJdbcExport, type PreparedJdbcExport } from './jdbc-export';
import { deliverFiles, openSftp, prepareSftpDelivery, resultOf, type SftpDelivery } from './sftp-export';

export interface ExportRequest extends StageRequest {
  models: ModelResult[];
}

/**
 * Load files loaded into a staging table at once, each by its own connection (the targets' pools
 * hold two): COPY of 1.03 M order_facts rows took 4.1 s on two connections, 5.5-5.7 s on one.
 */
const STAGING_LOAD_LANES = 2;

/**
 * Warehouse -> BI for one run. Every target is prepared (checked, staging created, or found done),
 * one job (Spark, or the arrow engine) fills the staging tables or writes their load files and
 * the SFTP files, then each JDBC target switches in one transaction and each SFTP target receives
 * its files and, last, its manifest. A PostgreSQL `replace` loaded by COPY has no staging table:
 * its switch transaction deletes the old rows, loads and sums the new ones (ReplaceInPlace).
 */
export class ExportStage {
  constructor(
    private readonly loaded: LoadedConfig,
    private readonly spark: SparkRunner,
  ) {}

  async execute(request: ExportRequest, options: StageRunOptions): Promise<ExportCompleted> {
    const pipeline = this.loaded.config.pipelines[request.pipeline];
    if (!pipeline) throw new TerminalError(`unknown pipeline "${request.pipeline}"`, { subject: request.pipeline });
    const jdbc: PreparedJdbcExport[] = [];
    const sftp: SftpDelivery[] = [];
    const engine = exportEngineOf(this.loaded.config, pipeline);
    // the arrow engine's job is a Python process: it imports its modules while the targets are prepared
    if (engine !== 'spark' && pipeline.export.length > 0) this.spark.preparePython();
    const localRoot = await mkdtemp(join(tmpdir(), `dataops-export-${request.runId.replace(/[^\w.-]/g, '_')}-`));
    // loads started while the job still runs, by target name
    const earlyLoads = new Map<string, FileLoads>();
    try {
      for (const target of pipeline.export) {
        const model = request.models.find((candidate) => candidate.name === target.model);
        if (!model) throw new TerminalError(`export: model ${target.model} is not among this run's models`, { subject: target.model });
        const connection = this.loaded.config.connections[target.connection];
        if (target.type === 'jdbc') {
          const repository = openTarget(connection, this.loaded, engine);
          // closed here when its preparation fails: it is not in the list the finally below closes
          jdbc.push(await prepareJdbcExport(target, model, repository, request.runId, options.attemptId).catch(async (error) => {
            await repository.close().catch(() => undefined);
            throw error;
          }));
        } else {
          const client = await openSftp(connection as SftpConnection, this.loaded);
          sftp.push(await prepareSftpDelivery(target, model, client, request.logicalDate, request.runId).catch(async (error) => {
            await client.close();
            throw error;
          }));
        }
      }
      const pendingJdbc = jdbc.filter((item) => item.done === undefined);
      const pendingSftp = sftp.filter((item) => !item.done);
      if (jdbc.length + sftp.length > pendingJdbc.length + pendingSftp.length) options.logger.info('some targets were already delivered by this run; left as they are');
      let job: ExportJobResult | undefined;
      if (pendingJdbc.length + pendingSftp.length > 0) {
        options.logger.info(`export engine ${engine}: ${pendingJdbc.length} database target(s), ${pendingSftp.length} SFTP target(s)`, { engine });
        // the arrow engine announces each load file once written, before the next: its load starts then
        const startLoad = (name: string, files: string[]) => {
          const item = pendingJdbc.find((candidate) => jdbcName(candidate) === name);
          if (!item || item.target.loader === 'sqoop' || item.repository.load === 'jdbc') return;
          if (!earlyLoads.has(name)) earlyLoads.set(name, this.fileLoads(item));
          earlyLoads.get(name)!.add(files);
        };
        // an in-place replace deletes the target's old rows while the job writes the load files
        pendingJdbc.filter((item) => item.inPlace).forEach(beginInPlace);
        job = await this.runJob(engine, request, pendingJdbc, pendingSftp, localRoot, options, startLoad);
      }
      const targets: TargetResult[] = [];
      for (const item of jdbc) {
        throwIfStopped(options.signal, `target ${item.table}`);
        const result =
          item.done !== undefined
            ? { type: 'jdbc' as const, name: `${item.target.connection}:${item.table}`, table: item.table, rows: item.done, files: [] }
            : await this.finishJdbc(item, job!.staged.find((staged) => staged.name === jdbcName(item))!, options, earlyLoads.get(jdbcName(item)), () =>
                this.modelColumnChecksums(engine, request, item, localRoot, options),
              );
        options.onProgress?.({ stage: 'export', subject: result.name, rows: result.rows, done: true });
        targets.push(result);
      }
      for (const item of sftp) {
        throwIfStopped(options.signal, `target ${item.remoteDir}`);
        const result = item.done ? resultOf(item, item.done) : await deliverFiles(item, job!.written.find((w) => w.name === sftpName(item))!, request.runId, request.logicalDate);
        options.onProgress?.({ stage: 'export', subject: result.name, rows: result.rows, done: true });
        targets.push(result);
      }
      return { logicalDate: request.logicalDate, targets };
    } finally {
      // a load may still run when the job failed: its connection and files are needed until it ends
      await Promise.all([...earlyLoads.values()].map((loads) => loads.settled()));
      // an in-place replace not committed (a failed job or target, a stop) leaves its target as it was
      await Promise.allSettled(jdbc.map(abandonInPlace));
      await Promise.all([...jdbc.map((item) => item.repository.close()), ...sftp.map((item) => item.sftp.close())]);
      await rm(localRoot, { recursive: true, force: true });
    }
  }

  private async finishJdbc(
    item: PreparedJdbcExport,
    staged: ExportJobResult['staged'][number],
    options: StageRunOptions,
    earlyLoad: FileLoads | undefined,
    warehouseByColumn: () => Promise<TableChecksums>,
  ): Promise<TargetResult> {
    const result = await finishJdbcExport(item, await this.fillStaging(item, staged, options, item.runId, earlyLoad), staged.checksums, warehouseByColumn);
    const matched = result.reconciliation ? `; matched the warehouse ${summedBy(result.reconciliation.by ?? 'columns', result.reconciliation.columns)}` : '';
    options.logger.info(`target ${result.name}: ${result.rows} rows switched in${matched}`, { table: item.table, rows: result.rows });
    return result;
  }

  /**
   * COPY targets: the job wrote CSV files, loaded here (or already loading: `earlyLoad`); JDBC
   * targets: the job filled staging itself.
   */
  private async fillStaging(item: PreparedJdbcExport, staged: ExportJobResult['staged'][number], options: StageRunOptions, runId: string, earlyLoad?: FileLoads): Promise<number> {
    if (item.target.loader === 'sqoop') return this.sqoopIntoStaging(item, staged, options, runId);
    if (item.repository.load === 'jdbc') return staged.rows;
    const loads = earlyLoad ?? this.fileLoads(item);
    const files = staged.files ?? [];
    const rows = await loads.total(files);
    const into = item.inPlace ? `${item.table} (old rows deleted in the same transaction, not yet committed)` : item.staging;
    options.logger.info(`target ${jdbcName(item)}: ${rows} rows loaded into ${into} by ${loadVerb(item)} from ${files.length} file(s) in ${loads.ms} ms`, { table: item.table, rows });
    if (rows !== staged.rows) {
      throw new TerminalError(`export ${item.model.name} -> ${item.table}: ${loadVerb(item)} took ${rows} rows, the job wrote ${staged.rows}; target unchanged`, { subject: item.table });
    }
    return rows;
  }

  /**
   * The model's per-column sums, by the job again (load nothing): the first run summed its rows
   * only, and the target's rows differ, so the columns must name what differs.
   */
  private async modelColumnChecksums(engine: ExportEngine, request: ExportRequest, item: PreparedJdbcExport, localRoot: string, options: StageRunOptions): Promise<TableChecksums> {
    options.logger.info(`target ${jdbcName(item)}: the rows differ from the warehouse; summing the model's columns to name the difference`, { table: item.table });
    const job = await this.runJob(engine, request, [item], [], join(localRoot, 'columns'), options, () => undefined, { onlyColumnChecksums: true });
    return job.staged[0].checksums;
  }

  /** The job's load files into the target's staging table (or, in place, the target), by COPY or LOAD DATA, as they come. */
  private fileLoads(item: PreparedJdbcExport): FileLoads {
    const columns = modelColumns(item.model);
    if (item.inPlace) return new FileLoads((files) => loadInPlace(item, columns, files));
    return new FileLoads((files) => item.repository.loadFiles!(item.staging, columns, files), STAGING_LOAD_LANES);
  }

  /** `sqoop export` (real Sqoop) of the model straight into this target's staging table. */
  private async sqoopIntoStaging(item: PreparedJdbcExport, staged: ExportJobResult['staged'][number], options: StageRunOptions, runId: string): Promise<number> {
    const connection = this.loaded.config.connections[item.target.connection];
    if (connection.type === 'sftp') throw new TerminalError(`export ${jdbcName(item)}: sqoop needs a database connection`, { subject: item.table });
    const columns = item.model.columns ?? [];
    options.logger.info(`target ${jdbcName(item)}: sqoop export of ${staged.rows} rows into ${item.staging}`, { table: item.table });
    const result = await runSqoopExport(
      this.spark,
      {
        name: jdbcName(item),
        dialect: item.repository.dialect,
        jdbcUrl: item.repository.jdbcUrl,
        table: item.staging,
        columns: columns.map((column) => column.name),
        modelPath: item.model.path,
        mode: { kind: 'direct' },
        temporalColumns: columns.filter((column) => /^(date|timestamp)/.test(column.type)).map((column) => column.name),
      },
      resolveDatabaseCredentials(connection.credentials, this.loaded.dir),
      { runId, signal: options.signal, logFile: options.jobLogPath, onLog: (line) => options.logger.debug(line, { sqoop: true }) },
    );
    if (result.rows !== staged.rows) {
      throw new TerminalError(`export ${item.model.name} -> ${item.table}: sqoop export wrote ${result.rows} rows, the model has ${staged.rows}; target unchanged`, { subject: item.table });
    }
    return result.rows;
  }

  private async runJob(
    engine: ExportEngine,
    request: ExportRequest,
    jdbc: PreparedJdbcExport[],
    sftp: SftpDelivery[],
    localRoot: string,
    options: StageRunOptions,
    onFilesWritten: (target: string, files: string[]) => void,
    { onlyColumnChecksums = false } = {},
  ) {
    const secrets: Record<string, { user: string; password: string }> = {};
    for (const item of jdbc) {
      const connection = this.loaded.config.connections[item.target.connection];
      if (connection.type !== 'sftp') secrets[item.target.connection] = resolveDatabaseCredentials(connection.credentials, this.loaded.dir);
    }
    const source = (model: ModelResult) => ({ path: model.path, format: model.format ?? 'parquet' });
    const spec = {
      jdbc: jdbc.map((item, index) => ({
        name: jdbcName(item),
        // a sqoop-loaded target: the job only sums the model (the warehouse side of the reconciliation)
        load: item.target.loader === 'sqoop' || onlyColumnChecksums ? 'none' : item.repository.load,
        // the rows' sum first; each column's only when the target's rows differ (modelColumnChecksums)
        columnChecksums: onlyColumnChecksums,
        localDir: join(localRoot, `load-${index}`),
        connection: item.target.connection,
        url: item.repository.jdbcUrl,
        driver: item.repository.driver,
        tls: jdbcTlsOf(this.loaded.config.connections[item.target.connection], item.target.connection),
        // quoted: Spark's JDBC writer puts dbtable into its INSERT as it is
        staging: item.repository.tableSql(item.staging),
        columns: (item.model.columns ?? []).map((column) => column.name),
        modelColumns: modelColumns(item.model),
        model: source(item.model),
      })),
      files: sftp.map((item, index) => ({
        name: sftpName(item),
        format: item.target.format,
        gzip: item.target.gzip,
        localDir: join(localRoot, `files-${index}`),
        modelColumns: modelColumns(item.model),
        model: source(item.model),
      })),
    };
    return this.spark.run(
      {
        // both engines take the same spec and give the same result (docs/engines.md)
        script: engine === 'spark' ? 'export.py' : 'arrow_export.py',
        runtime: engine === 'spark' ? 'spark-submit' : 'python',
        runId: request.runId,
        spec,
        secrets,
        signal: options.signal,
        logFile: options.jobLogPath,
        onLog: (line) => options.logger.debug(line, { spark: true }),
        onProgress: (progress) => {
          if (progress.phase === 'files' && Array.isArray(progress.files)) onFilesWritten(String(progress.target ?? ''), progress.files.map(String));
          else options.onProgress?.({ stage: 'export', subject: String(progress.target ?? ''), rows: Number(progress.rows ?? 0) || undefined, phase: String(progress.phase ?? '') });
        },
      },
      exportJobResult,
    );
  }
}

/** The model's columns and Spark types: the arrow engine's checksums and load files follow them. */
const modelColumns = (model: ModelResult) => (model.columns ?? []).map(({ name, type }) => ({ name, type }));

/** The TLS files of a JDBC target for the job (paths only), or null without TLS. */
const jdbcTlsOf = (connection: Connection | undefined, name: string) => (connection && connection.type !== 'sftp' ? (jdbcTlsSpec(connection, undefined, name) ?? null) : null);
const loadVerb = (item: PreparedJdbcExport) => (item.repository.load === 'copy' ? 'COPY' : 'LOAD DATA');
const jdbcName = (item: PreparedJdbcExport) => `${item.target.connection}:${item.table}`;
const sftpName = (item: SftpDelivery) => `${item.target.connection}:${item.remoteDir}`;

