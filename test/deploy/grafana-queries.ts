import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** Reads the Grafana dashboards and data sources of deploy/grafana; shared by the unit and integration tests. */
export const root = join(__dirname, '..', '..');
export const grafanaDir = join(root, 'deploy', 'grafana');
export const dashboardFiles = readdirSync(join(grafanaDir, 'dashboards'))
  .filter((file) => file.endsWith('.json'))
  .sort();

export interface Datasource {
  uid: string;
  type: string;
  name: string;
  url?: string;
  jsonData?: Record<string, unknown>;
  secureJsonData?: Record<string, string>;
  user?: string;
}
export const datasources: Datasource[] = readdirSync(join(grafanaDir, 'provisioning', 'datasources'))
  .filter((file) => /\.ya?ml$/.test(file))
  .flatMap((file) => (parse(readFileSync(join(grafanaDir, 'provisioning', 'datasources', file), 'utf8')) as { datasources: Datasource[] }).datasources);

interface Ref {
  type: string;
  uid: string;
}
interface Target {
  refId: string;
  datasource?: Ref;
  expr?: string;
  rawSql?: string;
}
export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: Ref;
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  datasource?: Ref;
  query?: string | { query: string };
}
export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

export function readDashboard(file: string): Dashboard {
  return JSON.parse(readFileSync(join(grafanaDir, 'dashboards', file), 'utf8')) as Dashboard;
}

export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

export interface Query {
  dashboard: string;
  where: string;
  datasource: Datasource;
  text: string;
}

/** Every query of every dashboard (panel targets and template variables) with its data source. */
export function allQueries(): Query[] {
  const byUid = new Map(datasources.map((source) => [source.uid, source]));
  const queries: Query[] = [];
  for (const file of dashboardFiles) {
    const dashboard = readDashboard(file);
    const find = (ref: Ref | undefined, where: string): Datasource => {
      const source = ref && byUid.get(ref.uid);
      if (!source) throw new Error(`${file}: ${where} uses data source ${JSON.stringify(ref)}, which is not provisioned`);
      if (source.type !== ref.type) throw new Error(`${file}: ${where} says type ${ref.type}, the provisioned source is ${source.type}`);
      return source;
    };
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const text = typeof variable.query === 'string' ? variable.query : variable.query?.query;
      if (!text) throw new Error(`${file}: variable ${variable.name} has no query`);
      queries.push({ dashboard: file, where: `variable $${variable.name}`, datasource: find(variable.datasource, `variable ${variable.name}`), text });
    }
    for (const panel of allPanels(dashboard)) {
      for (const target of panel.targets ?? []) {
        const where = `panel "${panel.title}" ${target.refId}`;
        const source = find(target.datasource ?? panel.datasource, where);
        const text = target.expr ?? target.rawSql;
        if (!text) throw new Error(`${file}: ${where} has no query`);
        queries.push({ dashboard: file, where, datasource: source, text });
      }
    }
  }
  return queries;
}

/**
 * A PromQL expression as Grafana sends it, for a given time range: its variables and macros
 * replaced (`values` overrides the defaults, e.g. one pipeline). An unknown `$name` is an error,
 * not something to pass through.
 */
export function expandPromQL(expr: string, overrides: Record<string, string> = {}): string {
  const values: Record<string, string> = {
    pipeline: '.*',
    __range: '1h',
    __rate_interval: '1m',
    __interval: '30s',
    ...overrides,
  };
  const labelValues = /^label_values\((.*),\s*(\w+)\)$/.exec(expr.trim());
  const base = labelValues ? labelValues[1] : expr;
  return base.replace(/\$\{?(\w+)\}?/g, (_all, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`unknown variable $${name} in ${expr}`);
    return value;
  });
}

/**
 * An SQL panel query as Grafana's PostgreSQL data source sends it: the time macros become
 * literals of the given range, $region a quoted list. Unknown macros or variables are errors.
 */
export function expandSQL(sql: string, from: Date, to: Date, regions: string[]): string {
  const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
  const iso = (date: Date) => quote(date.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  return sql
    .replace(/\$__timeFrom\(\)/g, iso(from))
    .replace(/\$__timeTo\(\)/g, iso(to))
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_all, column: string) => `${column} BETWEEN ${iso(from)} AND ${iso(to)}`)
    .replace(/\$\{?(\w+)\}?/g, (_all, name: string) => {
      if (name === 'region') return regions.map(quote).join(',');
      throw new Error(`unknown macro or variable $${name} in ${sql}`);
    });
}
