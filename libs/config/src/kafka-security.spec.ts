import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FIXTURES, prepareFixtureDir } from '../../../test/fixtures/configs/fixture-dir';
import { ConfigError } from './errors';
import { loadConfig } from './loader';
import { kafka as kafkaSchema } from './schema';
import { configuredSecrets, CredentialsError, kafkaClientSettings } from './secrets';

const VALID = readFileSync(join(CONFIG_FIXTURES, 'valid.yaml'), 'utf8');
const PASSWORD = 'kafka-unit-secret-7Qx';
const CA = '-----BEGIN CERTIFICATE-----\nfake-ca\n-----END CERTIFICATE-----\n';
const dir = prepareFixtureDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  writeFileSync(join(dir, 'secrets', 'kafka.password'), `${PASSWORD}\n`, { mode: 0o600 });
  chmodSync(join(dir, 'secrets', 'kafka.password'), 0o600);
  writeFileSync(join(dir, 'secrets', 'kafka-ca.pem'), CA, { mode: 0o644 });
  writeFileSync(join(dir, 'secrets', 'kafka-client.crt'), 'client-cert\n', { mode: 0o644 });
  writeFileSync(join(dir, 'secrets', 'kafka-client.key'), 'client-key\n', { mode: 0o600 });
  chmodSync(join(dir, 'secrets', 'kafka-client.key'), 0o600);
});

/** valid.yaml with this kafka section, loaded from the fixture folder. */
function loadWithKafka(kafka: string) {
  const file = join(dir, 'kafka.yaml');
  writeFileSync(file, VALID.replace('connections:\n', `${kafka}connections:\n`));
  return loadConfig(file, { env: {} });
}

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const SASL_SSL = `kafka:
  brokers: ["127.0.0.1:9094"]
  tls: { caFile: secrets/kafka-ca.pem }
  sasl: { mechanism: scram-sha-512, user: dataops, passwordFile: secrets/kafka.password }
`;

describe('the kafka section: tls and sasl', () => {
  it('accepts TLS and SASL, verifies certificates by default and keeps the password out of the config', () => {
    const { config } = loadWithKafka(SASL_SSL);
    expect(config.kafka).toEqual({
      brokers: ['127.0.0.1:9094'],
      clientId: 'dataops',
      tls: { caFile: join(dir, 'secrets/kafka-ca.pem'), certFile: undefined, keyFile: undefined, rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', user: 'dataops', passwordFile: join(dir, 'secrets/kafka.password') },
    });
    expect(JSON.stringify(config)).not.toContain(PASSWORD);
  });

  it('keeps the old section valid: no tls, no sasl', () => {
    expect(kafkaSchema.parse({})).toEqual({ brokers: ['127.0.0.1:9092'], clientId: 'dataops' });
  });

  it.each([
    ['an unknown key', { tls: { caFile: 'ca.pem', verify: false } }, 'tls'],
    ['an unknown mechanism', { sasl: { mechanism: 'gssapi', user: 'u', passwordFile: 'p' } }, 'sasl.mechanism'],
    ['a certificate without its key', { tls: { caFile: 'ca.pem', certFile: 'c.pem' } }, 'tls'],
    ['PLAIN without TLS', { sasl: { mechanism: 'plain', user: 'u', passwordFile: 'p' } }, 'sasl.mechanism'],
    ['SASL without a password file', { sasl: { mechanism: 'scram-sha-512', user: 'u' } }, 'sasl.passwordFile'],
  ])('refuses %s', (_, value, path) => {
    const result = kafkaSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });

  it('refuses a password written into the section, without repeating it', () => {
    const found = problems(() => loadWithKafka(`kafka:\n  sasl: { mechanism: scram-sha-512, user: dataops, password: ${PASSWORD} }\n`));
    expect(found).toContainEqual(expect.stringMatching(/^kafka\.sasl\.password: passwords never go in dataops\.yaml/));
    expect(found.join('\n')).not.toContain(PASSWORD);
  });

  it('refuses a password file or client key readable by others, and a missing CA, each at its field', () => {
    chmodSync(join(dir, 'secrets', 'kafka.password'), 0o644);
    chmodSync(join(dir, 'secrets', 'kafka-client.key'), 0o640);
    const found = problems(() =>
      loadWithKafka(`kafka:
  tls: { caFile: secrets/missing-ca.pem, certFile: secrets/kafka-client.crt, keyFile: secrets/kafka-client.key }
  sasl: { mechanism: scram-sha-256, user: dataops, passwordFile: secrets/kafka.password }
`),
    );
    expect(found).toEqual([
      `kafka.tls.caFile: CA file ${join(dir, 'secrets/missing-ca.pem')} does not exist`,
      `kafka.tls.keyFile: credentials file ${join(dir, 'secrets/kafka-client.key')} is readable by group or others (mode 0640); run: chmod 600 ${join(dir, 'secrets/kafka-client.key')}`,
      `kafka.sasl.passwordFile: credentials file ${join(dir, 'secrets/kafka.password')} is readable by group or others (mode 0644); run: chmod 600 ${join(dir, 'secrets/kafka.password')}`,
    ]);
    expect(found.join('\n')).not.toContain(PASSWORD);
  });

  it('refuses an empty password file', () => {
    writeFileSync(join(dir, 'secrets', 'kafka.password'), '\n');
    expect(problems(() => loadWithKafka(SASL_SSL))).toEqual([`kafka.sasl.passwordFile: password file ${join(dir, 'secrets/kafka.password')} is empty; its first line must be the password`]);
  });

  it('gives the client the CA, certificate, key and password read from their files', () => {
    const loaded = loadWithKafka(`kafka:
  brokers: ["127.0.0.1:9094"]
  tls: { caFile: secrets/kafka-ca.pem, certFile: secrets/kafka-client.crt, keyFile: secrets/kafka-client.key }
  sasl: { mechanism: scram-sha-512, user: dataops, passwordFile: secrets/kafka.password }
`);
    expect(kafkaClientSettings(loaded.config, loaded.dir, 'dataops-test', {})).toEqual({
      brokers: ['127.0.0.1:9094'],
      clientId: 'dataops-test',
      tls: { ca: CA, cert: 'client-cert\n', key: 'client-key\n', rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'dataops', password: PASSWORD },
    });
  });

  it('lets $KAFKA_BROKERS override the brokers, keeping TLS and SASL', () => {
    const loaded = loadWithKafka(SASL_SSL);
    const settings = kafkaClientSettings(loaded.config, loaded.dir, 'x', { KAFKA_BROKERS: 'a:9094, b:9094' });
    expect([settings.brokers, settings.sasl?.username, settings.tls?.rejectUnauthorized]).toEqual([['a:9094', 'b:9094'], 'dataops', true]);
  });

  it('reports a password file that went bad after loading as a CredentialsError naming the field, without the password', () => {
    const loaded = loadWithKafka(SASL_SSL);
    chmodSync(join(dir, 'secrets', 'kafka.password'), 0o604);
    let thrown: unknown;
    try {
      kafkaClientSettings(loaded.config, loaded.dir, 'x', {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CredentialsError);
    expect((thrown as Error).message).toMatch(/^kafka\.sasl\.passwordFile: credentials file .* is readable by group or others/);
    expect((thrown as Error).message).not.toContain(PASSWORD);
  });

  it('puts the password among the secrets the services mask in their logs', () => {
    const loaded = loadWithKafka(SASL_SSL);
    expect(configuredSecrets(loaded.config, loaded.dir)).toContain(PASSWORD);
  });
});
