import { readFileSync } from 'node:fs';
import type { DataopsConfig, KafkaConfig } from './schema';
import { absolute, CredentialsError, privateFileProblem, publicFileProblem, readPrivateFile, readPublicFile } from './private-file';

/** TLS material for the Kafka client, read from the files `kafka.tls` names (PEM text). */
export interface KafkaTlsMaterial {
  ca: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export interface KafkaSaslLogin {
  mechanism: 'scram-sha-512' | 'scram-sha-256' | 'plain';
  username: string;
  password: string;
}

/** Everything a Kafka client of DataOps needs: brokers, client id, TLS and SASL. */
export interface KafkaClientSettings {
  brokers: string[];
  clientId: string;
  tls?: KafkaTlsMaterial;
  sasl?: KafkaSaslLogin;
}

/**
 * The Kafka client settings of a config: `$KAFKA_BROKERS` (comma-separated) overrides
 * `kafka.brokers`, as it always did; the CA, certificate and key are read as PEM text and the
 * password from its file (mode 0600, first line). A file that cannot be used is a
 * CredentialsError naming the field (`kafka.sasl.passwordFile: …`), never holding a secret.
 */
export function kafkaClientSettings(config: Pick<DataopsConfig, 'kafka'>, configDir: string, clientId: string, env: NodeJS.ProcessEnv = process.env): KafkaClientSettings {
  const brokers = env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',').map((broker) => broker.trim()).filter(Boolean) : config.kafka.brokers;
  return { brokers, clientId, ...resolveKafkaSecurity(config.kafka, configDir) };
}

export function resolveKafkaSecurity(kafka: KafkaConfig, configDir: string): Pick<KafkaClientSettings, 'tls' | 'sasl'> {
  const result: Pick<KafkaClientSettings, 'tls' | 'sasl'> = {};
  if (kafka.tls) {
    const { caFile, certFile, keyFile, rejectUnauthorized } = kafka.tls;
    result.tls = {
      ca: readPublicFile(absolute(caFile, configDir), 'kafka.tls.caFile', 'CA file'),
      rejectUnauthorized,
      ...(certFile && keyFile
        ? {
            cert: readPublicFile(absolute(certFile, configDir), 'kafka.tls.certFile', 'certificate file'),
            key: readPrivateFile(absolute(keyFile, configDir), 'kafka.tls.keyFile'),
          }
        : {}),
    };
  }
  if (kafka.sasl) result.sasl = { mechanism: kafka.sasl.mechanism, username: kafka.sasl.user, password: kafkaPassword(kafka, configDir)! };
  return result;
}

/** The SASL password of `kafka.sasl.passwordFile`, or undefined without SASL. */
export function kafkaPassword(kafka: KafkaConfig, configDir: string): string | undefined {
  if (!kafka.sasl) return undefined;
  const file = absolute(kafka.sasl.passwordFile, configDir);
  const password = readPrivateFile(file, 'kafka.sasl.passwordFile').split(/\r?\n/)[0] ?? '';
  if (password === '') throw new CredentialsError('kafka.sasl.passwordFile', `password file ${file} is empty; its first line must be the password`, file);
  return password;
}

/**
 * Problems of the files `kafka.tls` and `kafka.sasl` name, each at its field: the CA and
 * certificate must exist; the key and the password file must also be private (0600), and are
 * looked at only when `readSecrets` (a service that mounts only what it needs may skip it).
 */
export function kafkaFileProblems(kafka: KafkaConfig, configDir: string, readSecrets: boolean): { path: string[]; message: string }[] {
  const problems: { path: string[]; message: string }[] = [];
  const check = (path: string[], file: string | undefined, problem: (file: string) => string | undefined) => {
    if (file === undefined) return;
    const message = problem(absolute(file, configDir));
    if (message) problems.push({ path: ['kafka', ...path], message });
  };
  check(['tls', 'caFile'], kafka.tls?.caFile, (file) => publicFileProblem(file, 'CA file'));
  check(['tls', 'certFile'], kafka.tls?.certFile, (file) => publicFileProblem(file, 'certificate file'));
  if (readSecrets) {
    check(['tls', 'keyFile'], kafka.tls?.keyFile, privateFileProblem);
    check(['sasl', 'passwordFile'], kafka.sasl?.passwordFile, (file) => {
      const problem = privateFileProblem(file);
      if (problem) return problem;
      return (readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '') === '' ? `password file ${file} is empty; its first line must be the password` : undefined;
    });
  }
  return problems;
}

