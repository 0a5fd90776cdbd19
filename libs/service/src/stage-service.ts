import { EventConsumer } from '@dataops/messaging';
import { withRunContext } from '@dataops/observability';
import { createStages, linkFor, StageWorker, type StageObserver } from '@dataops/pipeline';
import type { StageName } from '@dataops/contracts';
import type { ReadinessProbe } from '@dataops/observability';
import { bootstrapService } from './bootstrap';
import { createServiceContext, groupId, type ServiceContext } from './service-context';
import { databaseProbes } from './probes';

/**
 * An ingest, transform or export service: it consumes the event that starts its stage, runs the
 * stage (the same code as `dataops run`) and announces the outcome; metrics follow the outcome.
 */
export async function runStageService(stage: StageName, defaultPort: number): Promise<void> {
  const context = createServiceContext(stage);
  context.probes.push(...probesFor(stage, context));
  const worker = new StageWorker(createStages(context.loaded), context.publisher, `dataops-${stage}`, context.logger, observer(context));
  const link = linkFor(stage);
  const consumer = new EventConsumer(context.kafka, context.publisher, context.logger);
  context.consumers.push(consumer);
  const group = groupId(context, `dataops-${stage}`);
  context.subscriptions.push({ group, topics: [link.trigger] });
  await bootstrapService({
    context,
    defaultPort,
    start: () =>
      consumer.start({
        groupId: group,
        topics: [link.trigger],
        handler: async (event, delivery) => {
          if (!context.loaded.config.pipelines[event.pipeline]) {
            context.logger.warn('event for a pipeline this service does not know; skipped', { pipeline: event.pipeline, runId: event.runId });
            return;
          }
          await withRunContext({ runId: event.runId, pipeline: event.pipeline, stage }, () => worker.handle(link, event, delivery));
        },
      }),
    stop: async () => undefined,
  });
}

function probesFor(stage: StageName, context: ServiceContext): ReadinessProbe[] {
  const names = new Set<string>();
  for (const pipeline of Object.values(context.loaded.config.pipelines)) {
    if (stage === 'ingest') names.add(pipeline.source.connection);
    if (stage === 'export') for (const target of pipeline.export) if (target.type === 'jdbc') names.add(target.connection);
  }
  return databaseProbes(context.loaded, [...names]);
}

function observer(context: ServiceContext): StageObserver {
  const { metrics } = context;
  return {
    onProgress: (pipeline, progress) => {
      if (!progress.subject) return;
      if (progress.rows !== undefined && progress.bytes !== undefined) {
        metrics.rows.inc({ pipeline, stage: progress.stage, table: progress.subject }, progress.rows);
        metrics.bytes.inc({ pipeline, stage: progress.stage, table: progress.subject }, progress.bytes);
      }
    },
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
    tables?: { table: string; rows: number; bytes?: number }[];
    models?: { name: string; rows: number }[];
    checks?: { name: string; status: string }[];
    targets?: { name: string; rows: number; files: string[] }[];
  };
  for (const table of value?.tables ?? []) {
    metrics.rows.inc({ pipeline, stage, table: table.table }, table.rows);
    if (table.bytes) metrics.bytes.inc({ pipeline, stage, table: table.table }, table.bytes);
  }
  for (const model of value?.models ?? []) metrics.rows.inc({ pipeline, stage, table: model.name }, model.rows);
  for (const check of value?.checks ?? []) metrics.checks.inc({ pipeline, check: check.name, status: check.status });
  for (const target of value?.targets ?? []) {
    metrics.rows.inc({ pipeline, stage, table: target.name }, target.rows);
    metrics.files.inc({ pipeline, stage, target: target.name }, target.files.length);
  }
}
