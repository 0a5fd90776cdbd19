// The run through the services: the four services as processes over the local Kafka (as the e2e
// tests start them), `dataops trigger --wait` timed from the trigger to run.finished, the
// stage-to-stage hand-offs read back from the control database, and the peak memory of each
// service and of what it starts.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { RunSummary } from '@dataops/contracts';
import { ServiceProcesses, serviceNames } from '../../test/support/services';
import { pgPort, secrets } from '../../test/support/stack';
import { dataops, timed } from './measure';
import { TreeMemorySampler, type TreePeaks } from './memory';

/** One hand-off: a stage's announcement (or the run's admission) to the next one's start. */
export interface HandOff {
  runId: string;
  /** e.g. `ingest → transform` */
  kind: string;
  /** the first event's occurredAt to the next event's occurredAt */
  ms: number;
  /** the first event's occurredAt to the next stage's work row (its service consumed the event), when there is one */
  deliveryMs?: number;
}

const START_EVENTS: Record<string, string> = { ingest: 'dataops.ingest.started', transform: 'dataops.transform.started', export: 'dataops.export.started' };
const END_EVENTS: Record<string, string> = { ingest: 'dataops.ingest.completed', transform: 'dataops.transform.completed', export: 'dataops.export.completed' };

export class ServicesBench {
  private readonly services: ServiceProcesses;
  private readonly sampler: TreeMemorySampler;
  readonly runIds: string[] = [];

  constructor(
    private readonly config: string,
    private readonly logDir: string,
  ) {
    const id = randomBytes(3).toString('hex');
    const base = 24_000 + Math.floor(Math.random() * 300) * 10;
    this.services = new ServiceProcesses(
      // a scheduler tick of an hour: no scheduled run fires during the benchmark
      { DATAOPS_CONFIG: config, DATAOPS_GROUP_PREFIX: `bench-${id}-`, DATAOPS_SCHEDULER_TICK_MS: '3600000', LOG_LEVEL: 'info' },
      { scheduler: base, ingest: base + 1, transform: base + 2, export: base + 3 },
      logDir,
    );
    this.sampler = new TreeMemorySampler(() => Object.fromEntries(serviceNames.map((name) => [name, this.services.pid(name)])));
  }

  /** Starts the services and the memory sampler; resolves with the seconds until all four were ready. */
  async start(): Promise<number> {
    const { seconds } = await timed(() => this.services.startAll());
    this.sampler.start();
    return seconds;
  }

  /**
   * Waits until the transform service's kept Spark driver is up (its log says so); the seconds
   * since `start` returned, or undefined when the service keeps no driver (nothing to wait for).
   * A service started moments ago still starts its JVM: a run triggered then competes with it for
   * the CPU, which a service that has been up since the night before never does.
   */
  async sparkDriverWarm(timeoutMs = 120_000): Promise<number | undefined> {
    const log = join(this.logDir, 'transform.log');
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
      if (text.includes('Spark driver kept up')) return (Date.now() - started) / 1000;
      if (text.includes('the Spark driver did not start')) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return undefined;
  }

  /** `dataops trigger PIPELINE --wait --json …`: the CLI's wall time and the run summary. */
  async trigger(pipeline: string, args: string[]): Promise<{ seconds: number; summary: RunSummary }> {
    const { seconds, value: summary } = await timed(() => dataops(this.config, ['trigger', pipeline, '--wait', '--json', ...args], { ...process.env, DATAOPS_API: this.services.url('scheduler') }));
    if (!summary) throw new Error(`dataops trigger ${pipeline} ${args.join(' ')} printed no run summary`);
    if (summary.status !== 'succeeded') throw new Error(`run ${summary.runId} ${summary.status}: ${JSON.stringify(summary.error)}`);
    this.runIds.push(summary.runId);
    return { seconds, summary };
  }

  /** Stops the services; returns the peak memory seen. */
  async stop(): Promise<{ peaks: Record<string, TreePeaks>; samples: number }> {
    const peaks = this.sampler.stop();
    await this.services.stopAll();
    return { peaks, samples: this.sampler.samples };
  }

  /** Every hand-off of the runs triggered so far (or of the given ones). */
  async handOffs(runIds = this.runIds): Promise<HandOff[]> {
    return readHandOffs(runIds);
  }
}

/**
 * Reads the hand-offs of the given runs from the control database: every event a service announces
 * goes through the outbox (dataops_outbox, the envelope with its occurredAt), and a stage service
 * records the work an event asks for in dataops_stage_work as it consumes it (created_at). All
 * processes run on this machine, so their clocks are one clock.
 */
export async function readHandOffs(runIds: string[]): Promise<HandOff[]> {
  const client = new Client({
    host: '127.0.0.1',
    port: pgPort,
    database: 'dataops_control',
    user: 'dataops',
    password: readFileSync(join(secrets, 'control-postgres.password'), 'utf8').trim(),
  });
  await client.connect();
  try {
    const events = await client.query<{ run_id: string; type: string; at: string; stages: string[] | null }>(
      `SELECT run_id, envelope->>'type' AS type, envelope->>'occurredAt' AS at, envelope->'stages' AS stages
         FROM dataops_outbox WHERE run_id = ANY($1) ORDER BY id`,
      [runIds],
    );
    const work = await client.query<{ run_id: string; stage: string; created_at: Date }>('SELECT run_id, stage, created_at FROM dataops_stage_work WHERE run_id = ANY($1) AND attempt = 1', [runIds]);
    const handOffs: HandOff[] = [];
    for (const runId of runIds) {
      const first = new Map<string, { at: number; stages: string[] | null }>();
      for (const row of events.rows.filter((event) => event.run_id === runId)) if (!first.has(row.type)) first.set(row.type, { at: Date.parse(row.at), stages: row.stages });
      const admitted = first.get('dataops.run.admitted');
      if (!admitted) continue;
      const stages = admitted.stages ?? ['ingest', 'transform', 'export'];
      const steps: { name: string; from: string; to: string; stage?: string }[] = [];
      let previous = { name: 'scheduler', event: 'dataops.run.admitted' };
      for (const stage of stages) {
        steps.push({ name: `${previous.name} → ${stage}`, from: previous.event, to: START_EVENTS[stage], stage });
        previous = { name: stage, event: END_EVENTS[stage] };
      }
      steps.push({ name: `${previous.name} → scheduler`, from: previous.event, to: 'dataops.run.finished' });
      for (const step of steps) {
        const from = first.get(step.from)?.at;
        const to = first.get(step.to)?.at;
        if (from === undefined || to === undefined) continue;
        const enqueued = work.rows.find((row) => row.run_id === runId && row.stage === step.stage)?.created_at.getTime();
        handOffs.push({ runId, kind: step.name, ms: to - from, deliveryMs: enqueued === undefined ? undefined : enqueued - from });
      }
    }
    return handOffs;
  } finally {
    await client.end();
  }
}
