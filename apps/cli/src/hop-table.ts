import type { LoadedConfig } from '@dataops/config';
import type { RunSummary, TableResult } from '@dataops/contracts';
import { formatCount } from './progress';

/** One hop of the data's way: where it is, under which name, how many rows the run counted there. */
export interface Hop {
  hop: 'source' | 'lake' | 'warehouse' | 'BI table' | 'SFTP';
  name: string;
  rows: number;
  where: string;
}

/**
 * The rows at each hop, as the stages counted them in the real systems: the source's COUNT(*)
 * (or the rows read, for incremental reads), the Parquet files written to the lake, each published
 * model, each BI table after its switch, each SFTP delivery.
 */
export function hopsOf(summary: RunSummary, loaded?: LoadedConfig): Hop[] {
  const hops: Hop[] = [];
  const tables = summary.stages.ingest?.tables ?? [];
  if (tables.length) {
    hops.push({ hop: 'source', name: `${tables.length} tables`, rows: sum(tables.map(sourceRows)), where: sourceName(summary.pipeline, loaded) });
    hops.push({ hop: 'lake', name: `${tables.length} tables`, rows: sum(tables.map((table) => table.rows)), where: loaded?.config.storage.lake ?? '' });
  }
  for (const model of summary.stages.transform?.models ?? []) hops.push({ hop: 'warehouse', name: model.name, rows: model.rows, where: model.path });
  for (const target of summary.stages.export?.targets ?? []) {
    // an SFTP target is named <connection>:<folder>
    const [connection, folder] = splitOnce(target.name, ':');
    if (target.type === 'sftp') hops.push({ hop: 'SFTP', name: `${connection} (${target.files.length} files)`, rows: target.rows, where: folder });
    else hops.push({ hop: 'BI table', name: target.name, rows: target.rows, where: target.table ?? '' });
  }
  return hops;
}

/** The hops as aligned lines, under a header. */
export function hopLines(hops: Hop[]): string[] {
  const nameWidth = Math.max(4, ...hops.map((hop) => hop.name.length));
  const row = (hop: string, name: string, rows: string, where: string) => `  ${hop.padEnd(10)} ${name.padEnd(nameWidth)} ${rows.padStart(12)}  ${where}`.trimEnd();
  return [row('hop', 'name', 'rows', 'where'), ...hops.map((hop) => row(hop.hop, hop.name, formatCount(hop.rows), hop.where))];
}

export interface Whereabouts {
  metricsUrls?: string[];
  /** the services' own logs */
  logDir?: string;
  /** Grafana dashboards to import */
  dashboards?: string[];
}

/** Where to look next: data folders, each stage's job log, service logs, metrics, dashboards. */
export function whereToLookLines(summary: RunSummary, loaded: LoadedConfig | undefined, where: Whereabouts): string[] {
  const places: [string, string][] = [];
  if (loaded) places.push(['lake', loaded.config.storage.lake], ['warehouse', loaded.config.storage.warehouse]);
  for (const [stage, state] of Object.entries(summary.stages)) if (state?.logPath) places.push([`${stage} log`, state.logPath]);
  if (where.logDir) places.push(['service logs', where.logDir]);
  if (where.metricsUrls?.length) places.push(['metrics', where.metricsUrls.join('  ')]);
  if (where.dashboards?.length) places.push(['dashboards', `${where.dashboards.join('  ')} (import into Grafana, Prometheus as data source)`]);
  const width = Math.max(...places.map(([label]) => label.length)) + 1;
  return places.map(([label, place]) => `  ${`${label}:`.padEnd(width)} ${place}`);
}

function sourceRows(table: TableResult): number {
  return table.sourceCount ?? table.rowsRead ?? table.rows;
}

function sourceName(pipeline: string, loaded?: LoadedConfig): string {
  const connectionName = loaded?.config.pipelines[pipeline]?.source.connection;
  const connection = connectionName ? loaded?.config.connections[connectionName] : undefined;
  if (!connection || connection.type === 'sftp') return connectionName ?? '';
  return `${connection.type} ${connection.host}:${connection.port}/${connection.database}`;
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
