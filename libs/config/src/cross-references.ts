import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import type { Connection, DataopsConfig, PipelineConfig, ScheduleConfig, TableOverride } from './schema';
import type { Finding } from './connection-checks';
import { isLocalPath } from './ingest-engine';

/** The ingest stage reads MySQL's information_schema; the run ledger is written for PostgreSQL. */
const SOURCE_TYPES: Connection['type'][] = ['mysql'];
const CONTROL_TYPES: Connection['type'][] = ['postgres'];
const JDBC_TYPES: Connection['type'][] = ['mysql', 'postgres'];

/** What the schema alone cannot see: references between sections, files on disk, cron syntax. */
export function crossReferenceFindings(config: DataopsConfig): Finding[] {
  const findings: Finding[] = [];
  const report = (path: PropertyKey[], message: string) => findings.push({ path, message });
  const expect = connectionExpectation(config, report);
  if (config.control) {
    expect(['control', 'connection'], config.control.connection, CONTROL_TYPES, 'the run ledger');
    checkControlIsNotASource(config, report);
  }
  for (const [name, pipeline] of Object.entries(config.pipelines)) {
    const at = ['pipelines', name];
    expect([...at, 'source', 'connection'], pipeline.source.connection, SOURCE_TYPES, 'a source');
    // the Sqoop engine converts Sqoop's files with pyarrow on this machine, like the arrow engine (docs/sqoop.md)
    if (pipeline.source.engine === 'sqoop' && !isLocalPath(config.storage.lake)) {
      report([...at, 'source', 'engine'], `engine sqoop writes to a local lake only, not ${config.storage.lake}: use engine spark for hdfs:// or s3a://`);
    }
    if (pipeline.source.engine === 'arrow' && !isLocalPath(config.storage.lake)) {
      report([...at, 'source', 'engine'], `engine arrow writes to a local lake only, not ${config.storage.lake}: use engine spark for hdfs:// or s3a://`);
    }
    const source = config.connections[pipeline.source.connection];
    if (pipeline.source.engine === 'arrow' && source?.type === 'mysql' && source.tls) {
      report([...at, 'source', 'engine'], `engine arrow does not negotiate TLS, and connection ${pipeline.source.connection} has tls: use engine spark (or remove the line: a source with tls is read by Spark)`);
    }
    if (pipeline.source.engine === 'sqoop' && source?.type === 'mysql' && source.tls) {
      report([...at, 'source', 'engine'], `engine sqoop does not pass TLS settings to Sqoop yet, and connection ${pipeline.source.connection} has tls: use engine spark (docs/sqoop.md)`);
    }
    if (pipeline.exportEngine === 'arrow' && !isLocalPath(config.storage.warehouse)) {
      report([...at, 'exportEngine'], `exportEngine arrow reads a local warehouse only, not ${config.storage.warehouse}: use exportEngine spark for hdfs:// or s3a://`);
    }
    checkSchedule(at, pipeline, report);
    checkIngestModes(at, pipeline, report);
    checkModels(at, pipeline, report);
    pipeline.export.forEach((target, index) => {
      const path = [...at, 'export', index];
      expect([...path, 'connection'], target.connection, target.type === 'sftp' ? ['sftp'] : JDBC_TYPES, `a ${target.type} export`);
      if (target.type === 'jdbc' && target.mode === 'upsert' && !target.key) report([...path, 'key'], 'mode upsert needs key: [column, …] (the columns that identify a row)');
    });
  }
  return findings;
}

type Report = (path: PropertyKey[], message: string) => void;

function connectionExpectation(config: DataopsConfig, report: Report) {
  const defined = Object.keys(config.connections).join(', ') || 'none';
  return (path: PropertyKey[], name: string, types: Connection['type'][], role: string) => {
    const connection = config.connections[name];
    if (!connection) report(path, `unknown connection "${name}"; defined connections: ${defined}`);
    else if (!types.includes(connection.type)) report(path, `connection "${name}" is ${connection.type}, but ${role} needs ${types.join(' or ')}`);
  };
}

/** The ledger is written on every stage change; it must not load, lock or fill the source. */
function checkControlIsNotASource(config: DataopsConfig, report: Report): void {
  const control = config.connections[config.control?.connection ?? ''];
  // a control connection of the wrong type is already reported, and is not a ledger at all
  if (!control || control.type === 'sftp' || !CONTROL_TYPES.includes(control.type)) return;
  for (const [name, pipeline] of Object.entries(config.pipelines)) {
    const source = config.connections[pipeline.source.connection];
    if (!source || source.type === 'sftp') continue;
    const same = source === control || (source.type === control.type && source.host === control.host && source.port === control.port && source.database === control.database);
    if (same) report(['control', 'connection'], `the run ledger must not live in the source database of pipeline ${name} (${control.database}); give it its own database`);
  }
}

function checkSchedule(at: PropertyKey[], pipeline: PipelineConfig, report: Report): void {
  const located: [PropertyKey[], ScheduleConfig][] = pipeline.schedules
    ? pipeline.schedules.map((schedule, index) => [[...at, 'schedules', index], schedule])
    : pipeline.schedule
      ? [[[...at, 'schedule'], pipeline.schedule]]
      : [];
  for (const [path, schedule] of located) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: schedule.timezone });
    } catch {
      report([...path, 'timezone'], `unknown time zone "${schedule.timezone}"; use an IANA name such as UTC or Europe/Paris`);
      continue;
    }
    try {
      // the mode the scheduler reads it with (libs/schedule parseCron): a 7th (year) field is refused here, not at the first tick
      new Cron(schedule.cron, { timezone: schedule.timezone, paused: true, mode: '5-or-6-parts' });
    } catch (error) {
      report([...path, 'cron'], `invalid cron expression "${schedule.cron}" (${(error as Error).message}); expected 5 fields: minute hour day-of-month month day-of-week`);
    }
  }
}

/** append needs a growing column; lastmodified a timestamp and the key that identifies a row. */
function checkIngestModes(at: PropertyKey[], pipeline: PipelineConfig, report: Report): void {
  const { defaults, overrides } = pipeline.source;
  checkTableMode([...at, 'source', 'defaults'], defaults, report);
  for (const [table, override] of Object.entries(overrides)) {
    // a table inherits the defaults: mode from one, checkColumn from the other is fine
    if (override.mode !== undefined || override.checkColumn !== undefined || override.mergeKey !== undefined) {
      checkTableMode([...at, 'source', 'overrides', table], { ...defaults, ...override }, report);
    }
  }
}

function checkTableMode(path: PropertyKey[], table: TableOverride, report: Report): void {
  if ((table.mode === 'append' || table.mode === 'lastmodified') && !table.checkColumn) {
    const column = table.mode === 'append' ? 'a growing column such as an auto-increment id' : 'a DATETIME/TIMESTAMP updated on every change';
    report([...path, 'checkColumn'], `mode ${table.mode} needs checkColumn: ${column}`);
  }
  if (table.mode === 'lastmodified' && !table.mergeKey) report([...path, 'mergeKey'], 'mode lastmodified needs mergeKey: [column, …] (the key that identifies a row across versions)');
}

function checkModels(at: PropertyKey[], pipeline: PipelineConfig, report: Report): void {
  const transform = pipeline.transform;
  if (!transform) {
    pipeline.export.forEach((target, index) =>
      report([...at, 'export', index, 'model'], `the pipeline has no transform section, so nothing produces model "${target.model}"`),
    );
    return;
  }
  if (!existsSync(transform.models) || !statSync(transform.models).isDirectory()) {
    report([...at, 'transform', 'models'], `models folder ${transform.models} does not exist (one <model>.sql file per model)`);
    return;
  }
  const known = (model: string, path: PropertyKey[]) => {
    const file = join(transform.models, `${model}.sql`);
    if (!existsSync(file)) report(path, `no model "${model}": ${file} does not exist`);
  };
  for (const model of Object.keys(transform.config)) known(model, [...at, 'transform', 'config', model]);
  transform.checks.forEach((check, index) => {
    if ('model' in check) known(check.model, [...at, 'transform', 'checks', index, 'model']);
    if (check.type === 'relationships') known(check.to, [...at, 'transform', 'checks', index, 'to']);
  });
  pipeline.export.forEach((target, index) => known(target.model, [...at, 'export', index, 'model']));
}
