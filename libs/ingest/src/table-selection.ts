import type { SourceConfig } from '@dataops/config';
import { TerminalError } from '@dataops/errors';
import type { SourceTable } from './mysql-catalog';

/** Tables to ingest: include/exclude globs, then an optional explicit list (`--tables a,b`). */
export function selectTables(tables: SourceTable[], source: SourceConfig, only?: string[]): SourceTable[] {
  const names = new Set(tables.map((table) => table.name));
  for (const table of Object.keys(source.overrides)) {
    if (!names.has(table)) throw new TerminalError(`source.overrides.${table}: no table "${table}" in the source database`, { subject: table });
  }
  for (const table of only ?? []) {
    if (!names.has(table)) throw new TerminalError(`--tables: no table "${table}" in the source database`, { subject: table });
  }
  return tables.filter(
    (table) =>
      source.tables.include.some((glob) => matches(glob, table.name)) &&
      !source.tables.exclude.some((glob) => matches(glob, table.name)) &&
      (!only || only.includes(table.name)),
  );
}

export function matches(glob: string, name: string): boolean {
  const pattern = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${pattern}$`).test(name);
}
