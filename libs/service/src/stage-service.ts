import { WorkQueue } from '@dataops/ledger';
import { retryUntilStopped } from '@dataops/messaging';
import { createStages, linkFor, startsStage, StageExecutor, StageWorkRunner, type StageObserver } from '@dataops/pipeline';
import { exportEngineOf, ingestEngineOf } from '@dataops/config';
import type { StageName } from '@dataops/contracts';
import type { ReadinessProbe } from '@dataops/observability';
import { bootstrapService } from './bootstrap';
import { consume, createServiceContext, groupId, type ServiceContext } from './service-context';
import { databaseProbes } from './probes';

/**
 * An ingest, transform or export service: its Kafka handler records the work the trigger event
 * asks for and returns at once; the work runner claims it (or work a dead replica left), runs the
 * stage (the same code as `dataops run`) under a lease, and settles it with its announcement.
 */
export async function runStageService(stage: StageName, defaultPort: number): Promise<void> {
  const context = createServiceContext(stage);
  context.probes.push(...probesFor(stage, context));
  const stages = createStages(context.loaded, undefined, { service: true });
  const executor = new StageExecutor(stages, `dataops-${stage}`, observer(context));
  const runner = new StageWorkRunner(new WorkQueue(context.control, Object.keys(context.loaded.config.pipelines)), executor, context.relay, context.logger, {
    stage,
    owner: context.owner,
    concurrency: context.env.DATAOPS_STAGE_CONCURRENCY,
    leaseMs: context.env.DATAOPS_LEASE_MS,
    maxTries: context.env.DATAOPS_STAGE_MAX_TRIES,
    pollMs: context.env.DATAOPS_WORK_POLL_MS,
  });
  const link = linkFor(stage);
  await bootstrapService({
    context,
    defaultPort,
    start: async () => {
      context.metrics.initialize(Object.keys(context.loaded.config.pipelines), stage);
      runner.start();
      warmUpSpark(stage, context, stages);
      keepPythonReady(stage, context, stages);
      setInterval(() => context.metrics.stageWork.set({ stage }, runner.running), 2000).unref();
      await consume(context, {
        groupId: groupId(context, `dataops-${stage}`),
        topics: link.triggers,
        // only the control database can fail here: wait for it, never dead-letter a trigger
        retry: retryUntilStopped,
        handler: async (event) => {
          if (!context.loaded.config.pipelines[event.pipeline]) {
            context.logger.warn('event for a pipeline this service does not know; skipped', { pipeline: event.pipeline, runId: event.runId });
            return;
          }
          if (startsStage(link, event)) await runner.onEvent(event);
        },
      });
    },
    stop: async () => {
      await runner.stop();
      stages.engine?.stop();
    },
  });
}

/**
 * With a kept driver (spark.keepDriver), transform starts its Spark driver at boot, so the first run
 * does not wait for it; so does export when a pipeline exports on the spark engine. Ingest runs
 * Spark only on the spark engine: its driver starts on first use.
 */
function warmUpSpark(stage: StageName, context: ServiceContext, stages: ReturnType<typeof createStages>): void {
  const { config } = context.loaded;
  if (!stages.engine?.keepsDriver || stage === 'ingest') return;
  if (stage === 'export' && !Object.values(config.pipelines).some((pipeline) => pipeline.export.length > 0 && exportEngineOf(config, pipeline) === 'spark')) return;
  const started = Date.now();
  stages.engine
    ?.warmUp()
    .then(() => context.logger.info(`Spark driver kept up for this service's runs (spark.keepDriver), started in ${Date.now() - started} ms`))
    .catch((error: Error) => context.logger.warn('the Spark driver did not start; the first job will try again', { error: error.message }));
}

/**
 * Ingest (arrow or Sqoop engine) and export (arrow engine) run their jobs as Python processes:
 * the service keeps one started, its imports done, so that a run's job does not wait for them.
 */
function keepPythonReady(stage: StageName, context: ServiceContext, stages: ReturnType<typeof createStages>): void {
  const { config } = context.loaded;
  const pipelines = Object.values(config.pipelines);
  const runsPython =
    (stage === 'ingest' && pipelines.some((pipeline) => ingestEngineOf(config, pipeline) !== 'spark')) ||
    (stage === 'export' && pipelines.some((pipeline) => pipeline.export.length > 0 && exportEngineOf(config, pipeline) !== 'spark'));
  if (!runsPython) return;
  stages.engine?.preparePython({ keep: true });
  context.logger.info(`a Python process kept ready for this service's ${stage} jobs`);
}

function probesFor(stage: StageName, context: ServiceContext): ReadinessProbe[] {
  const names = new Set<string>();
  for (const pipeline of Object.values(context.loaded.config.pipelines)) {
    if (stage === 'ingest') names.add(pipeline.source.connection);
    if (stage === 'export') for (const target of pipeline.export) if (target.type === 'jdbc') names.add(target.connection);
  }
  return databaseProbes(context.loaded, [...names]);
}

/** Counts each stage run once, from its completion payload (progress updates are not counted). */
function observer(context: ServiceContext): StageObserver {
  const { metrics } = context;
  return {
    onFinished: ({ pipeline, stage, status, seconds, reason, payload }) => {
      metrics.stageDuration.observe({ pipeline, stage, status }, seconds);
      if (status === 'failed') metrics.failures.inc({ pipeline, stage, reason: reason ?? 'unknown' });
      countPayload(context, pipeline, stage, payload);
    },
  };
}

/** Rows per table/model/target from the completion payload: counted once per stage run. */
function countPayload(context: ServiceContext, pipeline: string, stage: StageName, payload: unknown): void {
  const { metrics } = context;
  const value = payload as {
    tables?: { table: string; rows: number; bytes?: number; slices?: number }[];
    models?: { name: string; rows: number }[];
    checks?: { name: string; status: string }[];
    targets?: { name: string; rows: number; files: string[] }[];
  };
  for (const table of value?.tables ?? []) {
    metrics.rows.inc({ pipeline, stage, table: table.table }, table.rows);
    if (table.bytes) metrics.bytes.inc({ pipeline, stage, table: table.table }, table.bytes);
    if (table.slices) metrics.slices.set({ pipeline, table: table.table }, table.slices);
  }
  for (const model of value?.models ?? []) metrics.rows.inc({ pipeline, stage, table: model.name }, model.rows);
  for (const check of value?.checks ?? []) metrics.checks.inc({ pipeline, check: check.name, status: check.status });
  for (const target of value?.targets ?? []) {
    metrics.rows.inc({ pipeline, stage, table: target.name }, target.rows);
    metrics.files.inc({ pipeline, stage, target: target.name }, target.files.length);
  }
}
