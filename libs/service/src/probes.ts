import mysql from 'mysql2/promise';
import { Client } from 'pg';
import { resolveDatabaseCredentials, type LoadedConfig } from '@dataops/config';
import type { ReadinessProbe } from '@dataops/observability';

/** A `SELECT 1` per database connection the service needs. */
export function databaseProbes(loaded: LoadedConfig, connectionNames: string[]): ReadinessProbe[] {
  return connectionNames.map((name) => ({
    name: `database:${name}`,
    check: async () => {
      const connection = loaded.config.connections[name];
      if (!connection || connection.type === 'sftp') return;
      const login = resolveDatabaseCredentials(connection.credentials, loaded.dir);
      if (connection.type === 'mysql') {
        const client = await mysql.createConnection({ host: connection.host, port: connection.port, user: login.user, password: login.password, database: connection.database, connectTimeout: 2500 });
        await client.query('SELECT 1').finally(() => client.end());
      } else {
        const client = new Client({ host: connection.host, port: connection.port, user: login.user, password: login.password, database: connection.database, connectionTimeoutMillis: 2500 });
        await client.connect();
        await client.query('SELECT 1').finally(() => client.end());
      }
    },
  }));
}
