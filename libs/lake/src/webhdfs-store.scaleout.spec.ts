import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TerminalError, TransientError } from '@dataops/errors';
import { WebHdfsLakeStore } from './webhdfs-store';

/**
 * WebHdfsLakeStore against the real MiniDFSCluster of `scripts/stack up --with-hdfs` (one NameNode,
 * two DataNodes, WebHDFS on). Nothing is skipped: without DATAOPS_WEBHDFS and DATAOPS_HDFS_URI (in the
 * environment or in .dataops/stack.env) every test fails and says how to start HDFS.
 */
function stackEnv(): Record<string, string> {
  const home = process.env.DATAOPS_HOME ?? join(resolve(__dirname, '..', '..', '..'), '.dataops');
  const file = join(home, 'stack.env');
  const env: Record<string, string> = {};
  if (existsSync(file)) for (const match of readFileSync(file, 'utf8').matchAll(/^export ([A-Z_]+)=(.*)$/gm)) env[match[1]] = match[2];
  return env;
}

const fromFile = stackEnv();
const webhdfs = process.env.DATAOPS_WEBHDFS ?? fromFile.DATAOPS_WEBHDFS;
const hdfsUri = process.env.DATAOPS_HDFS_URI ?? fromFile.DATAOPS_HDFS_URI;
const HOW = 'run `scripts/stack up --with-hdfs` (it starts the MiniDFSCluster and writes DATAOPS_WEBHDFS and DATAOPS_HDFS_URI to .dataops/stack.env), or export both';

describe('WebHdfsLakeStore on the local MiniDFSCluster', () => {
  let store: WebHdfsLakeStore;
  let base: string;

  beforeAll(async () => {
    if (!webhdfs) throw new Error(`DATAOPS_WEBHDFS is not set: ${HOW}`);
    if (!hdfsUri) throw new Error(`DATAOPS_HDFS_URI is not set: ${HOW}`);
    store = new WebHdfsLakeStore({ webhdfs, root: hdfsUri, user: 'dataops' });
    base = `${hdfsUri}/dataops-test/webhdfs-${randomBytes(4).toString('hex')}`;
    // a clear message when the variables are set but HDFS is down
    await store.exists(`${hdfsUri}/`).catch((error: Error) => {
      throw new Error(`WebHDFS at ${webhdfs} does not answer (${error.message}): ${HOW}`);
    });
  });

  afterAll(async () => {
    if (store && base) await store.remove(base);
  });

  it('writes, reads back and overwrites a manifest by rename, leaving no temporary file', async () => {
    const path = `${base}/lake/raw/src/orders/_manifests/r1.json`;
    expect(await store.exists(path)).toBe(false);
    expect(await store.readText(path)).toBeUndefined();

    await store.writeTextAtomically(path, '{"run":"r1","rows":1}\n');
    expect(await store.exists(path)).toBe(true);
    expect(await store.readText(path)).toBe('{"run":"r1","rows":1}\n');

    const text = `{"run":"r1","rows":2,"note":"çà ✓ 数据"}\n`;
    await store.writeTextAtomically(path, text);
    expect(await store.readText(path)).toBe(text);

    // the raw listing, dot-files included: only the target is left
    const raw = await store.client.listStatus(store.hdfsPath(`${base}/lake/raw/src/orders/_manifests`));
    expect(raw.map((entry) => entry.pathSuffix)).toEqual(['r1.json']);
    expect(raw[0].replication).toBeGreaterThanOrEqual(1);
  });

  it('readers never see a missing or partial file while it is rewritten', async () => {
    const path = `${base}/warehouse/_current/orders_daily`;
    const versions = Array.from({ length: 12 }, (_, i) => `_versions/orders_daily/run-${String(i).padStart(2, '0')}-${'x'.repeat(2000)}`);
    await store.writeTextAtomically(path, versions[0]);
    let writing = true;
    const seen: (string | undefined)[] = [];
    const reader = (async () => {
      while (writing) seen.push(await store.readText(path));
    })();
    for (const version of versions.slice(1)) await store.writeTextAtomically(path, version);
    writing = false;
    await reader;
    expect(seen.length).toBeGreaterThan(0);
    for (const text of seen) expect(versions).toContain(text);
    expect(await store.readText(path)).toBe(versions[versions.length - 1]);
  });

  it('lists a folder by name, hides dot-files, keeps Hive-style and unusual names intact', async () => {
    const table = `${base}/lake/raw/src/order_lines`;
    await store.writeTextAtomically(`${table}/load_date=2026-11-28/department=Garden & Home/run=r1/_SUCCESS`, '');
    await store.writeTextAtomically(`${table}/load_date=2026-11-29/run=r2/_SUCCESS`, 'ok');
    await store.writeTextAtomically(`${table}/.hidden`, 'no');
    expect((await store.list(table)).sort()).toEqual(['load_date=2026-11-28', 'load_date=2026-11-29']);
    expect(await store.list(`${table}/load_date=2026-11-28`)).toEqual(['department=Garden & Home']);
    expect(await store.readText(`${table}/load_date=2026-11-28/department=Garden & Home/run=r1/_SUCCESS`)).toBe('');
    expect(await store.readText(`${table}/load_date=2026-11-29/run=r2/_SUCCESS`)).toBe('ok');
    expect(await store.list(`${base}/no/such/folder`)).toEqual([]);
    await expect(store.list(`${table}/load_date=2026-11-29/run=r2/_SUCCESS`)).rejects.toThrow(/not a directory/);
  });

  it('removes a tree, and removing what is not there is not an error', async () => {
    const folder = `${base}/lake/raw/src/customers`;
    await store.writeTextAtomically(`${folder}/load_date=2026-11-28/run=r1/_manifest.json`, '{}');
    expect(await store.exists(folder)).toBe(true);
    await store.remove(folder);
    expect(await store.exists(folder)).toBe(false);
    await expect(store.remove(folder)).resolves.toBeUndefined();
  });

  it('rejects paths outside its hdfs:// root and the root itself for remove', async () => {
    await expect(store.readText('/local/path.json')).rejects.toBeInstanceOf(TerminalError);
    await expect(store.readText('hdfs://other-namenode:8020/lake/x.json')).rejects.toThrow(/not under this store's HDFS root/);
    await expect(store.remove(`${hdfsUri}/`)).rejects.toThrow(/refusing to remove the root/);
  });

  it('reports an unreachable NameNode as a transient error', async () => {
    const down = new WebHdfsLakeStore({ webhdfs: 'http://127.0.0.1:1', root: hdfsUri as string, timeoutMs: 5_000 });
    await expect(down.exists(`${hdfsUri}/lake`)).rejects.toBeInstanceOf(TransientError);
  });
});
