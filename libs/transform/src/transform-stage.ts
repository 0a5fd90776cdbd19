import { durationMs, type LoadedConfig } from '@dataops/config';
import { transformCompletedV1, type TransformCompleted } from '@dataops/contracts';
import { TerminalError, throwIfStopped } from '@dataops/errors';
import { currentView, joinPath, lakeStoreFor, ManifestRepository, tableFromFolder, type LakeStore } from '@dataops/lake';
import type { SparkRunner } from '@dataops/spark';
import type { StageRequest, StageRunOptions } from '@dataops/stage';
import { checkSpecs, loadModels } from './models';
import { transformJobResult } from './transform-job';
import { WarehousePublisher } from './warehouse-publisher';

/**
 * Raw lake -> warehouse for one run: one spark-submit builds every model as a new version and
 * runs the checks; only if no error check failed are the versions published, then the run record
 * is committed. A retried run finds its record and re-announces it without rewriting anything.
 */
export class TransformStage {
  constructor(
    private readonly loaded: LoadedConfig,
    private readonly spark: SparkRunner,
  ) {}

  async execute(request: StageRequest & { fullRefresh?: boolean }, options: StageRunOptions): Promise<TransformCompleted> {
    const pipeline = this.loaded.config.pipelines[request.pipeline];
    if (!pipeline) throw new TerminalError(`unknown pipeline "${request.pipeline}"`, { subject: request.pipeline });
    const { warehouse, lake } = this.loaded.config.storage;
    const store = lakeStoreFor(warehouse, this.loaded.config.storage);
    const recordPath = joinPath(warehouse, '_runs', request.pipeline, `${request.runId}.json`);
    const recorded = await store.readText(recordPath);
    if (recorded) {
      options.logger.info('transform already committed for this run; re-announcing it');
      return transformCompletedV1.parse(JSON.parse(recorded));
    }
    if (!pipeline.transform) return { logicalDate: request.logicalDate, models: [], checks: [] };
    const source = pipeline.source.name ?? pipeline.source.connection;
    const publisher = new WarehousePublisher(warehouse, store);
    const models = await loadModels(pipeline.transform, request.logicalDate);
    const checks = checkSpecs(pipeline.transform.checks);
    const raw = await this.rawTables(lakeStoreFor(lake, this.loaded.config.storage), lake, source);
    const previous = await this.previousVersions(store, publisher, models.map((model) => model.name), request);
    const spec = {
      raw,
      models: models.map((model) => ({
        ...model,
        path: publisher.versionPath(model.name, request.runId, options.attemptId),
        // a full refresh rebuilds incremental models from the raw tables alone
        previousPath: request.fullRefresh ? undefined : previous[model.name],
      })),
      checks,
    };
    const result = await this.spark.run(
      {
        script: 'transform.py',
        runId: request.runId,
        spec,
        timeoutMs: durationMs(pipeline.transform.timeout),
        signal: options.signal,
        logFile: options.jobLogPath,
        onLog: (line) => options.logger.debug(line, { spark: true }),
        onProgress: (progress) =>
          options.onProgress?.({ stage: 'transform', subject: String(progress.model ?? ''), rows: Number(progress.rows ?? 0) || undefined, phase: String(progress.phase ?? '') }),
      },
      transformJobResult,
    );
    const failed = result.checks.filter((check) => check.status === 'fail' && check.severity !== 'warn');
    if (failed.length > 0) {
      for (const model of result.models) await publisher.discard(model.name, request.runId, options.attemptId);
      throw new TerminalError(`data-quality checks failed, nothing published: ${failed.map((check) => `${check.name} (${check.detail})`).join('; ')}`, {
        subject: failed[0].name,
      });
    }
    for (const model of result.models) {
      throwIfStopped(options.signal, `model ${model.name}`);
      await publisher.publish(model.name, request.runId, options.attemptId);
      options.onProgress?.({ stage: 'transform', subject: model.name, rows: model.rows, done: true });
    }
    const payload: TransformCompleted = {
      logicalDate: request.logicalDate,
      models: result.models.map(({ name, rows, path, format, columns }) => ({ name, rows, path, format, columns })),
      checks: result.checks,
    };
    await store.writeTextAtomically(recordPath, JSON.stringify(payload, null, 2));
    return payload;
  }

  /**
   * The versions incremental models build on. Fixed by the run's first attempt: a retry after a
   * crash between two publishes must build on what was published before the run, not on the half
   * of the run that got published.
   */
  private async previousVersions(store: LakeStore, publisher: WarehousePublisher, names: string[], request: StageRequest): Promise<Record<string, string | undefined>> {
    const path = joinPath(this.loaded.config.storage.warehouse, '_runs', request.pipeline, `${request.runId}.previous.json`);
    const saved = await store.readText(path);
    if (saved) return JSON.parse(saved) as Record<string, string | undefined>;
    const previous: Record<string, string | undefined> = {};
    for (const name of names) previous[name] = await publisher.published(name);
    await store.writeTextAtomically(path, JSON.stringify(previous, null, 2));
    return previous;
  }

  /** Every raw table of the source with committed data, as its current view's files. */
  private async rawTables(store: LakeStore, lake: string, source: string) {
    const manifests = new ManifestRepository(store, lake);
    const folders = await store.list(joinPath(lake, 'raw', source));
    const views = [];
    for (const folder of folders) {
      const view = currentView(await manifests.all(source, tableFromFolder(folder)));
      if (view) views.push({ table: view.table, files: view.files, rows: view.rows, dedupe: view.dedupe, sourceTypes: view.sourceTypes, layout: view.layout });
    }
    if (views.length === 0) throw new TerminalError(`no committed raw tables under ${joinPath(lake, 'raw', source)}: run ingest first`);
    return views;
  }
}
