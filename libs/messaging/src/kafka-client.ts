import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import { TerminalError } from '@dataops/errors';
import type { StageLogger } from '@dataops/stage';

export type KafkaSaslMechanism = 'scram-sha-512' | 'scram-sha-256' | 'plain';

/** TLS to the brokers: PEM text, read from the files `kafka.tls` names. */
export interface KafkaTlsSettings {
  ca: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

/** A SASL login; the password comes from `kafka.sasl.passwordFile` and goes nowhere but the broker. */
export interface KafkaSaslSettings {
  mechanism: KafkaSaslMechanism;
  username: string;
  password: string;
}

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  tls?: KafkaTlsSettings;
  sasl?: KafkaSaslSettings;
}

/** What kafkajs gets for TLS and SASL: `ssl` and `sasl` of its client config. */
export function kafkaSecurityOptions(settings: Pick<KafkaSettings, 'tls' | 'sasl'>): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const options: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (settings.tls) {
    const { ca, cert, key, rejectUnauthorized } = settings.tls;
    options.ssl = { ca: [ca], rejectUnauthorized, ...(cert !== undefined && key !== undefined ? { cert, key } : {}) };
  }
  if (settings.sasl) {
    const { mechanism, username, password } = settings.sasl;
    options.sasl = { mechanism, username, password } as SASLOptions;
  }
  return options;
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
    ...kafkaSecurityOptions(settings),
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      if (!logger) return;
      const { message, ...fields } = entry.log;
      const line = `kafka: ${mask(message, settings)}`;
      if (entry.level <= logLevel.ERROR) logger.error(line, { namespace: entry.namespace, ...fields });
      else logger.warn(line, { namespace: entry.namespace, ...fields });
    },
    retry: { initialRetryTime: 300, retries: 8 },
  });
}

/** The brokers and security of a probe: the settings, or (as before) just the brokers. */
export type KafkaProbeTarget = Pick<KafkaSettings, 'brokers' | 'tls' | 'sasl'> | string[];

/**
 * Readiness probe: resolves when the cluster answers within the timeout. A refusal (certificate
 * not trusted, login refused) is reported with what to fix (explainKafkaError).
 */
export async function pingKafka(target: KafkaProbeTarget, timeoutMs = 3000): Promise<void> {
  const settings = Array.isArray(target) ? { brokers: target } : target;
  const kafka = new Kafka({
    clientId: 'dataops-probe',
    brokers: settings.brokers,
    ...kafkaSecurityOptions(settings),
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`kafka ${settings.brokers.join(',')} did not answer in ${timeoutMs} ms`)), timeoutMs).unref());
  try {
    await Promise.race([admin.connect().then(() => admin.describeCluster()), timeout]);
  } catch (error) {
    throw explainKafkaError(error, settings);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Fails at once, saying what to fix, when the brokers refuse this client: their certificate is
 * not trusted, the login is refused, or the listener closes on a client that sent no login.
 * Anything else (a broker that is down or slow) is left to the client's own retries, so a
 * command or a service behaves as before while Kafka restarts. Without it, kafkajs retries a
 * refused certificate for about a minute before it gives up.
 */
export async function assertKafkaAccepts(settings: Pick<KafkaSettings, 'brokers' | 'tls' | 'sasl'>, timeoutMs = 10_000): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await pingKafka(settings, timeoutMs);
      return;
    } catch (error) {
      if (!(error instanceof KafkaRefusedError)) return;
      // a closed connection is also what a broker that is stopping does: believe it the second time
      if (error.reason === 'closed' && attempt < 2) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      throw error;
    }
  }
}

/** The brokers refused this client: retrying with the same settings cannot help. */
export class KafkaRefusedError extends TerminalError {
  constructor(
    message: string,
    readonly reason: 'certificate' | 'login' | 'closed',
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

// Node's codes for a certificate chain or name that does not verify
const CERTIFICATE_CODES = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_[A-Z_]+|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_.*)$/;
const CERTIFICATE_TEXT = /certificate|self[- ]signed|altnames|Hostname\/IP does not match/i;

/**
 * A kafkajs error as a user reads it: a refused certificate or login names the setting to fix
 * (a KafkaRefusedError, terminal); anything else keeps its message. The password is never in
 * the result (kafkajs does not put it in its errors; it is masked here all the same).
 */
export function explainKafkaError(error: unknown, settings: Pick<KafkaSettings, 'brokers' | 'tls' | 'sasl'>): Error {
  const cause = innermost(error);
  const brokers = settings.brokers.join(',');
  const text = mask(cause.message, settings);
  const code = (cause as { code?: unknown }).code;
  if (cause.name === 'KafkaJSSASLAuthenticationError') {
    const login = settings.sasl ? `the ${settings.sasl.mechanism} login of user ${settings.sasl.username}` : 'the login';
    return new KafkaRefusedError(`Kafka ${brokers} refused ${login} (${text}): check kafka.sasl.user, kafka.sasl.mechanism and the password in kafka.sasl.passwordFile`, 'login', error);
  }
  if ((typeof code === 'string' && CERTIFICATE_CODES.test(code)) || (cause.name === 'KafkaJSConnectionError' && CERTIFICATE_TEXT.test(cause.message))) {
    return new KafkaRefusedError(
      `TLS to Kafka ${brokers} failed: the broker's certificate is not trusted (${text}); kafka.tls.caFile must hold the CA that signed it, and the certificate must name the host in kafka.brokers`,
      'certificate',
      error,
    );
  }
  if (cause.name === 'KafkaJSConnectionClosedError' && !settings.sasl) {
    const hint = settings.tls ? 'if its listener requires a SASL login, set kafka.sasl' : 'if its listener requires TLS or a SASL login, set kafka.tls and kafka.sasl';
    return new KafkaRefusedError(`Kafka ${brokers} closed the connection of a client that sent no login (${text}); ${hint}`, 'closed', error);
  }
  if (error instanceof Error) return text === error.message ? error : new Error(mask(error.message, settings), { cause: error });
  return new Error(text);
}

function innermost(error: unknown): Error {
  let current: unknown = error;
  // KafkaJSNumberOfRetriesExceeded and friends wrap the error that happened
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause instanceof Error; depth++) current = current.cause;
  return current instanceof Error ? current : new Error(String(current));
}

function mask(text: string, settings: Pick<KafkaSettings, 'sasl'>): string {
  const password = settings.sasl?.password;
  return password ? text.split(password).join('***') : text;
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
