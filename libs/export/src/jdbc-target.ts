import { createHash } from 'node:crypto';
import type { ModelResult } from '@dataops/contracts';
import type { Dialect } from './sql-types';

export interface TargetColumn {
  name: string;
  dataType: string;
}

export type ExportMode = 'replace' | 'append' | 'upsert';

export interface SwitchRequest {
  table: string;
  staging: string;
  columns: string[];
  mode: ExportMode;
  key?: string[];
  runId: string;
}

/**
 * A BI database as the export stage uses it. Everything that changes the target happens in
 * `switchIn`, one transaction that also records the run, so a retried export is a no-op.
 */
export interface JdbcTargetRepository {
  readonly dialect: Dialect;
  readonly jdbcUrl: string;
  readonly driver: string;
  /** rows loaded by this run into this table, if it already did */
  loadedRun(table: string, runId: string): Promise<number | undefined>;
  columns(table: string): Promise<TargetColumn[] | undefined>;
  createTable(table: string, columns: NonNullable<ModelResult['columns']>, key?: string[]): Promise<void>;
  /** an empty staging table with the target's own column types */
  createStaging(table: string, staging: string): Promise<void>;
  stagedRows(staging: string): Promise<number>;
  switchIn(request: SwitchRequest): Promise<number>;
  dropStaging(staging: string): Promise<void>;
  close(): Promise<void>;
}

export const RUNS_TABLE = 'dataops_export_runs';

/** The staging table's name: next to the target, unique per run, short enough for MySQL's 64. */
export function stagingName(table: string, runId: string, attemptId = ''): string {
  // per attempt: a stale attempt still loading can never fill the table a newer one switches in
  const hash = createHash('sha256').update(`${runId}\u0000${attemptId}`).digest('hex').slice(0, 10);
  const parts = table.split('.');
  const name = `_dataops_stage_${parts.at(-1)!.slice(0, 30)}_${hash}`;
  return parts.length > 1 ? `${parts.slice(0, -1).join('.')}.${name}` : name;
}
