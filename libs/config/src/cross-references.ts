import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import type { ConfigProblem } from './errors';
import type { Connection, DataopsConfig, PipelineConfig } from './schema';
import { absolute, credentialFiles } from './secrets';

/** What the schema alone cannot see: references between sections, files on disk, cron syntax. */
export function crossReferenceProblems(config: DataopsConfig, dir: string, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ file, path, message });

  for (const [name, connection] of Object.entries(config.connections)) checkConnectionFiles(name, connection, dir, problem);

  const expect = (path: string, name: string, types: Connection['type'][]) => {
    const connection = config.connections[name];
    if (!connection) problem(path, `unknown connection "${name}"; defined: ${Object.keys(config.connections).join(', ') || 'none'}`);
    else if (!types.includes(connection.type)) problem(path, `connection "${name}" is ${connection.type}; expected ${types.join(' or ')}`);
  };

  if (config.control) expect('control.connection', config.control.connection, ['postgres']);
  for (const [pipelineName, pipeline] of Object.entries(config.pipelines)) {
    const at = `pipelines.${pipelineName}`;
    expect(`${at}.source.connection`, pipeline.source.connection, ['mysql']);
    if (config.control && config.control.connection === pipeline.source.connection) {
      problem('control.connection', `the run ledger must not live in the source database (${pipeline.source.connection})`);
    }
    checkSchedule(at, pipeline, problem);
    checkIngestModes(at, pipeline, problem);
    const models = checkModels(at, pipeline, problem);
    pipeline.export.forEach((target, index) => {
      const path = `${at}.export[${index}]`;
      expect(`${path}.connection`, target.connection, target.type === 'sftp' ? ['sftp'] : ['mysql', 'postgres']);
      if (models && !models.has(target.model)) problem(`${path}.model`, `no model "${target.model}" (${pipeline.transform?.models}/${target.model}.sql)`);
      if (target.type === 'jdbc' && target.mode === 'upsert' && !target.key) problem(`${path}.key`, 'mode upsert needs key: [column, …]');
    });
  }
  return problems;
}

type Report = (path: string, message: string) => void;

function checkConnectionFiles(name: string, connection: Connection, dir: string, problem: Report): void {
  for (const { field, file } of credentialFiles(connection.credentials)) {
    const path = absolute(file, dir);
    const at = `connections.${name}.${field}`;
    if (!existsSync(path)) problem(at, `credentials file ${path} does not exist`);
    else if ((statSync(path).mode & 0o077) !== 0) {
      const mode = (statSync(path).mode & 0o777).toString(8).padStart(4, '0');
      problem(at, `credentials file ${path} is readable by group or others (mode ${mode}); run: chmod 600 ${path}`);
    }
  }
  if (connection.type === 'sftp' && connection.knownHosts && !existsSync(absolute(connection.knownHosts, dir))) {
    problem(`connections.${name}.knownHosts`, `known_hosts file ${absolute(connection.knownHosts, dir)} does not exist`);
  }
}

function checkSchedule(at: string, pipeline: PipelineConfig, problem: Report): void {
  const schedule = pipeline.schedule;
  if (!schedule) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: schedule.timezone });
  } catch {
    problem(`${at}.schedule.timezone`, `unknown time zone "${schedule.timezone}" (an IANA name such as Europe/Paris)`);
    return;
  }
  try {
    new Cron(schedule.cron, { timezone: schedule.timezone, paused: true });
  } catch (error) {
    problem(`${at}.schedule.cron`, `invalid cron expression "${schedule.cron}": ${(error as Error).message}`);
  }
}

function checkIngestModes(at: string, pipeline: PipelineConfig, problem: Report): void {
  const tables: [string, typeof pipeline.source.defaults][] = [
    ['source.defaults', pipeline.source.defaults],
    ...Object.entries(pipeline.source.overrides).map(([table, override]) => [`source.overrides.${table}`, { ...pipeline.source.defaults, ...override }] as [string, typeof override]),
  ];
  for (const [path, table] of tables) {
    if (path === 'source.defaults' && table.mode !== 'full' && table.mode !== undefined && !table.checkColumn) {
      problem(`${at}.${path}.checkColumn`, `mode ${table.mode} needs checkColumn`);
    }
    if (path === 'source.defaults') continue;
    if ((table.mode === 'append' || table.mode === 'lastmodified') && !table.checkColumn) problem(`${at}.${path}.checkColumn`, `mode ${table.mode} needs checkColumn`);
    if (table.mode === 'lastmodified' && !table.mergeKey) problem(`${at}.${path}.mergeKey`, 'mode lastmodified needs mergeKey: [column, …]');
  }
}

function checkModels(at: string, pipeline: PipelineConfig, problem: Report): Set<string> | undefined {
  const transform = pipeline.transform;
  if (!transform) return undefined;
  if (!existsSync(transform.models)) {
    problem(`${at}.transform.models`, `models folder ${transform.models} does not exist`);
    return undefined;
  }
  const exists = (model: string) => existsSync(join(transform.models, `${model}.sql`));
  const names = new Set<string>();
  const known = (model: string, path: string) => {
    if (exists(model)) names.add(model);
    else problem(path, `no model "${model}" (${transform.models}/${model}.sql)`);
  };
  for (const model of Object.keys(transform.config)) known(model, `${at}.transform.config.${model}`);
  transform.checks.forEach((check, index) => {
    if ('model' in check) known(check.model, `${at}.transform.checks[${index}].model`);
    if (check.type === 'relationships') known(check.to, `${at}.transform.checks[${index}].to`);
  });
  for (const target of pipeline.export) if (exists(target.model)) names.add(target.model);
  return names;
}
