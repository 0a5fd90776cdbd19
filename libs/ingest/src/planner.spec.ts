import { source as sourceSchema } from '@dataops/config';
import { ingestJobSpec } from './ingest-job';
import type { MysqlCatalogRepository, SourceTable } from './mysql-catalog';
import type { LakeManifest, ManifestRepository } from '@dataops/lake';
import { planTable } from './planner';
import { planTables } from './plan-pipeline';

const staff: SourceTable = {
  name: 'staff',
  isView: false,
  estimatedRows: 10,
  estimatedBytes: 1000,
  primaryKey: ['id'],
  uniqueKeys: [],
  columns: [
    { name: 'id', columnType: 'int(11)', nullable: false },
    { name: 'department', columnType: 'varchar(20)', nullable: true },
    { name: 'amount', columnType: 'decimal(10,2)', nullable: true },
  ] as SourceTable['columns'],
};

// planTable asks the catalog only for a count on a small full table
const catalog = { count: async () => 10 } as unknown as MysqlCatalogRepository;

function plan(overrides: Record<string, unknown>) {
  const source = sourceSchema.parse({ connection: 'src', overrides: { staff: overrides } });
  return planTable(staff, undefined, undefined, { source, catalog, fullRefresh: false, now: new Date('2026-11-29T00:00:00Z') });
}

describe('planTable: partitionBy and format of a raw table', () => {
  it('carries partitionBy and format into the plan and the job spec', async () => {
    const planned = await plan({ partitionBy: ['department'], format: 'orc' });
    expect([planned.partitionBy, planned.fileFormat]).toEqual([['department'], 'orc']);
    const spec = ingestJobSpec({ type: 'mysql', host: 'h', port: 3306, database: 'db', credentials: { optionsFile: '/x' }, properties: {} }, 4, [{ plan: planned, dataPath: '/lake/x' }]);
    expect(spec.tables[0]).toMatchObject({ format: 'orc', partitionBy: ['department'], dataPath: '/lake/x' });
  });

  it('defaults to Parquet without partition folders', async () => {
    const planned = await plan({});
    expect([planned.partitionBy, planned.fileFormat]).toEqual([[], 'parquet']);
  });

  it('refuses a partition column the table lacks, naming the setting', async () => {
    await expect(plan({ partitionBy: ['dept'] })).rejects.toThrow('table staff: partitionBy "dept" is not a column of the table');
  });

  it('refuses a partition column whose values make poor folder names (decimal, float, time)', async () => {
    await expect(plan({ partitionBy: ['amount'] })).rejects.toThrow(/partitionBy column "amount" is decimal\(10,2\); partition by an integer, CHAR\/VARCHAR\/ENUM or DATE column/);
  });
});

describe('planTable: schema drift', () => {
  const products: SourceTable = { ...staff, name: 'products', columns: [{ name: 'id', columnType: 'int(11)', nullable: false }, { name: 'attributes', columnType: 'json', nullable: true }] };
  const previousWith = (attributesType: string) =>
    ({ schema: [{ name: 'id', mysqlType: 'int(11)', sparkType: 'INT', nullable: false }, { name: 'attributes', mysqlType: attributesType, sparkType: 'STRING', nullable: true }] }) as unknown as LakeManifest;
  const planWith = (previous: LakeManifest) =>
    planTable(products, previous, undefined, { source: sourceSchema.parse({ connection: 'src' }), catalog, fullRefresh: false, now: new Date('2026-11-29T00:00:00Z') });

  it("takes MariaDB's JSON, recorded as longtext by earlier versions, for the same column", async () => {
    await expect(planWith(previousWith('longtext'))).resolves.toMatchObject({ table: 'products' });
  });

  it('stops the table when a column really changed type, naming it and the setting that accepts it', async () => {
    await expect(planWith(previousWith('varchar(20)'))).rejects.toThrow('table products: column attributes changed type from varchar(20) to json; set schemaDrift: evolve');
  });
});

describe('planTables: tables planned two at a time', () => {
  const tables = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ ...staff, name }));
  const manifests = { all: async () => [] } as unknown as ManifestRepository;
  /** a catalog whose counts take `ms[table]` and fail for the tables in `failing`, recording how many ran at once */
  function slowCatalog(ms: Record<string, number>, failing: string[] = []) {
    const seen = { running: 0, most: 0, started: [] as string[] };
    const count = async (table: string) => {
      seen.started.push(table);
      seen.running += 1;
      seen.most = Math.max(seen.most, seen.running);
      await new Promise((done) => setTimeout(done, ms[table] ?? 1));
      seen.running -= 1;
      if (failing.includes(table)) throw new Error(`count of ${table} failed`);
      return 10;
    };
    return { catalog: { count } as unknown as MysqlCatalogRepository, seen };
  }
  const planAll = (catalog: MysqlCatalogRepository) =>
    planTables(tables, { source: sourceSchema.parse({ connection: 'src' }), catalog, fullRefresh: false, now: new Date('2026-11-29T00:00:00Z') }, manifests, 'src');

  it('gives the plans in table order, however long each took, with at most two tables at once', async () => {
    const { catalog, seen } = slowCatalog({ a: 40, b: 5, c: 30, d: 1, e: 1 });
    const plans = await planAll(catalog);
    expect(plans.map((plan) => plan.table)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(seen.most).toBe(2);
  });

  it('fails with the first failing table in table order, even when a later one failed sooner', async () => {
    const { catalog } = slowCatalog({ a: 1, b: 40, c: 1 }, ['b', 'c']);
    await expect(planAll(catalog)).rejects.toThrow('count of b failed');
  });

  it('starts no table after a failure', async () => {
    const { catalog, seen } = slowCatalog({ a: 1, b: 30 }, ['a']);
    await expect(planAll(catalog)).rejects.toThrow('count of a failed');
    expect(seen.started).toEqual(['a', 'b']);
  });
});
