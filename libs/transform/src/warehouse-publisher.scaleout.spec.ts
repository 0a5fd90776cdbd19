import { randomBytes } from 'node:crypto';
import { currentView, joinPath, lakeStoreFor, ManifestRepository, MANIFEST_FORMAT, type LakeManifest, type LakeStore } from '@dataops/lake';
import { stackEnv } from '../../../test/support/stack';
import { WarehousePublisher } from './warehouse-publisher';

/**
 * The services' file-system work on the real MiniDFSCluster (`scripts/stack up --with-hdfs`), through
 * lakeStoreFor with storage.webhdfs, as the stages do it: manifests committed and read back into a
 * current view, and the warehouse published by pointer file. Nothing is stubbed or skipped.
 */
const env = { ...stackEnv(), ...process.env };
const HOW = 'run `scripts/stack up --with-hdfs` (it writes DATAOPS_WEBHDFS and DATAOPS_HDFS_URI to .dataops/stack.env), or export both';

function manifest(base: string, runId: string, committedAt: string): LakeManifest {
  return {
    format: MANIFEST_FORMAT,
    runId,
    pipeline: 'retail',
    source: 'src',
    table: 'orders',
    mode: 'append',
    fullSnapshot: runId === 'r1',
    loadDate: '2026-11-29',
    dataPath: joinPath(base, 'lake/raw/src/orders/load_date=2026-11-29', `run=${runId}`),
    files: [{ path: 'department=Sales/part-0.orc', bytes: 10 }],
    rows: 10,
    rowsRead: 10,
    sourceCount: 10,
    schema: [],
    checkColumn: 'id',
    mergeKey: null,
    watermark: null,
    previousWatermark: null,
    zeroDates: {},
    committedAt,
  };
}

describe('the lake and warehouse on HDFS through lakeStoreFor (storage.webhdfs)', () => {
  let base: string;
  let store: LakeStore;

  beforeAll(async () => {
    if (!env.DATAOPS_WEBHDFS || !env.DATAOPS_HDFS_URI) throw new Error(`DATAOPS_WEBHDFS or DATAOPS_HDFS_URI is not set: ${HOW}`);
    base = `${env.DATAOPS_HDFS_URI}/dataops-test/publish-${randomBytes(4).toString('hex')}`;
    store = lakeStoreFor(base, { webhdfs: env.DATAOPS_WEBHDFS });
    await store.exists(base).catch((error: Error) => {
      throw new Error(`WebHDFS at ${env.DATAOPS_WEBHDFS} does not answer (${error.message}): ${HOW}`);
    });
  });

  afterAll(async () => {
    if (store) await store.remove(base);
  });

  it('commits manifests and reads them back, oldest first, into the current view', async () => {
    const lake = joinPath(base, 'lake');
    const manifests = new ManifestRepository(store, lake);
    await manifests.commit(manifest(base, 'r2', '2026-11-29T01:00:00Z'));
    await manifests.commit(manifest(base, 'r1', '2026-11-29T00:00:00Z'));
    expect((await manifests.find('src', 'orders', 'r2'))?.runId).toBe('r2');
    const view = currentView(await manifests.all('src', 'orders'));
    expect(view?.runIds).toEqual(['r1', 'r2']);
    expect(view?.files).toEqual([
      `${base}/lake/raw/src/orders/load_date=2026-11-29/run=r1/department=Sales/part-0.orc`,
      `${base}/lake/raw/src/orders/load_date=2026-11-29/run=r2/department=Sales/part-0.orc`,
    ]);
  });

  it('publishes a model by pointer file, switches it, prunes old versions and never discards the published one', async () => {
    const warehouse = joinPath(base, 'warehouse');
    const publisher = new WarehousePublisher(warehouse, store, 2);
    for (const run of ['r1', 'r2', 'r3']) {
      await store.writeTextAtomically(joinPath(publisher.versionPath('orders_clean', run), '_SUCCESS'), '');
      await publisher.publish('orders_clean', run);
      expect(await publisher.published('orders_clean')).toBe(publisher.versionPath('orders_clean', run));
      // HDFS times folders in milliseconds: keep the versions' times apart
      await new Promise((done) => setTimeout(done, 20));
    }
    expect(await store.readText(joinPath(warehouse, '_published', 'orders_clean'))).toBe('_versions/orders_clean/r3\n');
    expect((await store.list(joinPath(warehouse, '_versions', 'orders_clean'))).sort()).toEqual(['r2', 'r3']);
    await publisher.discard('orders_clean', 'r3');
    expect(await store.exists(publisher.versionPath('orders_clean', 'r3'))).toBe(true);
    await store.writeTextAtomically(joinPath(publisher.versionPath('orders_clean', 'bad'), '_SUCCESS'), '');
    await publisher.discard('orders_clean', 'bad');
    expect(await store.exists(publisher.versionPath('orders_clean', 'bad'))).toBe(false);
    // no temporary pointer left behind
    expect(await store.list(joinPath(warehouse, '_published'))).toEqual(['orders_clean']);
  });
});
