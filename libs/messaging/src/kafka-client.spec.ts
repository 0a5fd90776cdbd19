import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSSASLAuthenticationError } from 'kafkajs';
import { errorClassOf } from '@dataops/errors';
import { explainKafkaError, KafkaRefusedError, kafkaSecurityOptions, type KafkaSettings } from './kafka-client';

const PASSWORD = 'unit-kafka-password-3kd';
const secure: KafkaSettings = {
  brokers: ['127.0.0.1:9094'],
  clientId: 'test',
  tls: { ca: 'CA-PEM', rejectUnauthorized: true },
  sasl: { mechanism: 'scram-sha-512', username: 'dataops', password: PASSWORD },
};

const closed = () => Object.assign(new Error('Closed connection'), { name: 'KafkaJSConnectionClosedError' });
// kafkajs' typings give this error no constructor arguments; at run time it takes the message
const SaslError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
const retried = (error: Error) => new KafkaJSNumberOfRetriesExceeded(error, { retryCount: 8, retryTime: 30_000 });

describe(kafkaSecurityOptions.name, () => {
  it('gives kafkajs the CA, the client certificate and the SASL login', () => {
    expect(kafkaSecurityOptions({ ...secure, tls: { ca: 'CA', cert: 'CERT', key: 'KEY', rejectUnauthorized: false } })).toEqual({
      ssl: { ca: ['CA'], cert: 'CERT', key: 'KEY', rejectUnauthorized: false },
      sasl: { mechanism: 'scram-sha-512', username: 'dataops', password: PASSWORD },
    });
  });

  it('gives nothing for a plain connection (the PLAINTEXT listener as before)', () => {
    expect(kafkaSecurityOptions({})).toEqual({});
  });
});

describe(explainKafkaError.name, () => {
  it('names the login and the settings to check when SASL is refused, without the password', () => {
    const error = explainKafkaError(new SaslError('SASL SCRAM SHA512 authentication failed: Authentication failed due to invalid credentials'), secure);
    expect(error).toBeInstanceOf(KafkaRefusedError);
    expect(errorClassOf(error)).toBe('terminal');
    expect(error.message).toMatch(/^Kafka 127\.0\.0\.1:9094 refused the scram-sha-512 login of user dataops \(.*invalid credentials\): check kafka\.sasl\.user/);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('says the certificate is not trusted, through the retry wrapper, by Node code or text', () => {
    const byCode = new KafkaJSConnectionError('Connection error: self-signed certificate in certificate chain', { broker: '127.0.0.1:9094', code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const byText = new KafkaJSConnectionError("Connection error: Hostname/IP does not match certificate's altnames", { broker: 'x:9094' });
    for (const cause of [byCode, byText]) {
      const error = explainKafkaError(retried(cause), secure);
      expect(error).toBeInstanceOf(KafkaRefusedError);
      expect(error.message).toMatch(/^TLS to Kafka 127\.0\.0\.1:9094 failed: the broker's certificate is not trusted \(Connection error: .*\); kafka\.tls\.caFile must hold the CA/);
    }
  });

  it('points at kafka.sasl when a listener closes on a client that sent no login', () => {
    const noLogin = { brokers: ['127.0.0.1:9094'], tls: secure.tls };
    expect(explainKafkaError(retried(closed()), noLogin).message).toBe(
      'Kafka 127.0.0.1:9094 closed the connection of a client that sent no login (Closed connection); if its listener requires a SASL login, set kafka.sasl',
    );
    expect(explainKafkaError(closed(), { brokers: ['b:9094'] }).message).toMatch(/set kafka\.tls and kafka\.sasl$/);
  });

  it('leaves other errors as they are (a broker that is down is retried, not refused)', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9094', { broker: '127.0.0.1:9094', code: 'ECONNREFUSED' });
    const explained = explainKafkaError(refused, secure);
    expect(explained).toBe(refused);
    expect(explained).not.toBeInstanceOf(KafkaRefusedError);
    expect(explainKafkaError(closed(), secure)).not.toBeInstanceOf(KafkaRefusedError);
  });

  it('masks the password should any message carry it', () => {
    expect(explainKafkaError(new Error(`odd failure near ${PASSWORD}`), secure).message).toBe('odd failure near ***');
  });
});
