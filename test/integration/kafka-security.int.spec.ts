import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaClientSettings, loadConfig, type KafkaClientSettings } from '@dataops/config';
import { makeEnvelope, Topics, type Envelope } from '@dataops/contracts';
import { assertKafkaAccepts, createKafka, EventConsumer, EventPublisher, KafkaRefusedError, pingKafka } from '@dataops/messaging';
import { silentLogger } from '@dataops/stage';
import { repoRoot, secrets, tempDir, writeTestConfig } from '../support/stack';
import { until } from '../support/wait';

/**
 * The one-node broker's SASL_SSL listener (scripts/stack.d/31-kafka-tls.sh: local CA, SCRAM user
 * `dataops`, password in .dataops/secrets/kafka-dataops.password), through the project's own
 * config loading, client, publisher and consumer, and through the `dataops` command.
 */
const saslBrokers = (process.env.KAFKA_SASL_BROKERS ?? '127.0.0.1:9094').split(',');
const caFile = join(secrets, 'kafka-ca.pem');
const passwordFile = join(secrets, 'kafka-dataops.password');
const password = readFileSync(passwordFile, 'utf8').split('\n')[0];
const root = tempDir('kafka-security');
const pipeline = `kafka_sec_${randomBytes(3).toString('hex')}`;

/** A test dataops.yaml whose kafka section is this one. */
function configWithKafka(kafkaYaml: string, name = 'dataops.yaml'): string {
  const file = writeTestConfig({ sourceDatabase: 'unused', root, pipeline, pipelineYaml: 'source:\n  connection: src\n' });
  const text = readFileSync(file, 'utf8').replace(/^kafka:\n {2}brokers: .*\n/m, kafkaYaml);
  const target = join(root, name);
  writeFileSync(target, text);
  if (target !== file) rmSync(file);
  return target;
}

const SASL_SSL = (mechanism = 'scram-sha-512') => `kafka:
  brokers: ${JSON.stringify(saslBrokers)}
  tls: { caFile: ${caFile} }
  sasl: { mechanism: ${mechanism}, user: dataops, passwordFile: ${passwordFile} }
`;

/** Client settings exactly as a service or the CLI makes them from a config. */
function settingsOf(kafkaYaml: string): KafkaClientSettings {
  const loaded = loadConfig(configWithKafka(kafkaYaml, 'settings.yaml'), { env: {}, checkCredentials: false });
  return kafkaClientSettings(loaded.config, loaded.dir, 'kafka-security-test', {});
}

async function refusal(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the broker to refuse the client');
}

describe('Kafka over TLS with a SASL login (the local broker SASL_SSL listener)', () => {
  const secure = settingsOf(SASL_SSL());
  const kafka = createKafka(secure, silentLogger);
  const publisher = new EventPublisher(kafka);
  const consumers: EventConsumer[] = [];
  const received: Envelope[] = [];
  let untrustedCa = '';

  beforeAll(async () => {
    // another CA, made here: a broker certificate it did not sign must be refused
    const dir = tempDir('kafka-untrusted-ca');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=not the DataOps CA', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem')], { stdio: 'ignore' });
    untrustedCa = join(dir, 'ca.pem');
    const consumer = new EventConsumer(kafka, publisher, silentLogger);
    consumers.push(consumer);
    await consumer.start({
      groupId: `test-${pipeline}`,
      topics: [Topics.exportStarted, Topics.runRequested],
      fromBeginning: true,
      handler: async (event) => {
        if (event.pipeline === pipeline) received.push(event);
      },
    });
  });

  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    await publisher.disconnect();
    rmSync(root, { recursive: true, force: true });
  });

  it('publishes and consumes through EventPublisher and EventConsumer with the CA and the SCRAM-SHA-512 login', async () => {
    expect(secure).toMatchObject({ brokers: saslBrokers, tls: { rejectUnauthorized: true }, sasl: { mechanism: 'scram-sha-512', username: 'dataops' } });
    const runId = `${pipeline}-scram`;
    await publisher.publish(makeEnvelope(Topics.exportStarted, { attempt: 1 }, { runId, pipeline, producer: 'kafka-security-test' }));
    const event = await until(() => received.find((candidate) => candidate.runId === runId), 'the event back through SASL_SSL');
    expect(event).toMatchObject({ type: Topics.exportStarted, runId, pipeline, payload: { attempt: 1 } });
  });

  it.each(['scram-sha-256', 'plain'])('logs in with %s too', async (mechanism) => {
    await expect(pingKafka(settingsOf(SASL_SSL(mechanism)), 10_000)).resolves.toBeUndefined();
  });

  it('presents a client certificate signed by the CA when one is configured (the listener requests one)', async () => {
    const withCertificate = settingsOf(`kafka:
  brokers: ${JSON.stringify(saslBrokers)}
  tls: { caFile: ${caFile}, certFile: ${join(secrets, 'kafka-client.crt')}, keyFile: ${join(secrets, 'kafka-client.key')} }
  sasl: { mechanism: scram-sha-512, user: dataops, passwordFile: ${passwordFile} }
`);
    expect(withCertificate.tls?.cert).toContain('BEGIN CERTIFICATE');
    await expect(pingKafka(withCertificate, 10_000)).resolves.toBeUndefined();
  });

  it('refuses a client that sends no login, saying to set kafka.sasl', async () => {
    const error = await refusal(() => assertKafkaAccepts(settingsOf(`kafka:\n  brokers: ${JSON.stringify(saslBrokers)}\n  tls: { caFile: ${caFile} }\n`)));
    expect(error).toBeInstanceOf(KafkaRefusedError);
    expect(error.message).toMatch(/^Kafka 127\.0\.0\.1:9094 closed the connection of a client that sent no login \(Closed connection\); .*set kafka\.sasl$/);
  });

  it('refuses a wrong password, through the publisher too, and never shows either password', async () => {
    const dir = tempDir('kafka-wrong-password');
    const wrongFile = join(dir, 'wrong.password');
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    writeFileSync(wrongFile, `${wrong}\n`, { mode: 0o600 });
    const settings = settingsOf(SASL_SSL().replace(passwordFile, wrongFile));
    expect(settings.sasl?.password).toBe(wrong);
    const probed = await refusal(() => assertKafkaAccepts(settings));
    const wrongPublisher = new EventPublisher(createKafka(settings, silentLogger));
    const published = await refusal(() => wrongPublisher.connect());
    await wrongPublisher.disconnect().catch(() => undefined);
    expect(probed).toBeInstanceOf(KafkaRefusedError);
    expect(probed.message).toMatch(/^Kafka 127\.0\.0\.1:9094 refused the scram-sha-512 login of user dataops \(SASL SCRAM SHA512 authentication failed: .*invalid credentials.*\): check kafka\.sasl\.user/);
    expect(published.name).toBe('KafkaJSSASLAuthenticationError');
    for (const text of [probed.message, String(probed.stack), published.message, String(published.stack)]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(password);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a broker whose certificate another CA signed, naming kafka.tls.caFile', async () => {
    const error = await refusal(() => assertKafkaAccepts(settingsOf(SASL_SSL().replace(caFile, untrustedCa))));
    expect(error).toBeInstanceOf(KafkaRefusedError);
    expect(error.message).toMatch(/^TLS to Kafka 127\.0\.0\.1:9094 failed: the broker's certificate is not trusted \(Connection error: self[- ]signed certificate in certificate chain\); kafka\.tls\.caFile must hold the CA/);
    expect(error.message).not.toContain(password);
  });

  it('keeps the PLAINTEXT listener the rest of the tests use', async () => {
    await expect(pingKafka((process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), 10_000)).resolves.toBeUndefined();
  });

  describe('the dataops command', () => {
    /** bin/dataops as a user runs it, with no $KAFKA_BROKERS: the config alone says where and how. */
    function dataops(args: string[], config: string): Promise<{ code: number; stdout: string; stderr: string }> {
      const env: NodeJS.ProcessEnv = { ...process.env, DATAOPS_CONFIG: config };
      delete env.KAFKA_BROKERS;
      return new Promise((done) => {
        execFile(process.execPath, [join(repoRoot, 'bin', 'dataops'), ...args], { cwd: root, env, timeout: 120_000 }, (error, stdout, stderr) => {
          done({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr });
        });
      });
    }

    it('triggers a run through the SASL_SSL listener; the request arrives', async () => {
      const result = await dataops(['trigger', pipeline, '--date', '2026-11-24'], configWithKafka(SASL_SSL(), 'cli.yaml'));
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const runId = /requested run (\S+) of /.exec(result.stdout)?.[1];
      expect(runId).toBeDefined();
      const request = await until(() => received.find((event) => event.type === Topics.runRequested && event.runId === runId), 'the run request from the CLI');
      expect(request).toMatchObject({ producer: 'dataops-cli', payload: { trigger: 'cli', logicalDate: '2026-11-24' } });
    });

    it('fails with exit 1 and a clear message on a wrong password, without either password', async () => {
      const wrongFile = join(root, 'cli-wrong.password');
      writeFileSync(wrongFile, 'not-the-password\n', { mode: 0o600 });
      const result = await dataops(['trigger', pipeline], configWithKafka(SASL_SSL().replace(passwordFile, wrongFile), 'cli-wrong.yaml'));
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: Kafka 127\.0\.0\.1:9094 refused the scram-sha-512 login of user dataops .*check kafka\.sasl\.user/m);
      expect(result.stdout + result.stderr).not.toContain('not-the-password');
      expect(result.stdout + result.stderr).not.toContain(password);
    });
  });
});
