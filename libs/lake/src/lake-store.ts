import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TerminalError } from '@dataops/errors';
import { WebHdfsLakeStore } from './webhdfs-store';

/**
 * File access of the TypeScript side to the lake and warehouse. Local disk now; HDFS (WebHDFS)
 * implements the same interface. Rename is the commit primitive: atomic on POSIX and on HDFS.
 */
export interface LakeStore {
  readText(path: string): Promise<string | undefined>;
  /** writes a temporary file beside `path`, then renames it over `path` */
  writeTextAtomically(path: string, text: string): Promise<void>;
  list(path: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  remove(path: string): Promise<void>;
  /** a folder's entries with their kind and modification time (dot-names hidden); missing folder: [] */
  entries(path: string): Promise<LakeEntry[]>;
}

export interface LakeEntry {
  name: string;
  directory: boolean;
  modifiedMs: number;
}

export class LocalLakeStore implements LakeStore {
  async readText(path: string): Promise<string | undefined> {
    try {
      return await readFile(local(path), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async writeTextAtomically(path: string, text: string): Promise<void> {
    const target = local(path);
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${dirname(target)}/.${process.pid}-${Date.now()}.tmp`;
    await writeFile(temporary, text);
    await rename(temporary, target);
  }

  async list(path: string): Promise<string[]> {
    try {
      return (await readdir(local(path))).filter((name) => !name.startsWith('.'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async exists(path: string): Promise<boolean> {
    return stat(local(path)).then(
      () => true,
      () => false,
    );
  }

  async remove(path: string): Promise<void> {
    await rm(local(path), { recursive: true, force: true });
  }

  async entries(path: string): Promise<LakeEntry[]> {
    const folder = local(path);
    const names = await this.list(path);
    return Promise.all(
      names.map(async (name) => {
        const info = await stat(`${folder}/${name}`);
        return { name, directory: info.isDirectory(), modifiedMs: info.mtimeMs };
      }),
    );
  }
}

/** Where the services reach HDFS: `storage.webhdfs`, a NameNode's HTTP address (the config's `storage` fits). */
export interface LakeStoreSettings {
  webhdfs?: string;
}

/**
 * The store for a lake or warehouse root: local disk for a path or file://, WebHDFS for hdfs://
 * (the NameNode named by the root's authority, reached over HTTP at `storage.webhdfs`).
 */
export function lakeStoreFor(root: string, settings: LakeStoreSettings = {}): LakeStore {
  if (root.startsWith('/') || root.startsWith('file://')) return new LocalLakeStore();
  const hdfs = /^hdfs:\/\/[^/]+/.exec(root);
  if (hdfs) {
    if (!settings.webhdfs) {
      throw new TerminalError(`storage ${root} is on HDFS but storage.webhdfs is not set: set it to the NameNode's HTTP address, e.g. http://namenode:9870 (docs/configuration.md)`, {
        subject: 'storage.webhdfs',
      });
    }
    return new WebHdfsLakeStore({ webhdfs: settings.webhdfs, root: hdfs[0] });
  }
  throw new TerminalError(`storage ${root}: the services read local paths, file:// and hdfs:// (with storage.webhdfs); use one of those`, { subject: root });
}

function local(path: string): string {
  return path.startsWith('file://') ? fileURLToPath(path) : path;
}
