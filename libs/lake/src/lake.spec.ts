import { currentView } from './current-view';
import { MANIFEST_FORMAT, type LakeManifest } from './manifest';
import { tableFolder, tableFromFolder } from './paths';

function manifest(runId: string, overrides: Partial<LakeManifest>): LakeManifest {
  return {
    format: MANIFEST_FORMAT,
    runId,
    pipeline: 'retail',
    source: 'src',
    table: 'orders',
    mode: 'full',
    fullSnapshot: true,
    loadDate: '2026-11-24',
    dataPath: `/lake/raw/src/orders/load_date=2026-11-24/run=${runId}`,
    files: [{ path: 'part-0.parquet', bytes: 10 }],
    rows: 10,
    rowsRead: 10,
    sourceCount: 10,
    schema: [],
    checkColumn: null,
    mergeKey: null,
    watermark: null,
    previousWatermark: null,
    zeroDates: {},
    committedAt: `2026-11-24T00:00:0${runId.slice(-1)}Z`,
    ...overrides,
  };
}

describe('tableFolder', () => {
  it.each(['orders', 'Orders', 'order items', 'select', 'Ünïcode', 'a.b`c', 'x-y', 'load_date=1'])('maps %s to a safe folder and back', (table) => {
    const folder = tableFolder(table);
    expect(folder).toMatch(/^[a-z0-9_-]+$/);
    expect(tableFromFolder(folder)).toBe(table);
  });

  it('keeps names that differ only in case apart', () => {
    expect(tableFolder('Orders')).not.toBe(tableFolder('orders'));
  });
});

describe('currentView', () => {
  it('reads only the latest run of a full table', () => {
    const view = currentView([manifest('r1', {}), manifest('r2', { rows: 12 })]);
    expect(view?.runIds).toEqual(['r2']);
    expect(view?.rows).toBe(12);
  });

  it('reads every run of an append table since its latest full snapshot', () => {
    const view = currentView([
      manifest('r1', { mode: 'append' }),
      manifest('r2', { mode: 'append', fullSnapshot: true }),
      manifest('r3', { mode: 'append', fullSnapshot: false }),
      manifest('r4', { mode: 'append', fullSnapshot: false }),
    ]);
    expect(view?.runIds).toEqual(['r2', 'r3', 'r4']);
    expect(view?.dedupe).toBeNull();
  });

  it('de-duplicates a lastmodified table by its merge key, latest check column first', () => {
    const lastmodified = { mode: 'lastmodified' as const, mergeKey: ['id'], checkColumn: 'updated_at' };
    const view = currentView([manifest('r1', lastmodified), manifest('r2', { ...lastmodified, fullSnapshot: false })]);
    expect(view?.dedupe).toEqual({ key: ['id'], orderBy: 'updated_at' });
    expect(view?.files).toHaveLength(2);
  });

  it('has no view of a table never committed', () => {
    expect(currentView([])).toBeUndefined();
  });
});

describe('currentView layout', () => {
  it('gives each run its folder as the base of its partition folders, the partition columns typed, the columns in order', () => {
    const schema = [
      { name: 'id', mysqlType: 'int', sparkType: 'INT', nullable: false },
      { name: 'department', mysqlType: 'varchar(20)', sparkType: 'STRING', nullable: true },
    ];
    const first = manifest('r1', { mode: 'append', schema, fileFormat: 'orc', partitionBy: ['department'], files: [{ path: 'department=Sales/part-0.orc', bytes: 1 }] });
    const second = manifest('r2', { mode: 'append', fullSnapshot: false, schema, files: [{ path: 'part-0.parquet', bytes: 1 }] });
    expect(currentView([first, second])?.layout).toEqual({
      parts: [
        { basePath: first.dataPath, format: 'orc', files: [`${first.dataPath}/department=Sales/part-0.orc`] },
        { basePath: second.dataPath, format: 'parquet', files: [`${second.dataPath}/part-0.parquet`] },
      ],
      partitionColumns: [{ name: 'department', sparkType: 'STRING' }],
      columns: [
        { name: 'id', sparkType: 'INT' },
        { name: 'department', sparkType: 'STRING' },
      ],
    });
  });
});
