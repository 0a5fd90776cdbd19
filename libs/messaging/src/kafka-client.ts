import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { StageLogger } from '@dataops/stage';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
}

/**
 * The one place a Kafka client is made. kafkajs is in maintenance mode; everything else in the
 * project talks to EventPublisher/EventConsumer, so another client (e.g. the kafkajs-compatible
 * @confluentinc/kafka-javascript) can replace it here.
 */
export function createKafka(settings: KafkaSettings, logger?: StageLogger): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      if (!logger) return;
      const { message, ...fields } = entry.log;
      const line = `kafka: ${message}`;
      if (entry.level <= logLevel.ERROR) logger.error(line, { namespace: entry.namespace, ...fields });
      else logger.warn(line, { namespace: entry.namespace, ...fields });
    },
    retry: { initialRetryTime: 300, retries: 8 },
  });
}

/** Readiness probe: resolves when the cluster answers within the timeout. */
export async function pingKafka(brokers: string[], timeoutMs = 3000): Promise<void> {
  const kafka = new Kafka({ clientId: 'dataops-probe', brokers, logLevel: logLevel.NOTHING, connectionTimeout: timeoutMs, retry: { retries: 0 } });
  const admin = kafka.admin();
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`kafka ${brokers.join(',')} did not answer in ${timeoutMs} ms`)), timeoutMs).unref());
  try {
    await Promise.race([admin.connect().then(() => admin.describeCluster()), timeout]);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

/** Consumer lag per partition: end offset minus the group's committed offset. */
export async function consumerLag(kafka: Kafka, groupId: string, topics: string[]): Promise<PartitionLag[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const lags: PartitionLag[] = [];
    const committed = await admin.fetchOffsets({ groupId, topics });
    for (const { topic, partitions } of committed) {
      const ends = await admin.fetchTopicOffsets(topic);
      for (const { partition, offset } of partitions) {
        const end = Number(ends.find((candidate) => candidate.partition === partition)?.high ?? 0);
        const done = Number(offset) < 0 ? 0 : Number(offset);
        lags.push({ topic, partition, lag: Math.max(0, end - done) });
      }
    }
    return lags;
  } finally {
    await admin.disconnect();
  }
}
