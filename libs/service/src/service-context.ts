import { hostname } from 'node:os';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { ConfigError, configuredSecrets, CredentialsError, kafkaClientSettings, loadConfig, type KafkaClientSettings, type LoadedConfig } from '@dataops/config';
import { controlPool, OutboxRelay } from '@dataops/ledger';
import { consumerLag, createKafka, EventConsumer, EventPublisher, pingKafka, topicSettingsOf, type Subscription } from '@dataops/messaging';
import { createLogger, Metrics, type JsonLogger, type ReadinessProbe } from '@dataops/observability';
import { readServiceEnv, type ServiceEnv } from './service-env';

/** What every service holds: env, config, logger, metrics, Kafka doors and readiness probes. */
export interface ServiceContext {
  name: string;
  env: ServiceEnv;
  loaded: LoadedConfig;
  logger: JsonLogger;
  metrics: Metrics;
  kafka: Kafka;
  brokers: string[];
  /** brokers, client id, TLS and SASL (the password is masked in every log line) */
  kafkaSettings: KafkaClientSettings;
  publisher: EventPublisher;
  consumers: EventConsumer[];
  /** the control database: run ledger, stage work, outbox */
  control: Pool;
  /** publishes the outbox of the control database */
  relay: OutboxRelay;
  /** this replica in claims and logs: host and pid */
  owner: string;
  /** consumer groups and their topics, for the lag gauge */
  subscriptions: { group: string; topics: string[] }[];
  probes: ReadinessProbe[];
}

export function createServiceContext(name: string): ServiceContext {
  const env = readServiceEnv();
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(env.DATAOPS_CONFIG);
  } catch (error) {
    if (error instanceof ConfigError) {
      const boot = createLogger(`dataops-${name}`, env.LOG_LEVEL);
      for (const line of error.message.split('\n')) boot.error(line);
      process.exit(2);
    }
    throw error;
  }
  // every credential the config points at is masked in every line this service logs
  const logger = createLogger(`dataops-${name}`, env.LOG_LEVEL, configuredSecrets(loaded.config, loaded.dir));
  let kafkaSettings: KafkaClientSettings;
  try {
    kafkaSettings = kafkaClientSettings(loaded.config, loaded.dir, `dataops-${name}`, env.KAFKA_BROKERS ? { KAFKA_BROKERS: env.KAFKA_BROKERS } : {});
  } catch (error) {
    if (!(error instanceof CredentialsError)) throw error;
    logger.error(`cannot start: ${error.message}`);
    process.exit(2);
  }
  const brokers = kafkaSettings.brokers;
  const kafka = createKafka(kafkaSettings, logger);
  const publisher = new EventPublisher(kafka, topicSettingsOf(loaded.config.kafka.topics));
  let control: Pool;
  try {
    control = controlPool(loaded);
  } catch (error) {
    logger.error(`cannot start: ${(error as Error).message}`);
    process.exit(2);
  }
  return {
    name,
    env,
    loaded,
    logger,
    metrics: new Metrics(`dataops-${name}`),
    kafka,
    brokers,
    kafkaSettings,
    publisher,
    consumers: [],
    control,
    relay: new OutboxRelay(control, publisher, logger),
    owner: `${hostname()}:${process.pid}`,
    subscriptions: [],
    probes: [
      { name: 'kafka', check: () => pingKafka(kafkaSettings, 2500) },
      { name: 'control-database', check: async () => void (await control.query('SELECT 1')) },
    ],
  };
}

/**
 * Starts a consumer group of the service. The service is ready only once every one of its groups
 * joined and was assigned partitions: an event published before then is not lost (groups start
 * from the beginning), but a ready probe that says yes earlier would be a lie.
 */
export async function consume(context: ServiceContext, subscription: Subscription): Promise<EventConsumer> {
  const consumer = new EventConsumer(context.kafka, context.publisher, context.logger, topicSettingsOf(context.loaded.config.kafka.topics), {
    onDeadLetter: (topic, group) => context.metrics.deadLetters.inc({ topic, group }),
  });
  context.consumers.push(consumer);
  context.subscriptions.push({ group: subscription.groupId, topics: subscription.topics });
  if (context.consumers.length === 1) {
    context.probes.push({
      name: 'kafka-consumers',
      check: async () => {
        const waiting = context.consumers.filter((candidate) => !candidate.ready).map((candidate) => candidate.group);
        if (waiting.length > 0) throw new Error(`consumer group(s) not joined yet: ${waiting.join(', ')}`);
      },
    });
  }
  await consumer.start(subscription);
  return consumer;
}

export function groupId(context: ServiceContext, base: string): string {
  return `${context.env.DATAOPS_GROUP_PREFIX}${base}`;
}

/** Keeps dataops_kafka_consumer_lag current for every group the service consumes with. */
export function trackConsumerLag(context: ServiceContext, everyMs = 15_000): NodeJS.Timeout {
  const refresh = async () => {
    for (const { group, topics } of context.subscriptions) {
      const lags = await consumerLag(context.kafka, group, topics).catch(() => []);
      for (const lag of lags) context.metrics.consumerLag.set({ group, topic: lag.topic, partition: String(lag.partition) }, lag.lag);
    }
  };
  return setInterval(() => void refresh(), everyMs).unref();
}
