import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pingKafka } from '@dataops/messaging';
import { dataopsHome, tempDir } from './stack';

export interface FreshKafka {
  brokers: string;
  stop(): Promise<void>;
}

/**
 * A brand-new single-node KRaft cluster from the stack's Kafka jars, on its own ports and in its own
 * folder: no topics, no consumer groups, no offsets. What a new user's first `npm run demo` meets.
 */
export async function startFreshKafka(): Promise<FreshKafka> {
  const dir = tempDir('dataops-fresh-kafka');
  const port = 29_600 + Math.floor(Math.random() * 200) * 2;
  const properties = join(dir, 'server.properties');
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${port + 1}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${port + 1}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=3',
      'auto.create.topics.enable=true',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
    ].join('\n'),
  );
  const java = join(process.env.JAVA_HOME ?? '/usr', 'bin', 'java');
  const classpath = `${process.env.DATAOPS_KAFKA_JARS ?? join(dataopsHome, 'jars', 'kafka')}/*`;
  const clusterId = randomBytes(16).toString('base64url');
  execFileSync(java, ['-Xmx256m', '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties], { stdio: 'ignore' });
  const broker = spawn(java, ['-Xmx512m', '-cp', classpath, `-Dkafka.logs.dir=${dir}`, 'kafka.Kafka', properties], { detached: true, stdio: 'ignore' });
  const brokers = `127.0.0.1:${port}`;
  const stop = async () => {
    try {
      process.kill(-broker.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; ; attempt += 1) {
    try {
      await pingKafka([brokers], 2000);
      return { brokers, stop };
    } catch (error) {
      if (attempt >= 60) {
        await stop();
        throw new Error(`the fresh Kafka broker on ${brokers} did not start: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
