import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckConfig, TransformConfig } from '@dataops/config';
import { TerminalError } from '@dataops/errors';
import { modelStatementProblem } from './model-statement';

export interface ModelDefinition {
  name: string;
  file: string;
  sql: string;
  config: { materialized: 'table' | 'incremental'; strategy?: 'overwrite_partitions' | 'merge'; uniqueKey?: string[]; partitionBy: string[] };
  format: 'parquet' | 'orc';
  compression: string;
}

/** Every <name>.sql in the models folder is a model; ${logical_date} is the run's date. */
export async function loadModels(transform: TransformConfig, logicalDate: string): Promise<ModelDefinition[]> {
  const files = (await readdir(transform.models)).filter((file) => file.endsWith('.sql')).sort();
  if (files.length === 0) throw new TerminalError(`no models (*.sql) in ${transform.models}`);
  return Promise.all(
    files.map(async (file) => {
      const name = file.replace(/\.sql$/, '');
      const config = transform.config[name] ?? { materialized: 'table' as const, partitionBy: [] };
      if (config.materialized === 'incremental' && config.strategy === 'merge' && !config.uniqueKey) {
        throw new TerminalError(`model ${name}: incremental merge needs uniqueKey`, { subject: name });
      }
      const path = join(transform.models, file);
      const sql = (await readFile(path, 'utf8')).replaceAll('${logical_date}', logicalDate).trim().replace(/;\s*$/, '');
      // before Spark starts: Spark would run INSERT OVERWRITE DIRECTORY or CREATE TABLE … LOCATION as it reads them
      const problem = modelStatementProblem(sql);
      if (problem) throw new TerminalError(`model ${name} (${path}) ${problem}; nothing was run`, { subject: name });
      return {
        name,
        file: path,
        sql,
        config: { materialized: config.materialized, strategy: config.strategy ?? (config.materialized === 'incremental' ? 'merge' : undefined), uniqueKey: config.uniqueKey, partitionBy: config.partitionBy },
        format: config.format ?? transform.defaults.format,
        compression: config.compression ?? transform.defaults.compression,
      };
    }),
  );
}

export interface CheckSpec {
  name: string;
  type: CheckConfig['type'];
  severity: 'error' | 'warn';
  [key: string]: unknown;
}

/** Checks get a readable default name: not_null_orders_clean_order_id. */
export function checkSpecs(checks: CheckConfig[]): CheckSpec[] {
  return checks.map((check) => {
    const subject = 'columns' in check ? check.columns.join('_') : 'column' in check ? check.column : '';
    const model = 'model' in check ? check.model : '';
    const name = check.name ?? [check.type, model, subject].filter(Boolean).join('_');
    // a sql check is run by spark.sql as it is: the same rule as a model (one query, nothing written)
    const problem = check.type === 'sql' ? modelStatementProblem(check.sql) : undefined;
    if (problem) throw new TerminalError(`check ${name} (transform.checks, type sql) ${problem}; nothing was run`, { subject: name });
    return { ...check, name, severity: check.severity };
  });
}
