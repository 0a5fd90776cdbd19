import { mkdir, readdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TerminalError } from '@dataops/errors';

/**
 * Warehouse layout: each run writes a model to _versions/<model>/<runId>/; `<warehouse>/<model>` is
 * a symbolic link to the published version. Publishing swaps the link with one rename, atomic on
 * POSIX: a reader opening <warehouse>/<model> sees the old version or the new one, never a mix.
 * Older versions stay for a while so readers (and exports) of the previous run can finish.
 */
export class WarehousePublisher {
  constructor(
    private readonly warehouse: string,
    private readonly keepVersions = 3,
  ) {
    if (!warehouse.startsWith('/')) {
      throw new TerminalError(`warehouse ${warehouse}: this version publishes on a local filesystem only (HDFS publishing by pointer file is planned)`);
    }
  }

  /** A run's version of a model; with an attempt id, that attempt's own folder (attempts never share one). */
  versionPath(model: string, runId: string, attemptId?: string): string {
    return join(this.warehouse, '_versions', model, versionName(runId, attemptId));
  }

  modelPath(model: string): string {
    return join(this.warehouse, model);
  }

  /** The version folder readers see now, if any. */
  async published(model: string): Promise<string | undefined> {
    try {
      const target = await readlink(this.modelPath(model));
      return target.startsWith('/') ? target : join(this.warehouse, target);
    } catch {
      return undefined;
    }
  }

  async publish(model: string, runId: string, attemptId?: string): Promise<void> {
    const link = this.modelPath(model);
    const temporary = join(dirname(link), `.${model}.${process.pid}.${Date.now()}.link`);
    await mkdir(dirname(link), { recursive: true });
    // relative target: the warehouse folder can be moved or mounted elsewhere
    await symlink(join('_versions', model, versionName(runId, attemptId)), temporary);
    await rename(temporary, link);
    await this.prune(model, versionName(runId, attemptId));
  }

  /** Removes an unpublished version (a run whose checks failed). */
  async discard(model: string, runId: string, attemptId?: string): Promise<void> {
    const version = this.versionPath(model, runId, attemptId);
    if ((await this.published(model)) !== version) await rm(version, { recursive: true, force: true });
  }

  private async prune(model: string, current: string): Promise<void> {
    const folder = join(this.warehouse, '_versions', model);
    const entries = (await readdir(folder, { withFileTypes: true })).filter((entry) => entry.isDirectory());
    const versions = await Promise.all(entries.map(async (entry) => ({ name: entry.name, time: (await stat(join(folder, entry.name))).mtimeMs })));
    const newestFirst = versions.sort((a, b) => b.time - a.time);
    for (const old of newestFirst.slice(this.keepVersions)) if (old.name !== current) await rm(join(folder, old.name), { recursive: true, force: true });
  }
}

function versionName(runId: string, attemptId?: string): string {
  return attemptId ? `${runId}--${attemptId}` : runId;
}
