import { mkdir, mkdtemp, readlink, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLakeStore, type LakeEntry, type LakeStore } from '@dataops/lake';
import { WarehousePublisher } from './warehouse-publisher';

/** A LakeStore in memory: the HDFS shape (no symlinks) without a NameNode; the real one is in warehouse-publisher.scaleout.spec.ts. */
class MemoryStore implements LakeStore {
  readonly files = new Map<string, string>();
  readonly folders = new Map<string, number>();
  async readText(path: string) {
    return this.files.get(path);
  }
  async writeTextAtomically(path: string, text: string) {
    this.files.set(path, text);
  }
  async list(path: string) {
    return (await this.entries(path)).map((entry) => entry.name);
  }
  async exists(path: string) {
    return this.files.has(path) || this.folders.has(path);
  }
  async remove(path: string) {
    for (const key of [...this.folders.keys()]) if (key === path || key.startsWith(`${path}/`)) this.folders.delete(key);
  }
  async entries(path: string): Promise<LakeEntry[]> {
    return [...this.folders.entries()]
      .filter(([key]) => key.startsWith(`${path}/`) && !key.slice(path.length + 1).includes('/'))
      .map(([key, time]) => ({ name: key.slice(path.length + 1), directory: true, modifiedMs: time }));
  }
}

describe(WarehousePublisher.name, () => {
  describe('on HDFS (hdfs:// warehouse): a pointer file', () => {
    const warehouse = 'hdfs://nn:9000/warehouse';

    it('publishes by rewriting _published/<model> with the version relative to the warehouse', async () => {
      const store = new MemoryStore();
      const publisher = new WarehousePublisher(warehouse, store);
      expect(publisher.versionPath('orders', 'r1')).toBe('hdfs://nn:9000/warehouse/_versions/orders/r1');
      expect(await publisher.published('orders')).toBeUndefined();
      store.folders.set(publisher.versionPath('orders', 'r1', 'a1'), 1);
      await publisher.publish('orders', 'r1', 'a1');
      expect(store.files.get('hdfs://nn:9000/warehouse/_published/orders')).toBe('_versions/orders/r1--a1\n');
      expect(await publisher.published('orders')).toBe('hdfs://nn:9000/warehouse/_versions/orders/r1--a1');
    });

    it('keeps the newest versions and the published one, removes older ones', async () => {
      const store = new MemoryStore();
      const publisher = new WarehousePublisher(warehouse, store, 2);
      for (const [index, run] of ['r1', 'r2', 'r3', 'r4'].entries()) store.folders.set(publisher.versionPath('orders', run), index);
      await publisher.publish('orders', 'r4');
      expect(await store.list('hdfs://nn:9000/warehouse/_versions/orders')).toEqual(['r3', 'r4']);
    });

    it('discards an unpublished version but never the published one', async () => {
      const store = new MemoryStore();
      const publisher = new WarehousePublisher(warehouse, store);
      store.folders.set(publisher.versionPath('orders', 'r1'), 1);
      store.folders.set(publisher.versionPath('orders', 'r2'), 2);
      await publisher.publish('orders', 'r1');
      await publisher.discard('orders', 'r1');
      await publisher.discard('orders', 'r2');
      expect(await store.list('hdfs://nn:9000/warehouse/_versions/orders')).toEqual(['r1']);
    });
  });

  describe('on local disk: a symbolic link', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'warehouse-'));
    });
    afterEach(async () => rm(dir, { recursive: true, force: true }));

    it('points <warehouse>/<model> at the version with a relative link, and prunes', async () => {
      const publisher = new WarehousePublisher(dir, new LocalLakeStore(), 1);
      await mkdir(publisher.versionPath('orders', 'r1'), { recursive: true });
      await publisher.publish('orders', 'r1');
      await new Promise((done) => setTimeout(done, 20));
      await mkdir(publisher.versionPath('orders', 'r2'), { recursive: true });
      await publisher.publish('orders', 'r2');
      expect(await readlink(join(dir, 'orders'))).toBe('_versions/orders/r2');
      expect(await publisher.published('orders')).toBe(join(dir, '_versions/orders/r2'));
      expect(existsSync(publisher.versionPath('orders', 'r1'))).toBe(false);
    });
  });
});
