import { mkdir, readlink, rename, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { joinPath, type LakeStore } from '@dataops/lake';

/**
 * Which version of a model readers see. Both kinds hold the version relative to the warehouse
 * (`_versions/<model>/<version>`), so the warehouse can be moved or mounted elsewhere, and both
 * switch in one atomic step.
 */
export interface PublishedPointer {
  /** the published version's folder (absolute, in the warehouse's own scheme), if any */
  read(model: string): Promise<string | undefined>;
  /** points the model at `version` (relative to the warehouse) in one atomic step */
  write(model: string, version: string): Promise<void>;
}

/**
 * Local disk: `<warehouse>/<model>` is a symbolic link to the version, so any reader (Spark,
 * DuckDB, a BI tool) opening that folder gets the published one. A new link under a temporary
 * name renamed over the old one switches it atomically (POSIX rename).
 */
export class SymlinkPointer implements PublishedPointer {
  private readonly folder: string;

  constructor(private readonly warehouse: string) {
    this.folder = warehouse.startsWith('file://') ? fileURLToPath(warehouse) : warehouse;
  }

  async read(model: string): Promise<string | undefined> {
    try {
      const target = await readlink(join(this.folder, model));
      // in the warehouse's own form (a path or file://), as versionPath gives it
      return target.startsWith('/') ? target : joinPath(this.warehouse, target);
    } catch {
      return undefined;
    }
  }

  async write(model: string, version: string): Promise<void> {
    const link = join(this.folder, model);
    const temporary = join(dirname(link), `.${model}.${process.pid}.${Date.now()}.link`);
    await mkdir(dirname(link), { recursive: true });
    await symlink(version, temporary);
    await rename(temporary, link);
  }
}

/**
 * HDFS has no symbolic links for readers (they are disabled in Hadoop's client by default and
 * WebHDFS cannot make them), so the published version is named in a small file,
 * `<warehouse>/_published/<model>`, holding `_versions/<model>/<version>`. The store writes it
 * under a temporary name and renames it over the old one (rename with overwrite: atomic on the
 * NameNode). The folder starts with `_`, which Spark and Hive skip when they list a warehouse.
 */
export class PointerFile implements PublishedPointer {
  constructor(
    private readonly warehouse: string,
    private readonly store: LakeStore,
  ) {}

  async read(model: string): Promise<string | undefined> {
    const text = (await this.store.readText(this.path(model)))?.trim();
    return text ? joinPath(this.warehouse, text) : undefined;
  }

  async write(model: string, version: string): Promise<void> {
    await this.store.writeTextAtomically(this.path(model), `${version}\n`);
  }

  private path(model: string): string {
    return joinPath(this.warehouse, '_published', model);
  }
}

/** The pointer kind for a warehouse: symbolic links on local disk, pointer files elsewhere. */
export function pointerFor(warehouse: string, store: LakeStore): PublishedPointer {
  return warehouse.startsWith('/') || warehouse.startsWith('file://') ? new SymlinkPointer(warehouse) : new PointerFile(warehouse, store);
}
