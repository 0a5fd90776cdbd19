import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ModelResult } from '@dataops/contracts';
import { databaseTlsError, jdbcTlsUrlProperties, pgClientOptions, type PostgresConnection } from '@dataops/config';
import { TerminalError, TransientError } from '@dataops/errors';
import { RUNS_TABLE, type JdbcTargetRepository, type LoadColumn, type SwitchRequest, type TargetColumn } from './jdbc-target';
import { checksumQuery, checksumsFromRow, type ChecksumColumn, type TableChecksums } from '@dataops/reconcile';
import { targetType } from './sql-types';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const qualified = (table: string) => table.split('.').map(quote).join('.');
const split = (table: string) => (table.includes('.') ? table.split('.', 2) : ['public', table]);

export class PostgresTarget implements JdbcTargetRepository {
  readonly dialect = 'postgres' as const;
  readonly driver = 'org.postgresql.Driver';
  readonly jdbcUrl: string;
  private readonly pool: Pool;

  constructor(
    private readonly connection: PostgresConnection,
    login: { user: string; password: string },
    private readonly name?: string,
    /** `copy` needs the job's CSV files on this machine: a Spark cluster's executors write elsewhere */
    readonly load: 'copy' | 'jdbc' = 'copy',
  ) {
    this.pool = new Pool({ ...pgClientOptions(connection, login, undefined, name), max: 2 });
    this.pool.on('error', () => undefined);
    // reWriteBatchedInserts: the driver sends Spark's batches as multi-row INSERTs; stringtype:
    // exact text (a DECIMAL(65,30), a TIME) is sent untyped, so the server parses it as numeric, interval, json
    const properties = new URLSearchParams({ reWriteBatchedInserts: 'true', stringtype: 'unspecified', ...jdbcTlsUrlProperties(connection) });
    this.jdbcUrl = `jdbc:postgresql://${connection.host}:${connection.port}/${connection.database}?${properties}`;
  }

  async loadedRun(table: string, runId: string): Promise<number | undefined> {
    await this.query(`CREATE TABLE IF NOT EXISTS ${RUNS_TABLE} (target_table text NOT NULL, run_id text NOT NULL, rows bigint NOT NULL,
      loaded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (target_table, run_id))`);
    const result = await this.query(`SELECT rows FROM ${RUNS_TABLE} WHERE target_table = $1 AND run_id = $2`, [table, runId]);
    return result.rows[0] ? Number(result.rows[0].rows) : undefined;
  }

  async columns(table: string): Promise<TargetColumn[] | undefined> {
    const [schema, name] = split(table);
    const result = await this.query(
      `SELECT column_name AS name, data_type AS "dataType" FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [schema, name],
    );
    return result.rows.length > 0 ? (result.rows as TargetColumn[]) : undefined;
  }

  async createTable(table: string, columns: NonNullable<ModelResult['columns']>, key?: string[]): Promise<void> {
    const definitions = columns.map((column) => `${quote(column.name)} ${targetType(column, 'postgres', key?.includes(column.name))}`);
    if (key) definitions.push(`PRIMARY KEY (${key.map(quote).join(', ')})`);
    await this.query(`CREATE TABLE IF NOT EXISTS ${qualified(table)} (${definitions.join(', ')})`);
  }

  async createStaging(table: string, staging: string): Promise<void> {
    await this.query(`DROP TABLE IF EXISTS ${qualified(staging)}`);
    await this.query(`CREATE TABLE ${qualified(staging)} (LIKE ${qualified(table)} INCLUDING DEFAULTS)`);
  }

  async dropStaleStaging(table: string, prefix: string, keep: string): Promise<void> {
    const [schema] = split(table);
    const rows = await this.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND left(table_name, $2) = $3', [schema, prefix.length, prefix]);
    const kept = split(keep)[1];
    for (const row of rows.rows as { name: string }[]) if (row.name !== kept) await this.query(`DROP TABLE IF EXISTS ${qualified(`${schema}.${row.name}`)}`);
  }

  quote(name: string): string {
    return quote(name);
  }

  tableSql(table: string): string {
    return qualified(table);
  }

  async checksums(table: string, columns: ChecksumColumn[], by: 'row' | 'column' = 'row'): Promise<TableChecksums> {
    const result = await this.query(checksumQuery('postgres', columns, qualified(table), by));
    return checksumsFromRow(columns, result.rows[0]);
  }

  async stagedRows(staging: string): Promise<number> {
    return Number((await this.query(`SELECT count(*) AS n FROM ${qualified(staging)}`)).rows[0].n);
  }

  /** COPY … FROM STDIN, one file after another on one connection: PostgreSQL's own bulk path. */
  async loadFiles(staging: string, columns: LoadColumn[], files: string[]): Promise<number> {
    const client = await this.pool.connect().catch((error) => {
      throw databaseTlsError(error, this.connection, this.name) ?? classify(error, 'PostgreSQL');
    });
    const sql = `COPY ${qualified(staging)} (${columns.map((column) => quote(column.name)).join(', ')}) FROM STDIN WITH (FORMAT csv, HEADER false)`;
    let rows = 0;
    try {
      for (const file of files) {
        const stream = client.query(copyFrom(sql));
        await pipeline(createReadStream(file), stream);
        rows += stream.rowCount ?? 0;
      }
      return rows;
    } catch (error) {
      throw databaseTlsError(error, this.connection, this.name) ?? classify(error, `COPY into ${staging}`);
    } finally {
      client.release();
    }
  }

  async switchIn(request: SwitchRequest): Promise<number> {
    const client = await this.pool.connect();
    const columns = request.columns.map(quote).join(', ');
    try {
      await client.query('BEGIN');
      // a concurrent retry of the same run waits here, then sees the record and does nothing
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [request.table]);
      const done = await client.query(`SELECT rows FROM ${RUNS_TABLE} WHERE target_table = $1 AND run_id = $2`, [request.table, request.runId]);
      if (done.rows[0]) {
        await client.query('ROLLBACK');
        return Number(done.rows[0].rows);
      }
      // DELETE, not TRUNCATE: readers keep seeing the old rows until COMMIT, and indexes, grants and views stay
      if (request.mode === 'replace') await client.query(`DELETE FROM ${qualified(request.table)}`);
      const conflict =
        request.mode === 'upsert'
          ? ` ON CONFLICT (${request.key!.map(quote).join(', ')}) DO UPDATE SET ${request.columns
              .filter((column) => !request.key!.includes(column))
              .map((column) => `${quote(column)} = EXCLUDED.${quote(column)}`)
              .join(', ')}`
          : '';
      const inserted = await client.query(`INSERT INTO ${qualified(request.table)} (${columns}) SELECT ${columns} FROM ${qualified(request.staging)}${conflict}`);
      await client.query(`INSERT INTO ${RUNS_TABLE} (target_table, run_id, rows) VALUES ($1, $2, $3)`, [request.table, request.runId, inserted.rowCount ?? 0]);
      await client.query('COMMIT');
      return inserted.rowCount ?? 0;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw databaseTlsError(error, this.connection, this.name) ?? classify(error, request.table);
    } finally {
      client.release();
    }
  }

  async dropStaging(staging: string): Promise<void> {
    await this.query(`DROP TABLE IF EXISTS ${qualified(staging)}`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async query(sql: string, params: unknown[] = []) {
    try {
      return await this.pool.query(sql, params);
    } catch (error) {
      throw databaseTlsError(error, this.connection, this.name) ?? classify(error, 'PostgreSQL');
    }
  }
}

function classify(error: unknown, where: string): Error {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message;
  if (['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', '57P03', '53300', '40001', '40P01'].includes(code)) {
    return new TransientError(`${where}: ${message}`, { cause: error });
  }
  if (code === '28P01' || code === '28000') return new TerminalError(`${where}: authentication failed (check the credentials file)`, { cause: error });
  return new TerminalError(`${where}: ${message}`, { cause: error });
}
