import { KafkaJSAggregateError, KafkaJSProtocolError } from 'kafkajs';
import { kafka as kafkaSchema } from '@dataops/config';
import { TerminalError } from '@dataops/errors';
import { createTopicsRequest, explainTopicCreation, LOCAL_TOPICS, topicSettingsOf } from './topic-settings';

// kafkajs' typings give these errors narrower constructors than it uses at run time
const ProtocolError = KafkaJSProtocolError as unknown as new (error: { message: string; type: string; code: number }) => Error;
const AggregateError = KafkaJSAggregateError as unknown as new (message: string, errors: Error[]) => Error;
const protocol = (type: string, message: string, code: number) => new ProtocolError({ type, message, code });

describe('kafka.topics', () => {
  it('keeps the one-machine defaults when the config has no kafka.topics', () => {
    expect(topicSettingsOf(undefined)).toEqual(LOCAL_TOPICS);
    expect(topicSettingsOf(kafkaSchema.parse({ topics: {} }).topics)).toEqual({ partitions: 3, replicationFactor: 1, minInsyncReplicas: undefined });
  });

  it('refuses minInsyncReplicas above replicationFactor, naming the field', () => {
    const parsed = kafkaSchema.safeParse({ topics: { replicationFactor: 2, minInsyncReplicas: 3 } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['topics', 'minInsyncReplicas'] });
  });

  it('creates topics with the partitions, replicas and min.insync.replicas of the config', () => {
    const settings = topicSettingsOf(kafkaSchema.parse({ topics: { partitions: 6, replicationFactor: 3, minInsyncReplicas: 2 } }).topics);
    expect(createTopicsRequest(['dataops.run.requested'], settings)).toEqual({
      waitForLeaders: true,
      topics: [{ topic: 'dataops.run.requested', numPartitions: 6, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
    });
    expect(createTopicsRequest(['t'], LOCAL_TOPICS).topics[0].configEntries).toEqual([]);
  });

  it('turns a replication factor larger than the cluster into a terminal error naming the setting', () => {
    const error = new AggregateError('Topic creation errors', [protocol('INVALID_REPLICATION_FACTOR', 'Replication-factor is invalid', 38)]);
    expect(() => explainTopicCreation(error, { partitions: 3, replicationFactor: 3 })).toThrow(TerminalError);
    expect(() => explainTopicCreation(error, { partitions: 3, replicationFactor: 3 })).toThrow(/kafka\.topics\.replicationFactor 3 is more than the brokers/);
  });

  it('ignores a topic another client created meanwhile and passes other errors on', () => {
    expect(() => explainTopicCreation(new AggregateError('x', [protocol('TOPIC_ALREADY_EXISTS', 'exists', 36)]), LOCAL_TOPICS)).not.toThrow();
    const other = new Error('Connection timeout');
    expect(() => explainTopicCreation(other, LOCAL_TOPICS)).toThrow(other);
  });
});
