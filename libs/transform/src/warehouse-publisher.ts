import { joinPath, type LakeStore } from '@dataops/lake';
import { pointerFor, type PublishedPointer } from './published-pointer';

/**
 * Warehouse layout: each run writes a model to _versions/<model>/<runId>/; a pointer names the
 * published version (a symbolic link `<warehouse>/<model>` on local disk, a pointer file
 * `<warehouse>/_published/<model>` on HDFS: see published-pointer.ts). Publishing switches the
 * pointer in one atomic rename: a reader sees the old version or the new one, never a mix.
 * Older versions stay for a while so readers (and exports) of the previous run can finish.
 */
export class WarehousePublisher {
  private readonly pointer: PublishedPointer;

  constructor(
    private readonly warehouse: string,
    private readonly store: LakeStore,
    private readonly keepVersions = 3,
  ) {
    this.pointer = pointerFor(warehouse, store);
  }

  /** A run's version of a model; with an attempt id, that attempt's own folder (attempts never share one). */
  versionPath(model: string, runId: string, attemptId?: string): string {
    return joinPath(this.warehouse, relativeVersion(model, runId, attemptId));
  }

  /** The version folder readers see now, if any. */
  async published(model: string): Promise<string | undefined> {
    return this.pointer.read(model);
  }

  async publish(model: string, runId: string, attemptId?: string): Promise<void> {
    await this.pointer.write(model, relativeVersion(model, runId, attemptId));
    await this.prune(model, versionName(runId, attemptId));
  }

  /** Removes an unpublished version (a run whose checks failed). */
  async discard(model: string, runId: string, attemptId?: string): Promise<void> {
    const version = this.versionPath(model, runId, attemptId);
    if ((await this.published(model)) !== version) await this.store.remove(version);
  }

  private async prune(model: string, current: string): Promise<void> {
    const folder = joinPath(this.warehouse, '_versions', model);
    const versions = (await this.store.entries(folder)).filter((entry) => entry.directory);
    const newestFirst = versions.sort((a, b) => b.modifiedMs - a.modifiedMs);
    for (const old of newestFirst.slice(this.keepVersions)) if (old.name !== current) await this.store.remove(joinPath(folder, old.name));
  }
}

function relativeVersion(model: string, runId: string, attemptId?: string): string {
  return `_versions/${model}/${versionName(runId, attemptId)}`;
}

function versionName(runId: string, attemptId?: string): string {
  return attemptId ? `${runId}--${attemptId}` : runId;
}
