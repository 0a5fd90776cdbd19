import type { SourceConfig } from '@dataops/config';
import { TerminalError } from '@dataops/errors';
import type { SourceTable } from './mysql-catalog';
import { selectTables } from './table-selection';

const table = (name: string): SourceTable => ({ name, isView: false, estimatedRows: 0, estimatedBytes: 0, columns: [], primaryKey: [], uniqueKeys: [] });
const tables = ['customers', 'orders', 'order_items'].map(table);
const source = (include: string[], views = false) => ({ tables: { include, exclude: [], views }, overrides: {} }) as unknown as SourceConfig;

describe(selectTables.name, () => {
  it('takes globs that match nothing as they are (a pattern, not a promise)', () => {
    expect(selectTables(tables, source(['order*', 'audit_*'])).map((t) => t.name)).toEqual(['orders', 'order_items']);
  });

  it('refuses a name without * or ? that no visible table has, naming the entry and its index', () => {
    const select = () => selectTables(tables, source(['customers', 'orders`; DROP TABLE customers; --']));
    expect(select).toThrow(TerminalError);
    expect(select).toThrow('source.tables.include[1]: no table "orders`; DROP TABLE customers; --" in the source database, or the source user may not read it (it needs SELECT on it); a view is read only with tables.views: true');
  });

  it('does not mention views when they are included', () => {
    expect(() => selectTables(tables, source(['payroll'], true))).toThrow(/may not read it \(it needs SELECT on it\)$/);
  });

  it('names an unknown table given with --tables', () => {
    expect(() => selectTables(tables, source(['*']), ['customers', 'nope'])).toThrow('--tables: no table "nope" in the source database');
  });
});
