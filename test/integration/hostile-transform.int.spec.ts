import { join } from 'node:path';
import { loadConfig } from '@dataops/config';
import { createStages } from '@dataops/pipeline';
import { silentLogger } from '@dataops/stage';
import { adminConnection, createTestDatabase, repoRoot, tempDir, writeTestConfig } from '../support/stack';

const request = (runId: string) => ({ runId, pipeline: 'p', logicalDate: '2026-11-24' });

/** Names MySQL allows that Spark SQL needs quoted: they work in models and never break the others. */
describe('transform with hostile table names, on the real stack', () => {
  let database: { name: string; drop: () => Promise<void> };

  beforeAll(async () => {
    database = await createTestDatabase();
    const admin = await adminConnection(database.name);
    for (const table of ['weird`name', 'a.b', 'select', 'Ünïcode', 'CaseTable', 'casetable', 'with space']) {
      const quoted = `\`${table.replaceAll('`', '``')}\``;
      await admin.query(`CREATE TABLE ${quoted} (id INT PRIMARY KEY, label VARCHAR(20))`);
      await admin.query(`INSERT INTO ${quoted} VALUES (1, ?), (2, ?)`, [table, `${table}!`]);
    }
    await admin.query('CREATE TABLE plain (id INT PRIMARY KEY, amount DECIMAL(10,2))');
    await admin.query('INSERT INTO plain VALUES (1, 1.50), (2, 2.25), (3, 3.00)');
    await admin.end();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('reads every hostile table in a model, and a model that ignores them is not disturbed by them', async () => {
    const root = tempDir('dataops-hostile');
    const hostile = ['weird``name', 'a.b', 'select', 'Ünïcode', 'CaseTable', 'casetable', 'with space'];
    const file = writeTestConfig({
      root,
      sourceDatabase: database.name,
      models: {
        every_hostile: hostile.map((table) => `SELECT id, label FROM \`${table}\``).join('\nUNION ALL\n'),
        plain_total: 'SELECT SUM(amount) AS total, COUNT(*) AS n FROM plain',
      },
      pipelineYaml: `source:\n  connection: src\ntransform:\n  models: ${join(root, 'models')}\n  checks:\n    - { type: sql, name: no_negative, sql: "SELECT * FROM plain WHERE amount < 0" }\n`,
    });
    const stages = createStages(loadConfig(file), join(repoRoot, 'jobs'));
    const ingested = await stages.ingest.execute(request('run-1'), { logger: silentLogger });
    expect(ingested.tables.map((table) => table.table).sort()).toEqual(['CaseTable', 'a.b', 'casetable', 'plain', 'select', 'weird`name', 'with space', 'Ünïcode'].sort());
    const built = await stages.transform.execute(request('run-1'), { logger: silentLogger });
    expect(Object.fromEntries(built.models.map((model) => [model.name, model.rows]))).toEqual({ every_hostile: 14, plain_total: 1 });
    expect(built.checks.every((check) => check.status === 'pass')).toBe(true);
  });
});
