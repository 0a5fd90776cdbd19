import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TablePlan } from './planner';
import { slicePredicates } from './planner';
import { sqoopImportArguments, sqoopJobPlan, sqoopQuery, sqoopTargetDir } from './sqoop-script';
import { planColumn } from './type-mapping';

const plan = (overrides: Partial<TablePlan> = {}): TablePlan => ({
  table: "it's `odd` table",
  mode: 'full',
  fullSnapshot: true,
  checkColumn: null,
  mergeKey: null,
  splitColumn: 'id',
  slices: slicePredicates('id', ['100', '200']),
  where: '1=1',
  columns: [
    planColumn('id', 'bigint unsigned', false),
    planColumn('amount', 'decimal(12,2)', true),
    planColumn('at', 'datetime(6)', true),
    planColumn("o'brien", 'varchar(10)', true),
  ],
  estimatedRows: 300,
  previousWatermark: null,
  upperWatermark: null,
  ...overrides,
});

describe('sqoop-script.sh (the Sqoop engine plan)', () => {
  it('reads the planner expressions under plain aliases, DECIMAL as exact text, one UNION ALL branch per slice', () => {
    const query = sqoopQuery(plan());
    const branches = query.split('\nUNION ALL\n');
    expect(branches).toHaveLength(3);
    expect(branches[0]).toBe(
      "SELECT CAST(`id` AS CHAR) AS c0, CAST(`amount` AS CHAR) AS c1, `at` AS c2, `o'brien` AS c3 FROM (SELECT 0 AS dataops_slice) AS dataops_slices, " +
        "(SELECT `id` AS `id`, `amount` AS `amount`, CAST(`at` AS CHAR) AS `at`, `o'brien` AS `o'brien` FROM `it's ``odd`` table` WHERE 1=1) AS dataops_read " +
        'WHERE (`id` < 100 OR `id` IS NULL) AND $CONDITIONS',
    );
    expect(branches[2]).toContain('(SELECT 2 AS dataops_slice) AS dataops_slices');
    expect(branches[2]).toMatch(/WHERE `id` >= 200 AND \$CONDITIONS$/);
    expect(sqoopQuery(plan({ slices: ['1=1'], splitColumn: null }))).toMatch(/^SELECT .* FROM \(SELECT .*\) AS dataops_read WHERE 1=1 AND \$CONDITIONS$/);
  });

  it('splits on the slice number, one mapper per slice, within the connection budget', () => {
    const args = sqoopImportArguments(plan(), 'file:///lake/t/.run=r.arrow-sqoop/sqoop/data', 2, 2);
    const after = (option: string) => args[args.indexOf(option) + 1];
    expect(args.slice(0, 3)).toEqual(['import', '-D', 'mapreduce.local.map.tasks.maximum=2']);
    expect(after('--options-file')).toBe('$SQOOP_CREDENTIALS');
    expect(after('--num-mappers')).toBe('3');
    expect(after('--split-by')).toBe('dataops_slices.dataops_slice');
    expect(after('--boundary-query')).toBe('SELECT 0, 2');
    expect(after('--target-dir')).toBe('file:///lake/t/.run=r.arrow-sqoop/sqoop/data');
    expect(args).toEqual(expect.arrayContaining(['--as-parquetfile', '--delete-target-dir']));
    expect(args.some((arg) => /^--password$|^-P$|--password-alias/.test(arg))).toBe(false);
    const single = sqoopImportArguments(plan({ slices: ['1=1'], splitColumn: null }), 'file:///x/y', 1, 4);
    expect(single).not.toContain('--split-by');
    expect(single[single.indexOf('--num-mappers') + 1]).toBe('1');
  });

  it("puts Sqoop's output beside the run folder under names Kite accepts", () => {
    expect(sqoopTargetDir('/lake/raw/s/t/load_date=2026-11-28/run=p-1/attempt=a1')).toBe('file:///lake/raw/s/t/load_date=2026-11-28/run=p-1/.attempt=a1.arrow-sqoop/sqoop/data');
    expect(sqoopTargetDir('file:///lake/raw/s/t/run=x')).toBe('file:///lake/raw/s/t/.run=x.arrow-sqoop/sqoop/data');
    expect(sqoopTargetDir('file:/lake/raw/s/t/run=x')).toBe('file:///lake/raw/s/t/.run=x.arrow-sqoop/sqoop/data');
  });

  it('is a bash script that passes every argument to sqoop unchanged, one table or all', () => {
    const located = [
      { plan: plan(), dataPath: '/lake/raw/s/odd/load_date=2026-11-28/run=r1' },
      { plan: plan({ table: 'b\nc', slices: ['1=1'], splitColumn: null }), dataPath: '/lake/raw/s/b/load_date=2026-11-28/run=r1' },
    ];
    const { script, tables } = sqoopJobPlan(located, { pipeline: 'p', source: 's', maxConnections: 4 });
    expect(tables.map((t) => t.number)).toEqual([1, 2]);
    expect(script).not.toMatch(/--password(?!-file)/);
    const dir = mkdtempSync(join(tmpdir(), 'sqoop-script-'));
    try {
      const file = join(dir, 'sqoop-script.sh');
      writeFileSync(file, script);
      execFileSync('bash', ['-n', file]);
      // a stand-in sqoop that prints its arguments NUL-separated
      const fake = join(dir, 'fake-sqoop');
      writeFileSync(fake, '#!/usr/bin/env bash\nprintf "%s\\0" "$@"\nprintf "\\001"\n', { mode: 0o755 });
      const env = { ...process.env, SQOOP: fake, SQOOP_CREDENTIALS: '/private/sqoop-credentials', SQOOP_WORK: '/private/work' };
      const one = execFileSync('bash', [file, '1'], { env, encoding: 'utf8' }).split('\x01')[0].split('\0').slice(0, -1);
      const expected = sqoopImportArguments(located[0].plan, tables[0].targetDir, 1, 4).map((arg) =>
        arg.replace('$SQOOP_CREDENTIALS', '/private/sqoop-credentials').replace('$SQOOP_WORK', '/private/work'),
      );
      expect(one).toEqual(expected);
      const all = execFileSync('bash', [file], { env, encoding: 'utf8' }).split('\x01').filter(Boolean);
      expect(all).toHaveLength(2);
      expect(() => execFileSync('bash', [file, '3'], { env, stdio: 'pipe' })).toThrow();
      expect(() => execFileSync('bash', [file, '1'], { env: { PATH: process.env.PATH }, stdio: 'pipe' })).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
