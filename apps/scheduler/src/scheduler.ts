import { allTopics, stagesOf, Topics, type Envelope, type RunSummary, type StageName } from '@dataops/contracts';
import { deliveringStage, schedulesOf, type LoadedConfig } from '@dataops/config';
import { RunCoordinator, RunLedger, type AdmissionPolicy } from '@dataops/ledger';
import { retryUntilStopped } from '@dataops/messaging';
import { withRunContext } from '@dataops/observability';
import { ScheduleTicker, scheduledRunId, schedulePeriodSeconds } from '@dataops/schedule';
import { bootstrapService, consume, createServiceContext, groupId, type ServiceContext } from '@dataops/service';
import { ApiToken } from './runs/api-token';
import { RunsController } from './runs/runs.controller';

const STAGE_TOPICS = allTopics.filter((topic) => /^dataops\.(ingest|transform|export)\./.test(topic));
const ACTIVITY_EVERY_MS = 15_000;

/**
 * The scheduler: cron schedules -> run requests; run requests -> admitted runs (dedupe, overlap,
 * concurrency); stage events -> the run ledger -> dataops.run.finished; and the runs API. Any
 * number of replicas may run: admission takes a per-pipeline lock, run ids of scheduled runs
 * derive from their fire time, and the ledger ignores an event it has already applied.
 */
export async function runScheduler(): Promise<void> {
  const context = createServiceContext('scheduler');
  const ledger = new RunLedger(context.control, Object.keys(context.loaded.config.pipelines));
  const coordinator = new RunCoordinator(ledger, context.publisher, context.logger, {
    policyOf: (pipeline, stages) => policyOf(context.loaded, pipeline, stages),
    onOutbox: () => context.relay.kick(),
    onFinished: (summary) => {
      context.metrics.runs.inc({ pipeline: summary.pipeline, status: summary.status });
      if (summary.status === 'succeeded' && deliversThePipeline(context.loaded, summary)) {
        context.metrics.lastSuccess.set({ pipeline: summary.pipeline }, Date.parse(summary.finishedAt ?? '') / 1000 || Date.now() / 1000);
      }
    },
  });
  const schedules = Object.fromEntries(
    Object.entries(context.loaded.config.pipelines).flatMap(([name, pipeline]) => (schedulesOf(pipeline).length > 0 ? [[name, schedulesOf(pipeline)]] : [])),
  );
  context.metrics.initialize(Object.keys(context.loaded.config.pipelines));
  for (const [pipeline, list] of Object.entries(schedules)) {
    // the staleness alert waits for the rarest schedule (a nightly build), not the hourly import
    context.metrics.schedulePeriod.set({ pipeline }, Math.max(...list.map((schedule) => schedulePeriodSeconds(schedule))));
  }
  const ticker = new ScheduleTicker(
    schedules,
    ledger,
    ({ pipeline, fireTime, logicalDate, stages }) =>
      coordinator.request(
        pipeline,
        { trigger: 'schedule', logicalDate, scheduledAt: fireTime.toISOString(), fullRefresh: false, stages },
        scheduledRunId(pipeline, fireTime, stages),
      ),
    context.logger,
    context.env.DATAOPS_SCHEDULER_TICK_MS * 2,
  );
  const apiToken = readApiToken(context);
  if (!apiToken.enabled) context.logger.warn('the runs API accepts triggers, retries and cancels from anyone who reaches it: set api.tokenFile to require a bearer token');
  const timers: NodeJS.Timeout[] = [];
  await bootstrapService({
    context,
    defaultPort: 8081,
    controllers: [RunsController],
    providers: [
      { provide: RunLedger, useValue: ledger },
      { provide: RunCoordinator, useValue: coordinator },
      { provide: ApiToken, useValue: apiToken },
    ],
    start: async () => {
      await ledger.migrate();
      await subscribe(context, 'dataops-scheduler-admission', [Topics.runRequested], (event) => coordinator.onRunRequested(event).then(() => undefined));
      await subscribe(context, 'dataops-scheduler-ledger', STAGE_TOPICS, async (event) => {
        // another deployment's pipeline sharing the cluster: its own scheduler keeps its ledger
        if (context.loaded.config.pipelines[event.pipeline]) await coordinator.onStageEvent(event);
      });
      const tick = () => ticker.tick().catch((error) => context.logger.error('schedule tick failed', { error: (error as Error).message }));
      await tick();
      timers.push(setInterval(tick, context.env.DATAOPS_SCHEDULER_TICK_MS));
      timers.push(setInterval(() => void reportActivity(context, ledger), ACTIVITY_EVERY_MS));
      void reportActivity(context, ledger);
    },
    stop: async () => {
      for (const timer of timers) clearInterval(timer);
    },
  });
}

/** Control-database failures are transient: the event waits for the database, it is never dead-lettered. */
async function subscribe(context: ServiceContext, group: string, topics: string[], handle: (event: Envelope) => Promise<void>): Promise<void> {
  await consume(context, {
    groupId: groupId(context, group),
    topics,
    retry: retryUntilStopped,
    handler: (event) => withRunContext({ runId: event.runId, pipeline: event.pipeline }, () => handle(event)),
  });
}

/** Runs running per pipeline and the age of the oldest: the stuck-run alert reads these. */
async function reportActivity(context: ServiceContext, ledger: RunLedger): Promise<void> {
  try {
    for (const { pipeline, running, oldestSeconds } of await ledger.activity()) {
      // the control database may hold other deployments' pipelines: only ours become label values
      if (!context.loaded.config.pipelines[pipeline]) continue;
      context.metrics.runsRunning.set({ pipeline }, running);
      context.metrics.oldestRunningAge.set({ pipeline }, oldestSeconds);
    }
  } catch (error) {
    context.logger.warn('could not read run activity from the ledger', { error: (error as Error).message });
  }
}

function readApiToken(context: ServiceContext): ApiToken {
  try {
    return ApiToken.fromFile(context.env.DATAOPS_API_TOKEN_FILE ?? context.loaded.config.api?.tokenFile, context.loaded.dir);
  } catch (error) {
    context.logger.error(`cannot start: ${(error as Error).message}`);
    process.exit(2);
  }
}

/** A successful run that covered the pipeline's delivering stage (not an hourly import alone). */
function deliversThePipeline(loaded: LoadedConfig, summary: RunSummary): boolean {
  const definition = loaded.config.pipelines[summary.pipeline];
  return !!definition && stagesOf({ stages: summary.covers }).includes(deliveringStage(definition));
}

/** The policy of the schedule covering exactly these stages, else of the pipeline's first schedule. */
function policyOf(loaded: LoadedConfig, pipeline: string, stages?: StageName[]): AdmissionPolicy | undefined {
  const definition = loaded.config.pipelines[pipeline];
  if (!definition) return undefined;
  const list = schedulesOf(definition);
  const wanted = stagesOf({ stages }).join(',');
  const schedule = list.find((candidate) => stagesOf(candidate).join(',') === wanted) ?? list[0];
  return { overlap: schedule?.overlap ?? 'skip', maxConcurrentRuns: schedule?.maxConcurrentRuns ?? 1 };
}
