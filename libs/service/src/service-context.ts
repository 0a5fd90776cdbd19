import type { Kafka } from 'kafkajs';
import { ConfigError, loadConfig, type LoadedConfig } from '@dataops/config';
import { consumerLag, createKafka, EventConsumer, EventPublisher, pingKafka } from '@dataops/messaging';
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
  publisher: EventPublisher;
  consumers: EventConsumer[];
  /** consumer groups and their topics, for the lag gauge */
  subscriptions: { group: string; topics: string[] }[];
  probes: ReadinessProbe[];
}

export function createServiceContext(name: string): ServiceContext {
  const env = readServiceEnv();
  const logger = createLogger(`dataops-${name}`, env.LOG_LEVEL);
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(env.DATAOPS_CONFIG);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const line of error.message.split('\n')) logger.error(line);
      process.exit(2);
    }
    throw error;
  }
  const brokers = env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',') : loaded.config.kafka.brokers;
  const kafka = createKafka({ brokers, clientId: `dataops-${name}` }, logger);
  const publisher = new EventPublisher(kafka);
  return {
    name,
    env,
    loaded,
    logger,
    metrics: new Metrics(`dataops-${name}`),
    kafka,
    brokers,
    publisher,
    consumers: [],
    subscriptions: [],
    probes: [{ name: 'kafka', check: () => pingKafka(brokers, 2500) }],
  };
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
