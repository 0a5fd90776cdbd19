import type { Command } from 'commander';
import { TerminalError } from '@dataops/errors';
import { makeEnvelope, stagesOf, Topics, type RunRequested } from '@dataops/contracts';
import type { RunsApiClient } from '@dataops/runs-api';
import { dateInZone, fireTimesBetween, manualRunId, scheduledRunId } from '@dataops/schedule';
import { kafkaClientSettings, schedulesOf, type LoadedConfig } from '@dataops/config';
import type { CliContext } from '../context';
import { ExitCode, UsageError } from '../exit-codes';
import { dateOption, requirePipeline, runsApi, stagesOption, today } from '../cli-helpers';
import { printSummary } from '../summary-report';
import { watchRun } from '../watch-run';

interface TriggerOptions {
  wait?: boolean;
  json?: boolean;
  ifDue?: boolean;
  date?: string;
  fullRefresh?: boolean;
  tables?: string;
  stages?: string;
  api?: string;
  timeout: string;
}

export function registerTrigger(program: Command, context: CliContext): void {
  program
    .command('trigger')
    .description('publish dataops.run.requested; with --wait, follow the run and exit 0 on success, 1 on failure')
    .argument('<pipeline>')
    .option('--wait', 'follow the run until it ends')
    .option('--json', 'with --wait: print the run summary as JSON')
    .option('--if-due', 'for cron: trigger only if the pipeline schedule fires this minute (run id from the fire time)')
    .option('--date <YYYY-MM-DD>', 'logical date (default: today)')
    .option('--full-refresh', 'read every table in full')
    .option('--tables <list>', 'only these source tables (comma-separated)')
    .option('--stages <list>', 'only these stages, in order: ingest | ingest,transform | transform | transform,export (default: all); with --if-due, the schedule covering them')
    .option('--api <url>', 'scheduler API for --wait (default: $DATAOPS_API or http://127.0.0.1:8081)')
    .option('--timeout <minutes>', 'with --wait: give up after this long', '360')
    .action((pipeline: string, options: TriggerOptions) =>
      (async () => {
        const loaded = context.loadConfig();
        requirePipeline(loaded, pipeline);
        const request = requestFor(loaded, pipeline, options);
        if (!request) return;
        await publish(context, loaded, pipeline, request.runId, request.payload);
        if (!options.json) context.print(`requested run ${request.runId} of ${pipeline}${request.payload.stages ? ` (stages: ${request.payload.stages.join(', ')})` : ''}`);
        if (!options.wait) return;
        if (!(await waitFor(request.runId, pipeline, options, loaded, context))) context.fail(ExitCode.failed);
      })(),
    );
}

function requestFor(loaded: LoadedConfig, pipeline: string, options: TriggerOptions): { runId: string; payload: RunRequested } | undefined {
  const stages = stagesOption(options.stages);
  if (options.date !== undefined) dateOption(options.date);
  const base = { fullRefresh: options.fullRefresh ?? false, tables: options.tables?.split(','), stages };
  if (!options.ifDue) return { runId: manualRunId(pipeline), payload: { ...base, trigger: 'cli', logicalDate: options.date ?? today() } };
  const wanted = stagesOf({ stages }).join(',');
  const schedules = schedulesOf(loaded.config.pipelines[pipeline]).filter((schedule) => stagesOf(schedule).join(',') === wanted);
  if (schedules.length === 0) throw new UsageError(`pipeline ${pipeline} has no schedule of stages ${wanted}; --if-due needs one (see dataops schedule ${pipeline})`);
  const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  for (const schedule of schedules) {
    const [fireTime] = fireTimesBetween(schedule.cron, schedule.timezone, new Date(minute.getTime() - 1), new Date(minute.getTime() + 59_999), 1);
    if (!fireTime) continue;
    return {
      runId: scheduledRunId(pipeline, fireTime, stages),
      payload: { ...base, trigger: 'cron', logicalDate: dateInZone(fireTime, schedule.timezone), scheduledAt: fireTime.toISOString() },
    };
  }
  return undefined;
}

async function publish(context: CliContext, loaded: LoadedConfig, pipeline: string, runId: string, payload: RunRequested): Promise<void> {
  // loaded here, not with the command line: kafkajs is a tenth of the CLI's start-up, and only trigger needs it
  const { assertKafkaAccepts, createKafka, EventPublisher, explainKafkaError, topicSettingsOf } = await import('@dataops/messaging');
  const settings = kafkaClientSettings(loaded.config, loaded.dir, 'dataops-cli', context.env);
  // a certificate or login the brokers refuse fails here at once, not after a minute of retries
  await assertKafkaAccepts(settings);
  const publisher = new EventPublisher(createKafka(settings), topicSettingsOf(loaded.config.kafka.topics));
  try {
    await publisher.publish(makeEnvelope(Topics.runRequested, payload, { runId, pipeline, producer: 'dataops-cli' }));
  } catch (error) {
    throw explainKafkaError(error, settings);
  } finally {
    await publisher.disconnect();
  }
}

async function waitFor(runId: string, pipeline: string, options: TriggerOptions, loaded: LoadedConfig, context: CliContext): Promise<boolean> {
  const client = runsApi(context, options.api);
  const summary = await watchRun(context, client, runId, {
    json: options.json ?? false,
    timeoutMs: Number(options.timeout) * 60_000,
    notRecorded: (say) => notAdmittedHint(client, runId, pipeline, loaded, say),
  });
  // --json: JSON lines, the progress samples first and the run summary last
  if (options.json) context.print(JSON.stringify(summary));
  else printSummary(summary, context.print.bind(context), loaded);
  return summary.status === 'succeeded';
}

/**
 * A request the scheduler has not recorded after a few seconds: say so, once, with what may be
 * wrong, then again every minute, instead of waiting in silence.
 */
function notAdmittedHint(client: RunsApiClient, runId: string, pipeline: string, loaded: LoadedConfig, say: (text: string) => void) {
  let next = 5000;
  return async (waitedMs: number) => {
    if (waitedMs < next) return;
    next = waitedMs + 60_000;
    const up = await client.reachable();
    const seconds = Math.round(waitedMs / 1000);
    const known = up ? await client.pipelines().catch(() => undefined) : undefined;
    if (known && !known.includes(pipeline)) {
      throw new TerminalError(
        `the scheduler at ${client.baseUrl} does not serve pipeline "${pipeline}" (it serves: ${known.join(', ') || 'none'}); it ignored the request. Restart it with this configuration (${loaded.path}).`,
      );
    }
    say(
      up
        ? `run ${runId} not recorded by the scheduler after ${seconds} s. The request is in dataops.run.requested; the scheduler at ${client.baseUrl} is up but has not read it: are its consumers ready (curl ${client.baseUrl}/health/ready)? Is it on the same Kafka (${loaded.config.kafka.brokers.join(',')})? Still waiting.`
        : `run ${runId} not recorded after ${seconds} s: the scheduler at ${client.baseUrl} does not answer. Start it (scripts/services up scheduler) or pass --api; the request waits in dataops.run.requested and runs once a scheduler reads it. Still waiting.`,
    );
  };
}
