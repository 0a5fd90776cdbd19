import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { makeEnvelope, parseEnvelope, Topics, type Envelope } from '@dataops/contracts';
import { errorClassOf, messageOf } from '@dataops/errors';
import type { StageLogger } from '@dataops/stage';
import { ensureTopics, type EventPublisher } from './publisher';
import { LOCAL_TOPICS, type TopicSettings } from './topic-settings';

export interface RetryPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface DeliveryInfo {
  attempt: number;
  maxAttempts: number;
  signal: AbortSignal;
}

export type EventHandler = (event: Envelope, delivery: DeliveryInfo) => Promise<void>;

export interface Subscription {
  /** the exact consumer group id (no suffix is added) */
  groupId: string;
  topics: string[];
  handler: EventHandler;
  retry?: Partial<RetryPolicy>;
  /**
   * Where a group with no committed offset starts. Always the beginning unless said otherwise: a
   * new group (a new cluster, a new deployment) must not skip what was published before it first
   * joined; handlers are idempotent, so a replay is harmless.
   */
  fromBeginning?: boolean;
}

export interface ConsumerHooks {
  /** a message went to the dead-letter topic */
  onDeadLetter?(topic: string, groupId: string): void;
}

const defaultRetry: RetryPolicy = { maxAttempts: 5, initialBackoffMs: 1000, maxBackoffMs: 60_000 };
/** For handlers whose only transient failures are infrastructure (the control database): never dead-letter, wait. */
export const retryUntilStopped: Partial<RetryPolicy> = { maxAttempts: Number.POSITIVE_INFINITY, initialBackoffMs: 500, maxBackoffMs: 15_000 };
const HEARTBEAT_EVERY_MS = 3000;

/**
 * Consumes one message at a time per partition and commits its offset (offset + 1, the next one to
 * read) only after the handler finished, i.e. after the handler's own events were acknowledged.
 * A transient failure is retried with exponential backoff; a terminal one, an unparseable message
 * or exhausted retries go to dataops.dlq and the partition moves on. While a handler runs (a stage
 * can take hours) the consumer keeps heartbeating, so it keeps its partitions.
 */
export class EventConsumer {
  private consumer?: Consumer;
  private readonly stopping = new AbortController();
  private joined = false;
  private groupId = '';

  constructor(
    private readonly kafka: Kafka,
    private readonly publisher: EventPublisher,
    private readonly logger: StageLogger,
    private readonly topicSettings: TopicSettings = LOCAL_TOPICS,
    private readonly hooks: ConsumerHooks = {},
  ) {}

  /** Ready once the group was joined and partitions assigned (a service is not ready before). */
  get ready(): boolean {
    return this.joined;
  }

  get group(): string {
    return this.groupId;
  }

  async start(subscription: Subscription): Promise<void> {
    const retry = { ...defaultRetry, ...subscription.retry };
    // on a new cluster a consumer may start before any producer: subscribing to a missing topic fails
    await ensureTopics(this.kafka, subscription.topics, this.topicSettings);
    this.consumer = this.kafka.consumer({
      groupId: subscription.groupId,
      sessionTimeout: 30_000,
      // a member busy in a long handler rejoins after it; give it time before the group moves on
      rebalanceTimeout: 300_000,
      heartbeatInterval: HEARTBEAT_EVERY_MS,
      allowAutoTopicCreation: false,
    });
    this.groupId = subscription.groupId;
    const { GROUP_JOIN, CRASH, DISCONNECT } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      this.logger.info('consumer group joined', { group: subscription.groupId, memberId: payload.memberId, assignment: payload.memberAssignment });
    });
    this.consumer.on(CRASH, ({ payload }) => {
      this.joined = false;
      this.logger.warn('consumer crashed; kafkajs restarts it', { group: subscription.groupId, error: payload.error?.message, restart: payload.restart });
    });
    this.consumer.on(DISCONNECT, () => {
      this.joined = false;
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: subscription.topics, fromBeginning: subscription.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachMessage: (payload) => this.process(payload, subscription, retry),
    });
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.consumer?.disconnect();
  }

  private async process(payload: EachMessagePayload, subscription: Subscription, retry: RetryPolicy): Promise<void> {
    const { topic, partition, message } = payload;
    const beat = setInterval(() => payload.heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
    try {
      let event: Envelope;
      try {
        event = parseEnvelope(message.value);
      } catch (error) {
        await this.deadLetter(payload, subscription.groupId, error, 1);
        return;
      }
      for (let attempt = 1; ; attempt += 1) {
        try {
          await subscription.handler(event, { attempt, maxAttempts: retry.maxAttempts, signal: this.stopping.signal });
          break;
        } catch (error) {
          const transient = errorClassOf(error) === 'transient';
          if (!transient || attempt >= retry.maxAttempts || this.stopping.signal.aborted) {
            if (this.stopping.signal.aborted) throw error; // not committed: redelivered after restart
            await this.deadLetter(payload, subscription.groupId, error, attempt, event);
            break;
          }
          const backoff = Math.min(retry.maxBackoffMs, retry.initialBackoffMs * 2 ** (attempt - 1));
          this.logger.warn('handler failed, retrying', { topic, partition, offset: message.offset, attempt, backoffMs: backoff, error: messageOf(error) });
          await sleep(backoff, this.stopping.signal);
        }
      }
    } finally {
      clearInterval(beat);
    }
    await this.consumer!.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
  }

  private async deadLetter(payload: EachMessagePayload, groupId: string, error: unknown, attempts: number, event?: Envelope): Promise<void> {
    const { topic, partition, message } = payload;
    this.logger.error('message sent to the dead-letter topic', { topic, partition, offset: message.offset, attempts, error: messageOf(error), runId: event?.runId });
    this.hooks.onDeadLetter?.(topic, groupId);
    const dead = makeEnvelope(
      Topics.deadLetter,
      {
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        consumerGroup: groupId,
        error: messageOf(error),
        attempts,
        value: message.value?.toString() ?? '',
      },
      { runId: event?.runId ?? 'unknown', pipeline: event?.pipeline ?? message.key?.toString() ?? 'unknown', producer: groupId },
    );
    await this.publisher.publish(dead);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
