import { createHash } from 'node:crypto';
import type { ModelResult } from '@dataops/contracts';
import type { ChecksumColumn, TableChecksums } from '@dataops/reconcile';
import type { Dialect } from './sql-types';

export interface TargetColumn {
  name: string;
  dataType: string;
}

/** A column of a load file: its name and the model's (Spark) type, which says how it travels. */
export interface LoadColumn {
  name: string;
  type: string;
}

export type ExportMode = 'replace' | 'append' | 'upsert';

export interface SwitchRequest {
  table: string;
  staging: string;
  columns: string[];
  mode: ExportMode;
  key?: string[];
  runId: string;
  /** the rows in staging: what the target takes and the run's record says */
  rows: number;
  /**
   * The staging table's reconciliation, run on another connection while the switch's writes run
   * (issue 11: one after the other, the upsert of the sample's 1 M rows waited 1.7 s for its sums);
   * the switch commits only once it passed, and rolls back with its error otherwise.
   */
  verify?: () => Promise<void>;
}

/** A switch's verification, started with it: `passed` throws its error, `failure` gives it. */
export class Verification {
  private readonly outcome: Promise<unknown>;

  constructor(verify?: () => Promise<void>) {
    this.outcome = verify ? verify().then(() => undefined, (error: unknown) => error ?? new Error('the verification failed')) : Promise.resolve(undefined);
  }

  async passed(): Promise<void> {
    const failure = await this.outcome;
    if (failure) throw failure;
  }

  /** Once the verification ended: its error, or undefined when it passed. */
  failure(): Promise<unknown> {
    return this.outcome;
  }
}

/**
 * A BI database as the export stage uses it. Everything that changes the target happens in
 * `switchIn`, one transaction that also records the run, so a retried export is a no-op.
 */
export interface JdbcTargetRepository {
  readonly dialect: Dialect;
  readonly jdbcUrl: string;
  readonly driver: string;
  /**
   * How the staging table is filled: `copy` (PostgreSQL: the job writes CSV files, `loadFiles`
   * streams them through COPY … FROM STDIN), `infile` (MySQL: the job writes CSV files, `loadFiles`
   * sends them by LOAD DATA LOCAL INFILE) or `jdbc` (Spark's JDBC writer, in multi-row batches).
   */
  readonly load: 'copy' | 'infile' | 'jdbc';
  /** loads the job's CSV files (no header) into the staging table; the rows it took */
  loadFiles?(staging: string, columns: LoadColumn[], files: string[]): Promise<number>;
  /** rows loaded by this run into this table, if it already did */
  loadedRun(table: string, runId: string): Promise<number | undefined>;
  columns(table: string): Promise<TargetColumn[] | undefined>;
  createTable(table: string, columns: NonNullable<ModelResult['columns']>, key?: string[]): Promise<void>;
  /** an empty staging table with the target's own column types */
  createStaging(table: string, staging: string): Promise<void>;
  stagedRows(staging: string): Promise<number>;
  /** a column's identifier as this database quotes it */
  quote(name: string): string;
  /** a table's name as SQL (PostgreSQL: schema.table, each part quoted), for Spark's JDBC writer */
  tableSql(table: string): string;
  /** the checksums of a (staging) table, of its rows (one md5 per row) or of each column, for the warehouse-to-target reconciliation */
  checksums(table: string, columns: ChecksumColumn[], by?: 'row' | 'column'): Promise<TableChecksums>;
  switchIn(request: SwitchRequest): Promise<number>;
  /**
   * A `replace` loaded into the target itself, inside the transaction that switches it in (no
   * staging table). Only where the files load by `loadFiles` and the database can sum its own
   * uncommitted rows: PostgreSQL.
   */
  beginReplace?(table: string, runId: string): Promise<ReplaceInPlace>;
  dropStaging(staging: string): Promise<void>;
  /** drops the staging tables earlier attempts of the run left (a killed service), all but `keep` */
  dropStaleStaging(table: string, prefix: string, keep: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * An open `replace` of one target: a transaction that holds the run's lock and has deleted the old
 * rows. The new rows are loaded into the target and summed there, and the transaction commits only
 * when they reconcile, recording the run: readers see the old rows until then, and a failure, a
 * stop or a crash rolls it back. It saves filling a staging table, then copying it into the
 * target (issue 11: the INSERT … SELECT and the staging table's DROP were a third of the export).
 */
export interface ReplaceInPlace {
  /** rows an attempt of the same run switched in before this one took the lock: nothing to load */
  readonly done?: number;
  /** loads the job's CSV files (no header) into the target; the rows it took */
  loadFiles(columns: LoadColumn[], files: string[]): Promise<number>;
  /** the checksums of the target's rows as this transaction sees them (the new rows only) */
  checksums(columns: ChecksumColumn[], by: 'row' | 'column'): Promise<TableChecksums>;
  /** records the run and commits; the rows switched in */
  commit(rows: number): Promise<number>;
  /** ends the transaction without a change; nothing once committed or rolled back */
  rollback(): Promise<void>;
}

export const RUNS_TABLE = 'dataops_export_runs';

const shortHash = (text: string, length: number) => createHash('sha256').update(text).digest('hex').slice(0, length);

/**
 * What the staging tables of one run and target share: `_dataops_stage_<table>_<table hash>_<run hash>`
 * (unqualified). Only [A-Za-z0-9_] from the table's name, so no driver or tool trips over quoting,
 * and its hash, so `a b` and `a_b` never share a prefix.
 */
export function stagingPrefix(table: string, runId: string): string {
  const name = table.split('.').at(-1)!;
  return `_dataops_stage_${name.replace(/\W/g, '_').slice(0, 24)}_${shortHash(name, 6)}_${shortHash(runId, 8)}`;
}

/**
 * The staging table's name: next to the target, one per attempt of a run (a stale attempt still
 * loading can never fill the table a newer one switches in), short enough for MySQL's 64.
 */
export function stagingName(table: string, runId: string, attemptId = ''): string {
  const parts = table.split('.');
  const name = `${stagingPrefix(table, runId)}_${shortHash(attemptId, 4)}`;
  return parts.length > 1 ? `${parts.slice(0, -1).join('.')}.${name}` : name;
}
