/**
 * Lake paths. A MySQL table name becomes a folder name that is valid everywhere (local disk, HDFS,
 * object stores) and reversible: [a-z0-9_] stay, every other byte of its UTF-8 form becomes -XX.
 * So `Orders` and `orders`, `order items`, `select` and `Ünïcode` all get distinct folders.
 */
export function tableFolder(table: string): string {
  let folder = '';
  for (const char of table) {
    if (/^[a-z0-9_]$/.test(char)) folder += char;
    else for (const byte of Buffer.from(char, 'utf8')) folder += `-${byte.toString(16).padStart(2, '0')}`;
  }
  return folder;
}

export function tableFromFolder(folder: string): string {
  const bytes: number[] = [];
  for (let index = 0; index < folder.length; index += 1) {
    if (folder[index] === '-') {
      bytes.push(parseInt(folder.slice(index + 1, index + 3), 16));
      index += 2;
    } else bytes.push(folder.charCodeAt(index));
  }
  return Buffer.from(bytes).toString('utf8');
}

export function joinPath(base: string, ...parts: string[]): string {
  return [base.replace(/\/+$/, ''), ...parts.map((part) => part.replace(/^\/+|\/+$/g, ''))].join('/');
}

export interface LakeTableRef {
  lake: string;
  source: string;
  table: string;
}

export function tablePath(ref: LakeTableRef): string {
  return joinPath(ref.lake, 'raw', ref.source, tableFolder(ref.table));
}

/** A table's data of one run; with an attempt id, of one attempt (two attempts never share a folder). */
export function runDataPath(ref: LakeTableRef, loadDate: string, runId: string, attemptId?: string): string {
  const run = joinPath(tablePath(ref), `load_date=${loadDate}`, `run=${runId}`);
  return attemptId ? joinPath(run, `attempt=${attemptId}`) : run;
}

export function manifestsPath(ref: LakeTableRef): string {
  return joinPath(tablePath(ref), '_manifests');
}
