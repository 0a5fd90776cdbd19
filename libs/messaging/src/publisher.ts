import type { Kafka, Producer } from 'kafkajs';
import { allTopics, type Envelope } from '@dataops/contracts';
import { TransientError } from '@dataops/errors';
import { createTopicsRequest, explainTopicCreation, LOCAL_TOPICS, type TopicSettings } from './topic-settings';

export type { TopicSettings } from './topic-settings';

/**
 * Publishes envelopes: key = pipeline (one pipeline's events stay in order on one partition),
 * value = JSON, acks = all in-sync replicas, idempotent producer (no duplicates from retries).
 * `publish` resolves only once the broker acknowledged.
 */
export class EventPublisher {
  private producer?: Producer;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: TopicSettings = LOCAL_TOPICS,
  ) {}

  async connect(): Promise<void> {
    if (this.producer) return;
    await ensureTopics(this.kafka, [...allTopics], this.topics);
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    this.producer = producer;
  }

  async publish(event: Envelope): Promise<void> {
    if (!this.producer) await this.connect();
    try {
      await this.producer!.send({
        topic: event.type,
        acks: -1,
        messages: [
          {
            key: event.pipeline,
            value: JSON.stringify(event),
            headers: { 'dataops-type': event.type, 'dataops-version': String(event.version), 'dataops-run-id': event.runId },
          },
        ],
      });
    } catch (error) {
      throw new TransientError(`could not publish ${event.type} for run ${event.runId}: ${(error as Error).message}`, { cause: error });
    }
  }

  async disconnect(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
  }
}

export async function ensureTopics(kafka: Kafka, topics: string[], settings: TopicSettings): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) await admin.createTopics(createTopicsRequest(missing, settings)).catch((error: Error) => explainTopicCreation(error, settings));
  } finally {
    await admin.disconnect();
  }
}
