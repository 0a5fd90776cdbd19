import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TerminalError } from '@dataops/errors';
import { modelStatementProblem } from './model-statement';
import { checkSpecs } from './models';

const ROOT = join(__dirname, '..', '..', '..');

describe(modelStatementProblem.name, () => {
  it.each([
    'SELECT 1',
    "WITH t AS (SELECT 1 AS a) SELECT a FROM t",
    '(SELECT 1) UNION ALL (SELECT 2)',
    'FROM orders SELECT id',
    'VALUES (1, 2)',
    'TABLE orders',
    "SELECT location, `insert`, 'INSERT INTO x' AS s, \"USING\" FROM stores -- INSERT OVERWRITE DIRECTORY '/tmp/x'",
    "SELECT a FROM t JOIN u USING (a) /* CREATE TABLE x LOCATION '/tmp' */",
    'SELECT transform(items, x -> x + 1) FROM t;',
    'SELECT id, label FROM `weird``name` UNION ALL SELECT id, label FROM `a.b` UNION ALL SELECT id, label FROM `select`',
    "SELECT 'it''s', 'back\\\\slash' FROM t;\n-- trailing comment",
  ])('accepts a query: %s', (sql) => {
    expect(modelStatementProblem(sql)).toBeUndefined();
  });

  it.each([
    ["INSERT OVERWRITE DIRECTORY '/tmp/x' SELECT * FROM orders", /starts with INSERT/],
    ["INSERT OVERWRITE LOCAL DIRECTORY '/tmp/x' STORED AS PARQUET SELECT 1", /starts with INSERT/],
    ["CREATE TABLE evil USING parquet LOCATION '/tmp/evil' AS SELECT * FROM orders", /starts with CREATE/],
    ["WITH t AS (SELECT 1) INSERT OVERWRITE DIRECTORY '/tmp/x' SELECT * FROM t", /writes with INSERT OVERWRITE/],
    ["FROM orders INSERT INTO TABLE x SELECT id", /writes with INSERT INTO/],
    ['SELECT 1; DROP TABLE orders', /holds 2 statements/],
    ["/* hi */ DROP TABLE orders", /starts with DROP/],
    ["ADD JAR '/tmp/evil.jar'", /starts with ADD/],
    ['SET spark.sql.warehouse.dir=/tmp', /starts with SET/],
    ["SELECT TRANSFORM (id) USING 'sh -c \"rm -rf /\"' AS (x) FROM orders", /runs a script/],
    ["SELECT reflect('java.lang.System', 'exit', 0)", /calls reflect/],
    ['-- only a comment', /is empty/],
  ])('refuses %s', (sql, message) => {
    expect(modelStatementProblem(sql)).toMatch(message);
  });

  it('accepts every model shipped with the repository', () => {
    const folders = [join(ROOT, 'examples', 'retail', 'models'), join(ROOT, 'test', 'fixtures', 'configs', 'models')];
    const files = folders.flatMap((folder) => readdirSync(folder).filter((file) => file.endsWith('.sql')).map((file) => join(folder, file)));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect([file, modelStatementProblem(readFileSync(file, 'utf8'))]).toEqual([file, undefined]);
  });

  it('holds a sql check to the same rule, naming the check', () => {
    expect(checkSpecs([{ type: 'sql', name: 'no_negative', severity: 'error', sql: 'SELECT * FROM plain WHERE amount < 0' }])).toHaveLength(1);
    const evil = () => checkSpecs([{ type: 'sql', name: 'evil', severity: 'error', sql: "INSERT OVERWRITE DIRECTORY '/tmp/x' SELECT 1" }]);
    expect(evil).toThrow(TerminalError);
    expect(evil).toThrow('check evil (transform.checks, type sql) starts with INSERT');
  });
});
