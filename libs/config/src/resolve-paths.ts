import { resolve } from 'node:path';
import type { Connection, DataopsConfig, DatabaseCredentials, KafkaConfig, SftpCredentials } from './schema';
import { absolute } from './private-file';

/**
 * Every path in the config made absolute against the config file's folder, so a stage never
 * depends on the directory it was started from. URIs (file:///…, hdfs://…) stay as written.
 */
export function resolvePaths(config: DataopsConfig, dir: string): DataopsConfig {
  return {
    ...config,
    api: config.api ? { ...config.api, tokenFile: config.api.tokenFile === undefined ? undefined : absolute(config.api.tokenFile, dir) } : undefined,
    storage: { ...config.storage, lake: storageLocation(config.storage.lake, dir), warehouse: storageLocation(config.storage.warehouse, dir) },
    spark: {
      ...config.spark,
      // a bare `spark-submit` is looked up on PATH; anything with a slash is a path
      submit: config.spark.submit?.includes('/') ? absolute(config.spark.submit, dir) : config.spark.submit,
      jars: config.spark.jars?.map((jar) => storageLocation(jar, dir)),
    },
    kafka: resolveKafka(config.kafka, dir),
    connections: Object.fromEntries(Object.entries(config.connections).map(([name, connection]) => [name, resolveConnection(connection, dir)])),
    pipelines: Object.fromEntries(
      Object.entries(config.pipelines).map(([name, pipeline]) => [
        name,
        pipeline.transform ? { ...pipeline, transform: { ...pipeline.transform, models: absolute(pipeline.transform.models, dir) } } : pipeline,
      ]),
    ),
  };
}

/** A local path or a URI with a scheme; `file:relative` is not a URI anyone means. */
export function storageLocation(value: string, dir: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : resolve(dir, value);
}

function resolveKafka(kafka: KafkaConfig, dir: string): KafkaConfig {
  const file = (path: string | undefined) => (path === undefined ? undefined : absolute(path, dir));
  return {
    ...kafka,
    tls: kafka.tls ? { ...kafka.tls, caFile: absolute(kafka.tls.caFile, dir), certFile: file(kafka.tls.certFile), keyFile: file(kafka.tls.keyFile) } : undefined,
    sasl: kafka.sasl ? { ...kafka.sasl, passwordFile: absolute(kafka.sasl.passwordFile, dir) } : undefined,
  };
}

function resolveConnection(connection: Connection, dir: string): Connection {
  if (connection.type !== 'sftp') {
    const tls = connection.tls;
    const file = (path: string | undefined) => (path === undefined ? undefined : absolute(path, dir));
    return {
      ...connection,
      credentials: resolveCredentials(connection.credentials, dir),
      ...(tls ? { tls: { ...tls, caFile: file(tls.caFile), certFile: file(tls.certFile), keyFile: file(tls.keyFile) } } : {}),
    };
  }
  return {
    ...connection,
    credentials: resolveCredentials(connection.credentials, dir),
    knownHosts: connection.knownHosts === undefined ? undefined : absolute(connection.knownHosts, dir),
  };
}

function resolveCredentials<T extends DatabaseCredentials | SftpCredentials>(credentials: T, dir: string): T {
  const resolved: Record<string, string | undefined> = { ...credentials };
  for (const field of ['optionsFile', 'passwordFile', 'privateKeyFile', 'passphraseFile']) {
    const value = resolved[field];
    if (value !== undefined) resolved[field] = absolute(value, dir);
  }
  return resolved as T;
}
