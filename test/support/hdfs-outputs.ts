import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { joinPath, lakeManifest, type WebHdfsLakeStore } from '@dataops/lake';

/**
 * A local copy of what a pipeline left on HDFS, laid out as on local disk, so that
 * snapshotOutputs (test/support/outputs.ts) figures the HDFS run exactly as it figures a
 * single-machine run: the lake's raw tree (manifests pointed at the copied run folders) and, for
 * each model, the version its pointer file `_published/<model>` names, behind a symbolic link.
 * Everything is read through WebHDFS, as the services read it.
 */
export async function copyHdfsOutputs(store: WebHdfsLakeStore, hdfs: { lake: string; warehouse: string }, local: { lake: string; warehouse: string }, models: string[]): Promise<void> {
  await copyTree(store, joinPath(hdfs.lake, 'raw'), join(local.lake, 'raw'), (text) => rewriteManifest(text, hdfs.lake, local.lake));
  for (const model of models) {
    const pointer = (await store.readText(joinPath(hdfs.warehouse, '_published', model)))?.trim();
    if (!pointer) throw new Error(`model ${model} has no pointer file under ${hdfs.warehouse}/_published: it was never published`);
    await copyTree(store, joinPath(hdfs.warehouse, pointer), join(local.warehouse, pointer));
    mkdirSync(local.warehouse, { recursive: true });
    symlinkSync(pointer, join(local.warehouse, model));
  }
}

function rewriteManifest(text: string, from: string, to: string): string {
  const manifest = lakeManifest.parse(JSON.parse(text));
  if (!manifest.dataPath.startsWith(from)) throw new Error(`manifest ${manifest.table}/${manifest.runId}: dataPath ${manifest.dataPath} is not under ${from}`);
  return JSON.stringify({ ...manifest, dataPath: to + manifest.dataPath.slice(from.length) }, null, 2);
}

/** Files keep their names; Spark's _SUCCESS and _manifests included (only dot-names are skipped). */
async function copyTree(store: WebHdfsLakeStore, from: string, to: string, manifest?: (text: string) => string): Promise<void> {
  mkdirSync(to, { recursive: true });
  for (const entry of await store.entries(from)) {
    const source = joinPath(from, entry.name);
    const target = join(to, entry.name);
    if (entry.directory) await copyTree(store, source, target, manifest);
    else {
      const bytes = await store.client.open(store.hdfsPath(source));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, manifest && source.includes('/_manifests/') ? manifest(bytes.toString('utf8')) : bytes);
    }
  }
}
