import type { LakeManifest } from './manifest';
import { joinPath } from './paths';

/** How transform reads a raw table as it stands now: which files, and how to de-duplicate them. */
export interface CurrentView {
  table: string;
  mode: LakeManifest['mode'];
  files: string[];
  /** committed rows in those files (before de-duplication) */
  rows: number;
  /** lastmodified: keep the row with the greatest orderBy per key */
  dedupe: { key: string[]; orderBy: string } | null;
  runIds: string[];
  /**
   * how to read the files: one part per run (its folder is the base of its Hive-style partition
   * folders), the partition columns, and the columns with their lake types in the table's order
   */
  layout: RawLayout;
  /**
   * each column's MySQL type and lake (Spark) type as the latest run read it: they travel on as
   * Spark field metadata, so export can give BI the richest type for a column passed through
   */
  sourceTypes: Record<string, { mysqlType: string; sparkType: string }>;
}

/**
 * full: the latest committed run. append: every run since the latest full snapshot.
 * lastmodified: the same runs, de-duplicated by merge key (latest check column wins).
 */
export function currentView(manifests: LakeManifest[]): CurrentView | undefined {
  const latest = manifests.at(-1);
  if (!latest) return undefined;
  const lastSnapshot = manifests.map((manifest) => manifest.fullSnapshot).lastIndexOf(true);
  const live = latest.mode === 'full' ? [latest] : manifests.slice(Math.max(0, lastSnapshot));
  return {
    table: latest.table,
    mode: latest.mode,
    files: live.flatMap((manifest) => manifest.files.map((file) => joinPath(manifest.dataPath, file.path))),
    rows: live.reduce((sum, manifest) => sum + manifest.rows, 0),
    dedupe:
      latest.mode === 'lastmodified' && latest.mergeKey && latest.checkColumn ? { key: latest.mergeKey, orderBy: latest.checkColumn } : null,
    runIds: live.map((manifest) => manifest.runId),
    layout: rawLayout(live, latest),
    sourceTypes: Object.fromEntries(latest.schema.map((column) => [column.name, { mysqlType: column.mysqlType, sparkType: column.sparkType }])),
  };
}

export interface RawLayout {
  parts: { basePath: string; format: 'parquet' | 'orc'; files: string[] }[];
  partitionColumns: { name: string; sparkType: string }[];
  columns: { name: string; sparkType: string }[];
}

function rawLayout(live: LakeManifest[], latest: LakeManifest): RawLayout {
  const typeOf = (name: string) => latest.schema.find((column) => column.name === name)?.sparkType ?? 'STRING';
  const partitioned = [...new Set(live.flatMap((manifest) => manifest.partitionBy ?? []))];
  return {
    parts: live.map((manifest) => ({
      basePath: manifest.dataPath,
      format: manifest.fileFormat ?? 'parquet',
      files: manifest.files.map((file) => joinPath(manifest.dataPath, file.path)),
    })),
    partitionColumns: partitioned.map((name) => ({ name, sparkType: typeOf(name) })),
    columns: latest.schema.map((column) => ({ name: column.name, sparkType: column.sparkType })),
  };
}
