import mysql from 'mysql2/promise';
import { Client } from 'pg';
import { databaseTlsError, mysqlClientOptions, pgClientOptions, resolveDatabaseCredentials, type LoadedConfig } from '@dataops/config';
import type { ReadinessProbe } from '@dataops/observability';

/** A `SELECT 1` per database connection the service needs. */
export function databaseProbes(loaded: LoadedConfig, connectionNames: string[]): ReadinessProbe[] {
  return connectionNames.map((name) => ({
    name: `database:${name}`,
    check: async () => {
      const connection = loaded.config.connections[name];
      if (!connection || connection.type === 'sftp') return;
      const login = resolveDatabaseCredentials(connection.credentials, loaded.dir);
      try {
        if (connection.type === 'mysql') {
          const client = await mysql.createConnection({ ...mysqlClientOptions(connection, login, loaded.dir, name), connectTimeout: 2500 });
          await client.query('SELECT 1').finally(() => client.end());
        } else {
          const client = new Client({ ...pgClientOptions(connection, login, loaded.dir, name), connectionTimeoutMillis: 2500 });
          await client.connect();
          await client.query('SELECT 1').finally(() => client.end());
        }
      } catch (error) {
        // a certificate problem says what to fix, naming the connection
        throw databaseTlsError(error, connection, name) ?? error;
      }
    },
  }));
}
