import type { ITopicConfig } from 'kafkajs';
import type { KafkaTopicsConfig } from '@dataops/config';
import { TerminalError } from '@dataops/errors';

/** How a missing topic is created: `kafka.topics` in the config (docs/configuration.md). */
export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
  /** the topic's min.insync.replicas; absent: the broker's default */
  minInsyncReplicas?: number;
}

/** The defaults of one machine: three partitions, one replica, the broker's min.insync.replicas. */
export const LOCAL_TOPICS: TopicSettings = { partitions: 3, replicationFactor: 1 };

export function topicSettingsOf(topics: KafkaTopicsConfig | undefined): TopicSettings {
  return topics ? { partitions: topics.partitions, replicationFactor: topics.replicationFactor, minInsyncReplicas: topics.minInsyncReplicas } : LOCAL_TOPICS;
}

export function createTopicsRequest(topics: string[], settings: TopicSettings): { waitForLeaders: boolean; topics: ITopicConfig[] } {
  const configEntries = settings.minInsyncReplicas === undefined ? [] : [{ name: 'min.insync.replicas', value: String(settings.minInsyncReplicas) }];
  return {
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions: settings.partitions, replicationFactor: settings.replicationFactor, configEntries })),
  };
}

/**
 * A topic another client created meanwhile is not an error; a replication factor larger than the
 * cluster is a configuration error that names the setting (retrying does not add brokers).
 */
export function explainTopicCreation(error: Error, settings: TopicSettings): void {
  const text = describe(error);
  if (/TOPIC_ALREADY_EXISTS/.test(text) && !/INVALID_/.test(text)) return;
  if (/INVALID_REPLICATION_FACTOR|larger than available brokers/i.test(text)) {
    throw new TerminalError(
      `kafka.topics.replicationFactor ${settings.replicationFactor} is more than the brokers the cluster has (${text}): lower it, or add brokers`,
      { subject: 'kafka.topics.replicationFactor', cause: error },
    );
  }
  if (/INVALID_CONFIG/.test(text)) {
    throw new TerminalError(`kafka.topics: the brokers refused the topic settings (${text}): check minInsyncReplicas`, { subject: 'kafka.topics', cause: error });
  }
  throw error;
}

/** kafkajs reports one error per topic inside a KafkaJSAggregateError (`errors`), each with its protocol `type` */
function describe(error: Error): string {
  const parts = new Set<string>();
  const visit = (value: unknown, depth: number) => {
    if (!value || typeof value !== 'object' || depth > 3) return;
    const item = value as { type?: string; message?: string; errors?: unknown[]; cause?: unknown; originalError?: unknown };
    parts.add([item.type, item.message].filter(Boolean).join(': '));
    for (const inner of item.errors ?? []) visit(inner, depth + 1);
    visit(item.cause, depth + 1);
    visit(item.originalError, depth + 1);
  };
  visit(error, 0);
  return [...parts].filter(Boolean).join('; ');
}
