import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FIXTURES, prepareFixtureDir } from '../../../test/fixtures/configs/fixture-dir';
import { ConfigError, formatPath, type ConfigProblem } from './errors';
import { configPath, loadConfig, type LoadOptions } from './loader';

const VALID = readFileSync(join(CONFIG_FIXTURES, 'valid.yaml'), 'utf8');
const dir = prepareFixtureDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Loads valid.yaml after one edit, from a folder with private secrets. */
function load(edit: (yaml: string) => string = (yaml) => yaml, options: LoadOptions = {}) {
  const file = join(dir, 'edited.yaml');
  writeFileSync(file, edit(VALID));
  return loadConfig(file, { env: {}, ...options });
}

function problemsOf(run: () => unknown): ConfigProblem[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const replace = (from: string, to: string) => (yaml: string) => {
  if (!yaml.includes(from)) throw new Error(`valid.yaml has no ${from}`);
  return yaml.replace(from, () => to);
};

describe(loadConfig.name, () => {
  it('makes every relative path absolute against the config folder', () => {
    const { config } = load();
    const sftp = config.connections.drop_sftp;
    expect({
      lake: config.storage.lake,
      options: config.connections.shop_src.credentials,
      knownHosts: sftp.type === 'sftp' ? sftp.knownHosts : undefined,
      models: config.pipelines.shop.transform?.models,
    }).toEqual({ lake: join(dir, 'lake'), options: { optionsFile: join(dir, 'secrets/source.options') }, knownHosts: join(dir, 'secrets/known_hosts'), models: join(dir, 'models') });
  });

  it('keeps storage URIs as written', () => {
    const { config } = load(replace('lake: lake\n  warehouse: warehouse', 'lake: hdfs://namenode:9000/lake\n  warehouse: file:///srv/warehouse\n  webhdfs: http://namenode:9870'));
    expect([config.storage.lake, config.storage.warehouse]).toEqual(['hdfs://namenode:9000/lake', 'file:///srv/warehouse']);
  });

  it('refuses an hdfs:// lake without storage.webhdfs, saying what to set', () => {
    expect(() => load(replace('lake: lake', 'lake: hdfs://namenode:9000/lake'))).toThrow(/storage\.webhdfs.*set storage\.webhdfs to the NameNode HTTP address/s);
  });

  it('expands variables from the environment, falling back to their defaults', () => {
    const { config } = load(undefined, { env: { DATAOPS_MYSQL_HOST: 'db.internal' } });
    const source = config.connections.shop_src;
    expect(source.type === 'mysql' && [source.host, source.port]).toEqual(['db.internal', 3306]);
  });

  it('leaves lower-case ${names} (the SQL ${logical_date}) and escaped $${VARS} alone', () => {
    const check = '        - { type: sql, name: today_only, sql: "SELECT * FROM orders_clean WHERE d <> \'${logical_date}\' AND x = \'$${HOME}\'" }\n';
    const { config } = load(replace("        - { type: unique, model: orders_clean, columns: [order_id] }\n", check));
    const sql = config.pipelines.shop.transform?.checks[0];
    expect(sql?.type === 'sql' && sql.sql).toBe("SELECT * FROM orders_clean WHERE d <> '${logical_date}' AND x = '${HOME}'");
  });

  it('reports a missing variable once, at the field that uses it', () => {
    const problems = problemsOf(() => load(replace('host: ${DATAOPS_MYSQL_HOST:-127.0.0.1}', 'host: ${SHOP_DB_HOST}')));
    expect(problems).toEqual([
      { file: join(dir, 'edited.yaml'), path: 'connections.shop_src.host', line: 11, message: 'environment variable SHOP_DB_HOST is not set and has no default (write ${SHOP_DB_HOST:-default})' },
    ]);
  });

  it('collects every problem of the file at once, in the order of its lines', () => {
    const edit = (yaml: string) => replace('cron: "30 2 * * *"', 'cron: 30 2 * *')(replace('database: shop', 'database: 7')(replace('port: 2222', 'port: 70000')(yaml)));
    const problems = problemsOf(() => load(edit));
    expect(problems.map((problem) => problem.path)).toEqual(['connections.shop_src.database', 'connections.drop_sftp.port']);
  });

  it('refuses a secret written anywhere in the file, even as a variable', () => {
    const problems = problemsOf(() => load(replace('version: 1\n', 'version: 1\nspark:\n  conf:\n    spark.hadoop.fs.s3a.secret.key: ${S3_SECRET}\n')));
    expect(problems.map((problem) => `${problem.path}: ${problem.message}`)).toEqual([
      'spark.conf["spark.hadoop.fs.s3a.secret.key"]: passwords never go in dataops.yaml: use credentials.passwordFile, optionsFile or passwordEnv',
    ]);
  });

  it('names the duplicated key and its line', () => {
    const problems = problemsOf(() => load(replace('  drop_sftp:\n', '  bi_pg:\n    type: mysql\n  drop_sftp:\n')));
    expect(problems[0]).toMatchObject({ path: 'line 30, column 3', message: expect.stringContaining('duplicate key "bi_pg" in connections') });
  });

  it('lets a table inherit checkColumn from the source defaults', () => {
    const edit = replace('      overrides:\n        orders:\n          mode: lastmodified\n          checkColumn: updated_at\n', '      defaults:\n        checkColumn: updated_at\n      overrides:\n        orders:\n          mode: lastmodified\n');
    expect(load(edit).config.pipelines.shop.source.overrides.orders.mode).toBe('lastmodified');
  });

  it('requires checkColumn when the source defaults make every table append', () => {
    const problems = problemsOf(() => load(replace('        include: [orders, customers]\n', '        include: [orders, customers]\n      defaults:\n        mode: append\n')));
    expect(problems.map((problem) => problem.path)).toEqual(['pipelines.shop.source.defaults.checkColumn']);
  });

  it('does not read secrets when asked not to (a service that mounts only its own)', () => {
    const edit = replace('passwordFile: secrets/bi.password', 'passwordFile: secrets/not-mounted.password');
    expect(problemsOf(() => load(edit)).map((problem) => problem.path)).toEqual(['connections.bi_pg.credentials.passwordFile']);
    expect(load(edit, { checkCredentials: false }).config.pipelines.shop).toBeDefined();
  });

  it('refuses an export of a model when the pipeline has no transform', () => {
    const edit = (yaml: string) => yaml.replace(/ {4}transform:\n( {6}.*\n)+/, '');
    expect(problemsOf(() => load(edit)).map((problem) => problem.path)).toEqual(['pipelines.shop.export[0].model', 'pipelines.shop.export[1].model']);
  });
});

describe(configPath.name, () => {
  it('prefers -c, then $DATAOPS_CONFIG, then ./dataops.yaml', () => {
    const env = { DATAOPS_CONFIG: '/etc/dataops/from-env.yaml' };
    expect([configPath('/srv/explicit.yaml', env), configPath(undefined, env), configPath(undefined, {})]).toEqual([
      '/srv/explicit.yaml',
      '/etc/dataops/from-env.yaml',
      join(process.cwd(), 'dataops.yaml'),
    ]);
  });
});

describe(formatPath.name, () => {
  it('writes list indexes in brackets and quotes keys that are not names', () => {
    expect(formatPath(['pipelines', 'retail', 'export', 2, 'key'])).toBe('pipelines.retail.export[2].key');
    expect(formatPath(['spark', 'conf', 'spark.driver.memory'])).toBe('spark.conf["spark.driver.memory"]');
  });
});
