import { existsSync } from 'node:fs';
import type { Connection, DataopsConfig } from './schema';
import { credentialFiles, CredentialsError, kafkaFileProblems, privateFileProblem, resolveDatabaseCredentials, resolveSftpCredentials } from './secrets';
import { databaseTlsFileProblems } from './database-tls';

/** A problem found after the schema passed, at a field path; the loader adds file and line. */
export interface Finding {
  path: PropertyKey[];
  message: string;
}

export interface CredentialCheckOptions {
  env: NodeJS.ProcessEnv;
  /** read the secrets (files, options files, environment variables) or only look at the config */
  readSecrets: boolean;
}

/**
 * Every connection's credentials, and Kafka's, can be read: files exist and are private, options files parse
 * and hold a user and a password, passwordEnv variables are set. The secrets are read and
 * dropped; only the reason a read failed is reported.
 */
export function connectionFindings(config: DataopsConfig, configDir: string, options: CredentialCheckOptions): Finding[] {
  // the Kafka CA, client certificate and key, SASL password file: each at its kafka.* field
  const kafka = kafkaFileProblems(config.kafka, configDir, options.readSecrets);
  return [...kafka, ...databaseAndSftpFindings(config, configDir, options)];
}

function databaseAndSftpFindings(config: DataopsConfig, configDir: string, options: CredentialCheckOptions): Finding[] {
  return Object.entries(config.connections).flatMap(([name, connection]) => {
    const at: PropertyKey[] = ['connections', name];
    const findings = options.readSecrets ? credentialFindings(connection, configDir, options.env, at) : [];
    // the CA and client certificate must exist; the client key must also be private (0600)
    if (connection.type !== 'sftp') {
      for (const problem of databaseTlsFileProblems(connection.tls, configDir, options.readSecrets)) findings.push({ path: [...at, ...problem.field], message: problem.message });
    }
    if (connection.type === 'sftp' && connection.knownHosts && !existsSync(connection.knownHosts)) {
      findings.push({ path: [...at, 'knownHosts'], message: `known_hosts file ${connection.knownHosts} does not exist; pin the server key with: ssh-keyscan -p ${connection.port} ${connection.host} > ${connection.knownHosts}` });
    }
    return findings;
  });
}

function credentialFindings(connection: Connection, configDir: string, env: NodeJS.ProcessEnv, at: PropertyKey[]): Finding[] {
  // each file the config names is checked on its own, so two bad files give two lines
  const fileFindings = credentialFiles(connection.credentials).flatMap(({ field, file }) => {
    const problem = privateFileProblem(file);
    return problem ? [{ path: [...at, ...field.split('.')], message: problem }] : [];
  });
  if (fileFindings.length > 0) return fileFindings;
  try {
    if (connection.type === 'sftp') resolveSftpCredentials(connection, configDir, { env });
    else resolveDatabaseCredentials(connection, configDir, { env });
    return [];
  } catch (error) {
    if (!(error instanceof CredentialsError)) throw error;
    return [{ path: [...at, ...error.field.split('.')], message: error.reason }];
  }
}
