import type { Connection, JdbcExportTarget, LoadedConfig } from '@dataops/config';
import { isLocalMaster, resolveDatabaseCredentials, type ExportEngine } from '@dataops/config';
import type { ModelResult, Reconciliation, TargetResult } from '@dataops/contracts';
import { canonicalText, checksumKind, compareChecksums, countedOnly, describeMismatches, hasColumnSums, onlyRowsDiffer, type ChecksumColumn, type TableChecksums } from '@dataops/reconcile';
import { TerminalError } from '@dataops/errors';
import { stagingName, stagingPrefix, type JdbcTargetRepository, type LoadColumn, type ReplaceInPlace } from './jdbc-target';
import { MysqlTarget } from './mysql-target';
import { PostgresTarget } from './postgres-target';
import { compatible } from './sql-types';

export interface PreparedJdbcExport {
  target: JdbcExportTarget;
  table: string;
  staging: string;
  repository: JdbcTargetRepository;
  model: ModelResult;
  runId: string;
  /** set when this run already loaded the table: nothing to do */
  done?: number;
  /** a `replace` loaded into the target inside its switch transaction (ReplaceInPlace): no staging table */
  inPlace: boolean;
  /** that transaction, once the load began it */
  replace?: Promise<ReplaceInPlace>;
}

export function openTarget(connection: Connection, loaded: LoadedConfig, engine: ExportEngine = 'spark'): JdbcTargetRepository {
  if (connection.type === 'sftp') throw new TerminalError('a jdbc export needs a mysql or postgres connection');
  const login = resolveDatabaseCredentials(connection.credentials, loaded.dir);
  // the connection's name, for messages (a TLS refusal names it)
  const name = Object.entries(loaded.config.connections).find(([, candidate]) => candidate === connection)?.[0];
  // COPY and LOAD DATA read the files the job wrote on this machine; on a Spark cluster the
  // executors write them elsewhere, so Spark's JDBC writer fills the staging table there
  const local = engine === 'arrow' || isLocalMaster(loaded.config.spark.master);
  if (connection.type === 'postgres') return new PostgresTarget(connection, login, name, local ? 'copy' : 'jdbc');
  // the spark engine writes no LOAD DATA files: its JDBC writer sends multi-row INSERTs
  return new MysqlTarget(connection, login, name, engine === 'arrow' ? 'infile' : 'jdbc');
}

/**
 * Before any data moves: a missing target is created with mapped types; an existing one must have
 * every column with a compatible type, or the export fails naming both sides.
 */
export async function prepareJdbcExport(
  target: JdbcExportTarget,
  model: ModelResult,
  repository: JdbcTargetRepository,
  runId: string,
  attemptId?: string,
): Promise<PreparedJdbcExport> {
  const table = target.table ?? model.name;
  const done = await repository.loadedRun(table, runId);
  const inPlace = target.mode === 'replace' && target.loader !== 'sqoop' && repository.load === 'copy' && repository.beginReplace !== undefined;
  const prepared = { target, table, staging: stagingName(table, runId, attemptId), repository, model, runId, inPlace };
  if (done !== undefined) return { ...prepared, done };
  const columns = model.columns ?? [];
  const existing = await repository.columns(table);
  if (!existing) await repository.createTable(table, columns, target.mode === 'upsert' ? target.key : undefined);
  else {
    for (const column of columns) {
      const found = existing.find((candidate) => candidate.name === column.name);
      if (!found) throw new TerminalError(`export ${model.name} -> ${table}: target has no column ${column.name} (model type ${column.type}); add it or drop the table`, { subject: table });
      if (!compatible(column, found.dataType)) {
        throw new TerminalError(`export ${model.name} -> ${table}: column ${model.name}.${column.name} is ${column.type} but ${table}.${column.name} is ${found.dataType}`, { subject: table });
      }
    }
  }
  await repository.dropStaleStaging(table, stagingPrefix(table, runId), prepared.staging);
  if (!inPlace) await repository.createStaging(table, prepared.staging);
  return prepared;
}

/**
 * Opens the switch transaction of an in-place replace, which deletes the old rows: the stage does
 * it when the job starts, so the DELETE runs while the job writes the load files. Once per target.
 */
export function beginInPlace(prepared: PreparedJdbcExport): Promise<ReplaceInPlace> {
  if (!prepared.replace) {
    prepared.replace = prepared.repository.beginReplace!(prepared.table, prepared.runId);
    prepared.replace.catch(() => undefined); // awaited by the load, or by abandonInPlace when there is none
  }
  return prepared.replace;
}

/** The job's files into the target, in place, inside its switch transaction. */
export async function loadInPlace(prepared: PreparedJdbcExport, columns: LoadColumn[], files: string[]): Promise<number> {
  const replace = await beginInPlace(prepared);
  return replace.done ?? replace.loadFiles(columns, files);
}

/** Ends an in-place replace that did not commit (a failed job or target, a stop): the target keeps its rows. */
export async function abandonInPlace(prepared: PreparedJdbcExport): Promise<void> {
  await prepared.replace?.then((replace) => replace.rollback(), () => undefined);
}

/**
 * The switch: one transaction that also records the run in the target database. Before it
 * commits, the staging table must hold the model's rows and every column's values
 * (warehouse-to-target reconciliation, summed while the switch writes); otherwise the target is
 * left as it was.
 */
export async function finishJdbcExport(
  prepared: PreparedJdbcExport,
  stagedRows: number,
  warehouse: TableChecksums,
  /** the model's per-column sums, when `warehouse` has the rows' sum only (asked for on a difference) */
  warehouseByColumn?: () => Promise<TableChecksums>,
): Promise<TargetResult> {
  if (prepared.inPlace) return finishInPlace(prepared, stagedRows, warehouse, warehouseByColumn);
  const { repository, table, staging, target, model } = prepared;
  const inStaging = await repository.stagedRows(staging);
  checkRows(prepared, inStaging, stagedRows);
  const name = `${target.connection}:${table}`;
  const sum = (columns: ChecksumColumn[], by: 'row' | 'column') => repository.checksums(staging, columns, by);
  let reconciliation: Reconciliation | undefined;
  // reconciled while the switch writes, committed only once it matched
  const verify = async () => {
    reconciliation = await reconcileLoaded(prepared, staging, sum, warehouse, name, warehouseByColumn);
  };
  const rows = await repository.switchIn({ table, staging, columns: (model.columns ?? []).map((column) => column.name), mode: target.mode, key: target.key, runId: prepared.runId, rows: inStaging, verify });
  await repository.dropStaging(staging);
  return { type: 'jdbc', name, table, rows, files: [], reconciliation };
}

/** The in-place replace: the target's rows, summed inside the open transaction, then committed. */
async function finishInPlace(prepared: PreparedJdbcExport, loadedRows: number, warehouse: TableChecksums, warehouseByColumn?: () => Promise<TableChecksums>): Promise<TargetResult> {
  const { table, target } = prepared;
  const name = `${target.connection}:${table}`;
  const replace = await prepared.replace!;
  if (replace.done !== undefined) return { type: 'jdbc', name, table, rows: replace.done, files: [] };
  try {
    const sum = async (columns: ChecksumColumn[], by: 'row' | 'column') => {
      const summed = await replace.checksums(columns, by);
      checkRows(prepared, summed.rows, loadedRows);
      return summed;
    };
    const reconciliation = await reconcileLoaded(prepared, table, sum, warehouse, name, warehouseByColumn);
    return { type: 'jdbc', name, table, rows: await replace.commit(loadedRows), files: [], reconciliation };
  } finally {
    await replace.rollback();
  }
}

/** The loaded rows (`inTable`), the rows the loader reported (`loaded`) and the model's must agree. */
function checkRows({ model, table, inPlace }: PreparedJdbcExport, inTable: number, loaded: number): void {
  if (inTable !== loaded || loaded !== model.rows) {
    const where = inPlace ? `${table} holds ${inTable} new rows` : `staging holds ${inTable} rows`;
    throw new TerminalError(`export ${model.name} -> ${table}: ${where}, the load took ${loaded}, the model has ${model.rows}; target unchanged`, { subject: table });
  }
}

/** The loaded rows (in `loadedIn`, summed by `sum`) against the warehouse's; throws naming what differs. */
async function reconcileLoaded(
  prepared: PreparedJdbcExport,
  loadedIn: string,
  sum: (columns: ChecksumColumn[], by: 'row' | 'column') => Promise<TableChecksums>,
  warehouse: TableChecksums,
  name: string,
  warehouseByColumn?: () => Promise<TableChecksums>,
): Promise<Reconciliation> {
  const { repository, table, model } = prepared;
  const types = new Map((await repository.columns(loadedIn))?.map((column) => [column.name, column.dataType]) ?? []);
  const columns = (model.columns ?? []).map((column) => {
    const kind = checksumKind(column.type);
    const value = repository.quote(column.name);
    return { name: column.name, value, canonical: canonicalText(repository.dialect, kind, value, types.get(column.name), column.sourceType), bytes: kind === 'binary' };
  });
  // the database sums the rows (one md5 per row); only on a difference each column, to name it
  let mismatches = compareChecksums(warehouse, await sum(columns, 'row'));
  const by = onlyRowsDiffer(mismatches) ? 'columns' : 'rows';
  if (by === 'columns') {
    const summedByColumn = hasColumnSums(warehouse) || !warehouseByColumn ? warehouse : await warehouseByColumn();
    mismatches = compareChecksums(summedByColumn, await sum(columns, 'column'));
  }
  if (mismatches.length > 0) {
    throw new TerminalError(`export ${model.name} -> ${table}: reconciliation failed, target unchanged: ${describeMismatches(`model ${model.name}`, 'in the warehouse', `in ${name}`, mismatches)}`, {
      subject: table,
    });
  }
  return { from: 'warehouse', to: name, status: 'match', rows: warehouse.rows, columns: columns.length, countedOnly: countedOnly(warehouse), by };
}
