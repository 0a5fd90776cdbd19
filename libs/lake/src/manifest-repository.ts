import { TerminalError } from '@dataops/errors';
import type { LakeStore } from './lake-store';
import { lakeManifest, type LakeManifest } from './manifest';
import { joinPath, manifestsPath, type LakeTableRef } from './paths';

/** The lake's own record of what has been loaded: one committed manifest per table and run. */
export class ManifestRepository {
  constructor(
    private readonly store: LakeStore,
    private readonly lake: string,
  ) {}

  async find(source: string, table: string, runId: string): Promise<LakeManifest | undefined> {
    const text = await this.store.readText(joinPath(manifestsPath(this.ref(source, table)), `${runId}.json`));
    return text === undefined ? undefined : parse(text, `${source}.${table}/${runId}`);
  }

  /** Committed manifests of a table, oldest first (by commit time, then run id). */
  async all(source: string, table: string): Promise<LakeManifest[]> {
    const folder = manifestsPath(this.ref(source, table));
    const names = (await this.store.list(folder)).filter((name) => name.endsWith('.json'));
    const manifests: LakeManifest[] = [];
    for (const name of names) {
      const text = await this.store.readText(joinPath(folder, name));
      if (text !== undefined) manifests.push(parse(text, `${source}.${table}/${name}`));
    }
    return manifests.sort((a, b) => a.committedAt.localeCompare(b.committedAt) || a.runId.localeCompare(b.runId));
  }

  async latest(source: string, table: string): Promise<LakeManifest | undefined> {
    return (await this.all(source, table)).at(-1);
  }

  /** The commit: data files were written first; this rename makes them visible. */
  async commit(manifest: LakeManifest): Promise<void> {
    const path = joinPath(manifestsPath(this.ref(manifest.source, manifest.table)), `${manifest.runId}.json`);
    await this.store.writeTextAtomically(path, JSON.stringify(manifest, null, 2));
  }

  private ref(source: string, table: string): LakeTableRef {
    return { lake: this.lake, source, table };
  }
}

function parse(text: string, where: string): LakeManifest {
  const parsed = lakeManifest.safeParse(JSON.parse(text));
  if (!parsed.success) throw new TerminalError(`lake manifest ${where} is not readable: ${parsed.error.message}`, { subject: where });
  return parsed.data;
}
