import { createReadStream } from 'node:fs';
import mysql from 'mysql2/promise';
import type { ModelResult } from '@dataops/contracts';
import { databaseTlsError, jdbcTlsUrlProperties, mysqlClientOptions, type MysqlConnection } from '@dataops/config';
import { TerminalError, TransientError } from '@dataops/errors';
import { RUNS_TABLE, Verification, type JdbcTargetRepository, type LoadColumn, type SwitchRequest, type TargetColumn } from './jdbc-target';
import { checksumQuery, checksumsFromRow, type ChecksumColumn, type TableChecksums } from '@dataops/reconcile';
import { targetType } from './sql-types';

const quote = (name: string) => `\`${name.replaceAll('`', '``')}\``;

export class MysqlTarget implements JdbcTargetRepository {
  readonly dialect = 'mysql' as const;
  readonly driver = 'com.mysql.cj.jdbc.Driver';
  readonly jdbcUrl: string;
  private readonly pool: mysql.Pool;

  constructor(
    private readonly connection: MysqlConnection,
    login: { user: string; password: string },
    private readonly name?: string,
    /** `infile` needs the job's CSV files on this machine (the arrow export engine writes them) */
    readonly load: 'infile' | 'jdbc' = 'jdbc',
  ) {
    this.pool = mysql.createPool({ ...mysqlClientOptions(connection, login, undefined, name), connectionLimit: 2, timezone: 'Z', charset: 'utf8mb4' });
    // rewriteBatchedStatements: Spark's batches go as multi-row INSERTs; UTC so DATETIME(6) keeps the value written
    const properties = new URLSearchParams({
      rewriteBatchedStatements: 'true',
      connectionTimeZone: 'UTC',
      forceConnectionTimeZoneToSession: 'true',
      characterEncoding: 'UTF-8',
      ...jdbcTlsUrlProperties(connection),
    });
    this.jdbcUrl = `jdbc:mysql://${connection.host}:${connection.port}/${connection.database}?${properties}`;
  }

  async loadedRun(table: string, runId: string): Promise<number | undefined> {
    await this.query(`CREATE TABLE IF NOT EXISTS ${RUNS_TABLE} (target_table VARCHAR(255) NOT NULL, run_id VARCHAR(255) NOT NULL, \`rows\` BIGINT NOT NULL,
      loaded_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (target_table, run_id)) ENGINE=InnoDB`);
    const rows = await this.query(`SELECT \`rows\` FROM ${RUNS_TABLE} WHERE target_table = ? AND run_id = ?`, [table, runId]);
    return rows[0] ? Number(rows[0].rows) : undefined;
  }

  async columns(table: string): Promise<TargetColumn[] | undefined> {
    const rows = await this.query(
      'SELECT COLUMN_NAME AS name, COLUMN_TYPE AS dataType FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [this.connection.database, table],
    );
    return rows.length > 0 ? (rows as unknown as TargetColumn[]) : undefined;
  }

  async createTable(table: string, columns: NonNullable<ModelResult['columns']>, key?: string[]): Promise<void> {
    const definitions = columns.map((column) => `${quote(column.name)} ${targetType(column, 'mysql', key?.includes(column.name))}`);
    if (key) definitions.push(`PRIMARY KEY (${key.map(quote).join(', ')})`);
    await this.query(`CREATE TABLE IF NOT EXISTS ${quote(table)} (${definitions.join(', ')}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
  }

  async createStaging(table: string, staging: string): Promise<void> {
    await this.query(`DROP TABLE IF EXISTS ${quote(staging)}`);
    await this.query(`CREATE TABLE ${quote(staging)} LIKE ${quote(table)}`);
  }

  async dropStaleStaging(_table: string, prefix: string, keep: string): Promise<void> {
    const rows = await this.query('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND LEFT(TABLE_NAME, ?) = ?', [
      this.connection.database,
      prefix.length,
      prefix,
    ]);
    for (const row of rows as unknown as { name: string }[]) if (row.name !== keep) await this.query(`DROP TABLE IF EXISTS ${quote(row.name)}`);
  }

  quote(name: string): string {
    return quote(name);
  }

  tableSql(table: string): string {
    return quote(table);
  }

  async checksums(table: string, columns: ChecksumColumn[], by: 'row' | 'column' = 'row'): Promise<TableChecksums> {
    // DATETIME(6) holds UTC wall times here (the writer's session is UTC): no conversion happens for them
    const rows = await this.query(checksumQuery('mysql', columns, quote(table), by));
    return checksumsFromRow(columns, rows[0]);
  }

  /**
   * LOAD DATA LOCAL INFILE of the job's CSV files (every value quoted, NULL the bare word, quotes
   * doubled, no backslash escapes). Bytes arrive as hex and BIT values as their integer's text, so
   * those go through a variable. With LOCAL the server turns bad values into warnings rather than
   * errors: any warning fails the load (the staging table is discarded; the target is untouched).
   */
  async loadFiles(staging: string, columns: LoadColumn[], files: string[]): Promise<number> {
    const types = new Map(((await this.columns(staging)) ?? []).map((column) => [column.name, column.dataType.toLowerCase()]));
    const targets: string[] = [];
    const conversions: string[] = [];
    columns.forEach((column, index) => {
      const conversion = column.type === 'binary' ? `UNHEX(@v${index})` : types.get(column.name)?.startsWith('bit') ? `CAST(@v${index} AS UNSIGNED)` : undefined;
      targets.push(conversion ? `@v${index}` : quote(column.name));
      if (conversion) conversions.push(`${quote(column.name)} = ${conversion}`);
    });
    const connection = await this.pool.getConnection().catch((error) => {
      throw databaseTlsError(error, this.connection, this.name) ?? classify(error, `MySQL ${this.connection.host}:${this.connection.port}/${this.connection.database}`);
    });
    let rows = 0;
    try {
      // the files hold UTC wall times, which a TIMESTAMP column reads in the session's zone
      await connection.query("SET time_zone = '+00:00'");
      for (const file of files) {
        const sql =
          `LOAD DATA LOCAL INFILE ? INTO TABLE ${quote(staging)} CHARACTER SET utf8mb4 ` +
          `FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY '' LINES TERMINATED BY '\n' ` +
          `(${targets.join(', ')})${conversions.length > 0 ? ` SET ${conversions.join(', ')}` : ''}`;
        const [result] = await connection.query({ sql, values: [file], infileStreamFactory: (path: string) => createReadStream(path) });
        const header = result as mysql.ResultSetHeader;
        if (header.warningStatus > 0) {
          const [warnings] = await connection.query('SHOW WARNINGS LIMIT 3');
          const text = (warnings as { Message: string }[]).map((warning) => warning.Message).join('; ');
          throw new TerminalError(`LOAD DATA into ${staging}: MySQL changed or refused values (${header.warningStatus} warning(s): ${text}); target unchanged`, { subject: staging });
        }
        rows += header.affectedRows;
      }
      return rows;
    } catch (error) {
      if (error instanceof TerminalError) throw error;
      if ((error as { code?: string }).code === 'ER_NOT_ALLOWED_COMMAND' || /local_infile|LOCAL INFILE|not allowed/i.test(String((error as Error).message))) {
        throw new TerminalError(
          `LOAD DATA LOCAL INFILE into ${staging} was refused by ${this.connection.host}:${this.connection.port}: enable it on the server (SET GLOBAL local_infile = 1) or set exportEngine: spark on the pipeline (multi-row INSERTs)`,
          { subject: staging, cause: error },
        );
      }
      throw databaseTlsError(error, this.connection, this.name) ?? classify(error, `LOAD DATA into ${staging}`);
    } finally {
      connection.release();
    }
  }

  async stagedRows(staging: string): Promise<number> {
    return Number((await this.query(`SELECT COUNT(*) AS n FROM ${quote(staging)}`))[0].n);
  }

  async switchIn(request: SwitchRequest): Promise<number> {
    const connection = await this.pool.getConnection();
    const columns = request.columns.map(quote).join(', ');
    // the pool's other connection sums staging meanwhile
    const verification = new Verification(request.verify);
    try {
      await connection.beginTransaction();
      const [done] = await connection.query(`SELECT \`rows\` FROM ${RUNS_TABLE} WHERE target_table = ? AND run_id = ? FOR UPDATE`, [request.table, request.runId]);
      if ((done as { rows: number }[])[0]) {
        await connection.rollback();
        await verification.failure();
        return Number((done as { rows: number }[])[0].rows);
      }
      if (request.mode === 'replace') await connection.query(`DELETE FROM ${quote(request.table)}`);
      const update =
        request.mode === 'upsert'
          ? ` ON DUPLICATE KEY UPDATE ${request.columns
              .filter((column) => !request.key!.includes(column))
              .map((column) => `${quote(column)} = VALUES(${quote(column)})`)
              .join(', ')}`
          : '';
      await connection.query(`INSERT INTO ${quote(request.table)} (${columns}) SELECT ${columns} FROM ${quote(request.staging)}${update}`);
      await verification.passed();
      await connection.query(`INSERT INTO ${RUNS_TABLE} (target_table, run_id, \`rows\`) VALUES (?, ?, ?)`, [request.table, request.runId, request.rows]);
      await connection.commit();
      return request.rows;
    } catch (error) {
      await connection.rollback().catch(() => undefined);
      // a failed verification is the reason, whatever else failed after it
      throw (await verification.failure()) ?? databaseTlsError(error, this.connection, this.name) ?? classify(error, request.table);
    } finally {
      connection.release();
    }
  }

  async dropStaging(staging: string): Promise<void> {
    await this.query(`DROP TABLE IF EXISTS ${quote(staging)}`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async query(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    try {
      const [rows] = await this.pool.query(sql, params);
      return rows as Record<string, unknown>[];
    } catch (error) {
      throw databaseTlsError(error, this.connection, this.name) ?? classify(error, `MySQL ${this.connection.host}:${this.connection.port}/${this.connection.database}`);
    }
  }
}

function classify(error: unknown, where: string): Error {
  const code = (error as { code?: string }).code ?? '';
  if (['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'PROTOCOL_CONNECTION_LOST', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT'].includes(code)) {
    return new TransientError(`${where}: ${(error as Error).message}`, { cause: error });
  }
  if (code === 'ER_ACCESS_DENIED_ERROR') return new TerminalError(`${where}: access denied (check the credentials file)`, { cause: error });
  return new TerminalError(`${where}: ${(error as Error).message}`, { cause: error });
}
