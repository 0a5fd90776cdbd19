import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Client } from 'pg';
import { currentView, LocalLakeStore, ManifestRepository, tableFromFolder } from '@dataops/lake';
import { adminConnection, python } from './stack';

/** Row count and an order-independent checksum of one output. */
export interface OutputFigure {
  rows: number;
  checksum: string;
}

/** Every output of a pipeline at every hop: what the fault suite compares with a clean run's. */
export type Outputs = Record<string, OutputFigure>;

export interface OutputLocations {
  lake: string;
  source: string;
  warehouse: string;
  models: string[];
  pgTables: string[];
  mysqlDatabase: string;
  mysqlTables: string[];
  /** folders under the SFTP root holding <model>/<date>/ deliveries */
  sftpDirs: string[];
}

const parquetFigure = (files: string[]): OutputFigure => {
  if (files.length === 0) return { rows: 0, checksum: '0' };
  const [rows, checksum] = python<[number, string]>(`
import duckdb, json
files = json.loads(${JSON.stringify(JSON.stringify(files))})
n, h = duckdb.sql("select count(*), coalesce(sum(hash(t::VARCHAR)), 0)::VARCHAR from read_parquet($files, hive_partitioning=false) t", params={"files": files}).fetchall()[0]
print(json.dumps([n, h]))`);
  return { rows, checksum };
};

/** The lake's current view of each table (what transform reads), by the manifests. */
async function lakeOutputs(locations: OutputLocations): Promise<Outputs> {
  const manifests = new ManifestRepository(new LocalLakeStore(), locations.lake);
  const outputs: Outputs = {};
  for (const folder of readdirSync(join(locations.lake, 'raw', locations.source)).sort()) {
    const view = currentView(await manifests.all(locations.source, tableFromFolder(folder)));
    if (view) outputs[`lake:${view.table}`] = parquetFigure(view.files);
  }
  return outputs;
}

/** Each published model, partition columns (folder names) included. */
function warehouseOutputs(locations: OutputLocations): Outputs {
  const outputs: Outputs = {};
  for (const model of locations.models) {
    const folder = realpathSync(join(locations.warehouse, model));
    const [rows, checksum] = python<[number, string]>(`
import duckdb, json
n, h = duckdb.sql("select count(*), coalesce(sum(hash(t::VARCHAR)), 0)::VARCHAR from read_parquet($glob, hive_partitioning=true) t", params={"glob": ${JSON.stringify(`${folder}/**/*.parquet`)}}).fetchall()[0]
print(json.dumps([n, h]))`);
    outputs[`warehouse:${model}`] = { rows, checksum };
  }
  return outputs;
}

async function pgOutputs(pg: Client, tables: string[]): Promise<Outputs> {
  const outputs: Outputs = {};
  for (const table of tables) {
    const result = await pg.query(`SELECT count(*)::int AS rows, coalesce(sum(hashtext(t::text)::numeric), 0)::text AS checksum FROM ${table} t`);
    outputs[`pg:${table}`] = result.rows[0] as OutputFigure;
    // staging tables left by killed attempts count as output too: a clean run leaves none
    const staging = await pg.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE left(table_name, $1) = $2", [
      `_dataops_stage_${table.split('.').at(-1)!.replace(/\W/g, '_').slice(0, 24)}`.length,
      `_dataops_stage_${table.split('.').at(-1)!.replace(/\W/g, '_').slice(0, 24)}`,
    ]);
    outputs[`pg:${table}:staging-tables`] = { rows: staging.rows[0].n, checksum: '-' };
  }
  return outputs;
}

async function mysqlOutputs(database: string, tables: string[]): Promise<Outputs> {
  const outputs: Outputs = {};
  const connection = await adminConnection(database);
  try {
    for (const table of tables) {
      const [[count]] = (await connection.query(`SELECT COUNT(*) AS n FROM \`${table}\``)) as unknown as [{ n: string }[]];
      // CHECKSUM TABLE sums a checksum per row: independent of the rows' order
      const [[sum]] = (await connection.query(`CHECKSUM TABLE \`${table}\` EXTENDED`)) as unknown as [{ Checksum: string }[]];
      outputs[`mysql:${table}`] = { rows: Number(count.n), checksum: String(sum.Checksum) };
    }
  } finally {
    await connection.end();
  }
  return outputs;
}

/** SFTP deliveries: manifest row counts and the sorted lines of the files (row order is free). */
function sftpOutputs(dirs: string[]): Outputs {
  const outputs: Outputs = {};
  for (const dir of dirs) {
    const manifests = execFileSync('find', [dir, '-name', '_MANIFEST.json'], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    for (const path of manifests) {
      const manifest = JSON.parse(readFileSync(path, 'utf8')) as { rows: number; files: { name: string; sha256: string }[] };
      const folder = path.replace(/\/_MANIFEST\.json$/, '');
      const lines: string[] = [];
      for (const file of manifest.files) {
        const bytes = readFileSync(join(folder, file.name));
        if (createHash('sha256').update(bytes).digest('hex') !== file.sha256) throw new Error(`${folder}/${file.name} does not match its manifest checksum`);
        const text = file.name.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
        lines.push(...text.split(/\r?\n/).slice(1).filter(Boolean));
      }
      outputs[`sftp:${folder.slice(dir.length)}`] = { rows: manifest.rows, checksum: createHash('sha256').update(lines.sort().join('\n')).digest('hex') };
    }
  }
  return outputs;
}

export async function snapshotOutputs(locations: OutputLocations, pg: Client): Promise<Outputs> {
  return {
    ...(await lakeOutputs(locations)),
    ...warehouseOutputs(locations),
    ...(await pgOutputs(pg, locations.pgTables)),
    ...(await mysqlOutputs(locations.mysqlDatabase, locations.mysqlTables)),
    ...sftpOutputs(locations.sftpDirs),
  };
}

/** The outputs that differ, as `name: clean … vs … now` lines (empty: equal). */
export function differences(clean: Outputs, now: Outputs): string[] {
  const names = [...new Set([...Object.keys(clean), ...Object.keys(now)])].sort();
  return names
    .filter((name) => JSON.stringify(clean[name]) !== JSON.stringify(now[name]))
    .map((name) => `${name}: clean ${JSON.stringify(clean[name])} vs ${JSON.stringify(now[name])}`);
}

/** Java or Python processes whose command line names the run: a job that outlived its service. */
export function jobProcessesOf(runId: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(runId) && /java|python/.test(line) && !line.includes(' ps -eo'));
}
