import { Pool, type PoolClient } from 'pg';
import { pgClientOptions, resolveDatabaseCredentials, tlsFailureReason, type LoadedConfig } from '@dataops/config';
import { TerminalError, TransientError } from '@dataops/errors';
import { ledgerSchema } from './ledger-schema';

/**
 * The control database (run ledger, stage work, outbox): PostgreSQL, its own database, never the
 * source. Every service holds one small pool to it.
 */
export function controlPool(loaded: LoadedConfig, max = 5): Pool {
  const name = loaded.config.control?.connection;
  if (!name) throw new TerminalError('control.connection (the run ledger database) is missing from the config; every service needs it');
  const connection = loaded.config.connections[name];
  if (connection?.type !== 'postgres') throw new TerminalError(`control.connection ${name} must be a postgres connection`);
  const login = resolveDatabaseCredentials(connection.credentials, loaded.dir);
  const pool = new Pool({ ...pgClientOptions(connection, login, loaded.dir, name), max, connectionTimeoutMillis: 5000 });
  // an idle client losing its server (a restart) must not crash the process: the next query reconnects
  pool.on('error', () => undefined);
  return pool;
}

/** Creates or upgrades the control tables; several services may start at once, so under a lock. */
export async function migrateControlDb(pool: Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('dataops-control-schema'))");
    await client.query(ledgerSchema);
  });
}

export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw controlDbError(error);
  }
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw controlDbError(error);
  } finally {
    client.release();
  }
}

const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300', '40001', '40P01', '08000', '08001', '08003', '08006']);

/**
 * A control database that restarts or blinks is transient (retry: the event is kept and processed
 * when it is back); only what a retry cannot fix is terminal. Errors that are ours already pass.
 */
export function controlDbError(error: unknown): Error {
  if (error instanceof TerminalError || error instanceof TransientError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message ?? String(error);
  // a certificate problem is not fixed by waiting: say what to fix (the control connection's tls)
  const tls = tlsFailureReason(error);
  if (tls) return new TerminalError(`control database (control.connection): TLS: ${tls}`, { cause: error });
  if (TRANSIENT_CODES.has(code) || /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection/i.test(message)) {
    return new TransientError(`control database unavailable (${code || message}); will retry`, { cause: error });
  }
  return new TerminalError(`control database: ${message}`, { cause: error });
}
