import { randomBytes } from 'node:crypto';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { kafka as kafkaSchema } from '@dataops/config';
import { TerminalError } from '@dataops/errors';
import { stackEnv } from '../../../test/support/stack';
import { createKafka } from './kafka-client';
import { ensureTopics } from './publisher';
import { topicSettingsOf } from './topic-settings';

/**
 * DataOps creates its topics with kafka.topics from the config, on the three KRaft brokers of
 * `scripts/stack up --with-kafka-cluster`. The settings differ from the brokers' own defaults
 * (3 replicas, min.insync.replicas 2) where they can, so the test sees the config's values.
 */
const brokers = (process.env.KAFKA_CLUSTER_BROKERS ?? stackEnv().KAFKA_CLUSTER_BROKERS ?? '').split(',').filter(Boolean);
const prefix = `scaleout.topics.${randomBytes(3).toString('hex')}`;

describe('topics created from kafka.topics on the three-broker cluster', () => {
  const kafka = createKafka({ brokers: brokers.length ? brokers : ['127.0.0.1:19092'], clientId: 'scaleout-topics' });
  let admin: Admin;

  beforeAll(async () => {
    if (brokers.length !== 3) throw new Error('KAFKA_CLUSTER_BROKERS is not set: run `scripts/stack up --with-kafka-cluster` (it writes it to .dataops/stack.env), or export it');
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    const mine = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (mine.length) await admin.deleteTopics({ topics: mine });
    await admin.disconnect();
  });

  async function describeTopic(topic: string) {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] }] });
    const partitions = metadata.topics[0].partitions;
    return {
      partitions: partitions.length,
      replicas: [...new Set(partitions.map((partition) => partition.replicas.length))],
      minInsyncReplicas: configs.resources[0].configEntries.find((entry) => entry.configName === 'min.insync.replicas')?.configValue,
    };
  }

  it('replication factor 3 and min.insync.replicas 2, as the issue asks', async () => {
    const settings = topicSettingsOf(kafkaSchema.parse({ brokers, topics: { partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 } }).topics);
    await ensureTopics(kafka, [`${prefix}.a`], settings);
    expect(await describeTopic(`${prefix}.a`)).toEqual({ partitions: 3, replicas: [3], minInsyncReplicas: '2' });
  });

  it('values other than the brokers defaults: the topic gets the config values', async () => {
    const settings = topicSettingsOf(kafkaSchema.parse({ brokers, topics: { partitions: 5, replicationFactor: 2, minInsyncReplicas: 1 } }).topics);
    await ensureTopics(kafka, [`${prefix}.b`], settings);
    expect(await describeTopic(`${prefix}.b`)).toEqual({ partitions: 5, replicas: [2], minInsyncReplicas: '1' });
    // an existing topic is left as it is
    await ensureTopics(kafka, [`${prefix}.b`], { partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 });
    expect(await describeTopic(`${prefix}.b`)).toEqual({ partitions: 5, replicas: [2], minInsyncReplicas: '1' });
  });

  it('a replication factor above the three brokers is a terminal error naming kafka.topics.replicationFactor', async () => {
    const failure = ensureTopics(kafka, [`${prefix}.c`], { partitions: 1, replicationFactor: 4 });
    await expect(failure).rejects.toBeInstanceOf(TerminalError);
    await expect(ensureTopics(kafka, [`${prefix}.c`], { partitions: 1, replicationFactor: 4 })).rejects.toThrow(/kafka\.topics\.replicationFactor 4 is more than the brokers/);
  });
});
