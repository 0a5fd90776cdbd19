import { Pool } from 'pg';
import { allTopics, Topics, type Envelope } from '@dataops/contracts';
import { resolveDatabaseCredentials, type LoadedConfig } from '@dataops/config';
import { TerminalError } from '@dataops/errors';
import { RunCoordinator, RunLedger, type AdmissionPolicy } from '@dataops/ledger';
import { EventConsumer } from '@dataops/messaging';
import { withRunContext } from '@dataops/observability';
import { ScheduleTicker, scheduledRunId } from '@dataops/schedule';
import { bootstrapService, createServiceContext, databaseProbes, groupId, type ServiceContext } from '@dataops/service';
import { RunsController } from './runs/runs.controller';

const STAGE_TOPICS = allTopics.filter((topic) => /^dataops\.(ingest|transform|export)\./.test(topic));

/**
 * The scheduler: cron schedules -> run requests; run requests -> admitted runs (dedupe, overlap,
 * concurrency); stage events -> the run ledger -> dataops.run.finished; and the runs API.
 */
export async function runScheduler(): Promise<void> {
  const context = createServiceContext('scheduler');
  const controlName = context.loaded.config.control?.connection;
  if (!controlName) throw new TerminalError('the scheduler needs control.connection (the run ledger database) in the config');
  context.probes.push(...databaseProbes(context.loaded, [controlName]));
  const pool = controlPool(context.loaded, controlName);
  const ledger = new RunLedger(pool);
  const coordinator = new RunCoordinator(ledger, context.publisher, context.logger, {
    policyOf: (pipeline) => policyOf(context.loaded, pipeline),
    onFinished: (summary) => {
      context.metrics.runs.inc({ pipeline: summary.pipeline, status: summary.status });
      if (summary.status === 'succeeded') context.metrics.lastSuccess.set({ pipeline: summary.pipeline }, Date.now() / 1000);
    },
  });
  const schedules = Object.fromEntries(
    Object.entries(context.loaded.config.pipelines).flatMap(([name, pipeline]) => (pipeline.schedule ? [[name, pipeline.schedule]] : [])),
  );
  const ticker = new ScheduleTicker(
    schedules,
    ledger,
    ({ pipeline, fireTime, logicalDate }) =>
      coordinator.request(pipeline, { trigger: 'schedule', logicalDate, scheduledAt: fireTime.toISOString(), fullRefresh: false }, scheduledRunId(pipeline, fireTime)),
    context.logger,
    context.env.DATAOPS_SCHEDULER_TICK_MS * 2,
  );
  let timer: NodeJS.Timeout | undefined;
  await bootstrapService({
    context,
    defaultPort: 8081,
    controllers: [RunsController],
    providers: [
      { provide: RunLedger, useValue: ledger },
      { provide: RunCoordinator, useValue: coordinator },
    ],
    start: async () => {
      await ledger.migrate();
      await coordinator.announcePending();
      await consume(context, 'dataops-scheduler-admission', [Topics.runRequested], (event) => coordinator.onRunRequested(event).then(() => undefined));
      await consume(context, 'dataops-scheduler-ledger', STAGE_TOPICS, (event) => coordinator.onStageEvent(event));
      const tick = () => ticker.tick().catch((error) => context.logger.error('schedule tick failed', { error: (error as Error).message }));
      await tick();
      timer = setInterval(tick, context.env.DATAOPS_SCHEDULER_TICK_MS);
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      await pool.end();
    },
  });
}

async function consume(context: ServiceContext, group: string, topics: string[], handle: (event: Envelope) => Promise<void>): Promise<void> {
  const consumer = new EventConsumer(context.kafka, context.publisher, context.logger);
  context.consumers.push(consumer);
  context.subscriptions.push({ group: groupId(context, group), topics });
  await consumer.start({
    groupId: groupId(context, group),
    topics,
    handler: async (event) => {
      if (!context.loaded.config.pipelines[event.pipeline]) return;
      await withRunContext({ runId: event.runId, pipeline: event.pipeline }, () => handle(event));
    },
  });
}

function policyOf(loaded: LoadedConfig, pipeline: string): AdmissionPolicy | undefined {
  const definition = loaded.config.pipelines[pipeline];
  if (!definition) return undefined;
  return { overlap: definition.schedule?.overlap ?? 'skip', maxConcurrentRuns: definition.schedule?.maxConcurrentRuns ?? 1 };
}

function controlPool(loaded: LoadedConfig, name: string): Pool {
  const connection = loaded.config.connections[name];
  if (connection?.type !== 'postgres') throw new TerminalError(`control.connection ${name} must be a postgres connection`);
  const login = resolveDatabaseCredentials(connection.credentials, loaded.dir);
  const pool = new Pool({ host: connection.host, port: connection.port, database: connection.database, user: login.user, password: login.password, max: 5 });
  pool.on('error', () => undefined);
  return pool;
}
