import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { jsonSchemaOf, envelopeJsonSchema, makeEnvelope, parseEnvelope, Topics, type Envelope } from '@dataops/contracts';
import { TerminalError, TransientError } from '@dataops/errors';
import { createKafka, EventConsumer, EventPublisher } from '@dataops/messaging';
import { silentLogger } from '@dataops/stage';
import '../support/stack';
import { until } from '../support/wait';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = createKafka({ brokers, clientId: 'events-test' });

describe('the event bus, with a real Kafka broker and a non-Node client (kcat)', () => {
  const pipeline = `bus_${randomBytes(3).toString('hex')}`;
  const publisher = new EventPublisher(kafka);
  const consumers: EventConsumer[] = [];

  const consume = async (topic: string, handler: (event: Envelope, attempt: number) => Promise<void>) => {
    const consumer = new EventConsumer(kafka, publisher, silentLogger);
    consumers.push(consumer);
    await consumer.start({
      groupId: `test-${pipeline}-${consumers.length}`,
      topics: [topic],
      fromBeginning: true,
      retry: { maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 200 },
      handler: async (event, delivery) => {
        if (event.pipeline === pipeline) await handler(event, delivery.attempt);
      },
    });
  };

  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    await publisher.disconnect();
  });

  it('accepts a run request published by kcat exactly as docs/events.md shows', async () => {
    const received: Envelope[] = [];
    await consume(Topics.runRequested, async (event) => void received.push(event));
    const runId = `${pipeline}-kcat`;
    execFileSync('bash', ['-c', `printf '{"id":"%s","type":"dataops.run.requested","version":1,"runId":"%s","pipeline":"${pipeline}","occurredAt":"%s","producer":"kcat","payload":{"trigger":"external","logicalDate":"%s"}}' "$(cat /proc/sys/kernel/random/uuid)" "${runId}" "$(date -u +%FT%TZ)" "$(date -u +%F)" | kcat -P -b ${brokers[0]} -t dataops.run.requested -k ${pipeline}`]);
    const event = await until(() => received[0], 'the kcat message');
    expect(event).toMatchObject({ runId, pipeline, producer: 'kcat', payload: { trigger: 'external', fullRefresh: false } });
  });

  it('publishes completions that kcat reads and the documented JSON Schema validates', async () => {
    const payload = { logicalDate: '2026-11-24', tables: [{ table: 'orders', mode: 'full', rows: 3, files: 1, path: '/lake/raw/src/orders' }] };
    await publisher.publish(makeEnvelope(Topics.ingestCompleted, payload, { runId: `${pipeline}-1`, pipeline, producer: 'test' }));
    const lines = execFileSync('kcat', ['-C', '-b', brokers[0], '-t', Topics.ingestCompleted, '-e', '-q', '-f', '%k\\t%s\\n'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const line = lines.split('\n').find((candidate) => candidate.startsWith(`${pipeline}\t`))!;
    const value = JSON.parse(line.split('\t')[1]);
    const ajv = addFormats(new Ajv2020({ strict: false }));
    expect(ajv.validate(envelopeJsonSchema() as object, value)).toBe(true);
    expect(ajv.validate(jsonSchemaOf(Topics.ingestCompleted) as object, value.payload)).toBe(true);
    // a field added later (fullRefresh) takes its default when an older producer leaves it out
    expect(parseEnvelope(line.split('\t')[1]).payload).toEqual({ ...payload, fullRefresh: false });
  });

  it('retries a transient failure, dead-letters a terminal one, and keeps the partition moving', async () => {
    const attempts = new Map<string, number>();
    const done: string[] = [];
    await consume(Topics.exportStarted, async (event) => {
      attempts.set(event.runId, (attempts.get(event.runId) ?? 0) + 1);
      if (event.runId.endsWith('flaky') && attempts.get(event.runId)! < 3) throw new TransientError('BI database restarting');
      if (event.runId.endsWith('poison')) throw new TerminalError('cannot handle this');
      done.push(event.runId);
    });
    const dead: Envelope[] = [];
    await consume(Topics.deadLetter, async (event) => void dead.push(event));
    for (const suffix of ['flaky', 'poison', 'after']) {
      await publisher.publish(makeEnvelope(Topics.exportStarted, { attempt: 1 }, { runId: `${pipeline}-${suffix}`, pipeline, producer: 'test' }));
    }
    await until(() => (done.includes(`${pipeline}-after`) ? true : undefined), 'the message after the poison one');
    expect(attempts.get(`${pipeline}-flaky`)).toBe(3);
    expect(done).toEqual([`${pipeline}-flaky`, `${pipeline}-after`]);
    const letter = await until(() => dead.find((event) => event.runId === `${pipeline}-poison`), 'the dead letter');
    expect(letter.payload).toMatchObject({ topic: Topics.exportStarted, error: 'cannot handle this', attempts: 1 });
    expect(JSON.parse((letter.payload as { value: string }).value).runId).toBe(`${pipeline}-poison`);
  });
});
