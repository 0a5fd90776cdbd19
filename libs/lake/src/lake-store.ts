import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TerminalError } from '@dataops/errors';

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
}

export function lakeStoreFor(root: string): LakeStore {
  if (root.startsWith('/') || root.startsWith('file://')) return new LocalLakeStore();
  throw new TerminalError(`storage ${root}: only local paths and file:// are supported by this version's metadata reader (HDFS via WebHDFS is planned)`);
}

function local(path: string): string {
  return path.startsWith('file://') ? fileURLToPath(path) : path;
}
