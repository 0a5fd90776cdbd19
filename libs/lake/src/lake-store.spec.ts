import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerminalError } from '@dataops/errors';
import { lakeStoreFor, LocalLakeStore } from './lake-store';
import { WebHdfsLakeStore } from './webhdfs-store';

describe('lakeStoreFor', () => {
  it('answers local paths and file:// with the local store', () => {
    expect(lakeStoreFor('/srv/lake')).toBeInstanceOf(LocalLakeStore);
    expect(lakeStoreFor('file:///srv/lake')).toBeInstanceOf(LocalLakeStore);
  });

  it('answers hdfs:// with a WebHDFS store rooted at the URI authority', () => {
    const store = lakeStoreFor('hdfs://namenode:9000/data/lake', { webhdfs: 'http://namenode:9870' });
    expect(store).toBeInstanceOf(WebHdfsLakeStore);
    expect((store as WebHdfsLakeStore).hdfsPath('hdfs://namenode:9000/data/lake/raw/x')).toBe('/data/lake/raw/x');
  });

  it('says to set storage.webhdfs when an hdfs:// root comes without it', () => {
    expect(() => lakeStoreFor('hdfs://namenode:9000/lake')).toThrow(/storage\.webhdfs is not set: set it to the NameNode's HTTP address/);
  });

  it('refuses schemes the services cannot read, naming the root', () => {
    expect(() => lakeStoreFor('s3a://bucket/lake')).toThrow(TerminalError);
    expect(() => lakeStoreFor('s3a://bucket/lake')).toThrow(/s3a:\/\/bucket\/lake/);
  });
});

describe(LocalLakeStore.name, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lake-store-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('lists entries with their kind and time, hiding dot-names; a missing folder is empty', async () => {
    await mkdir(join(dir, 'run=1'));
    await writeFile(join(dir, 'a.json'), '{}');
    await writeFile(join(dir, '.hidden.tmp'), '');
    const entries = await new LocalLakeStore().entries(dir);
    expect(entries.map(({ name, directory }) => ({ name, directory })).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'a.json', directory: false },
      { name: 'run=1', directory: true },
    ]);
    expect(entries.every((entry) => entry.modifiedMs > 0)).toBe(true);
    expect(await new LocalLakeStore().entries(join(dir, 'missing'))).toEqual([]);
  });
});
