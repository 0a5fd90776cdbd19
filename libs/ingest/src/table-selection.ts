import type { SourceConfig } from '@dataops/config';
import { TerminalError } from '@dataops/errors';
import type { SourceTable } from './mysql-catalog';

/** Tables to ingest: include/exclude globs, then an optional explicit list (`--tables a,b`). */
export function selectTables(tables: SourceTable[], source: SourceConfig, only?: string[]): SourceTable[] {
  const names = new Set(tables.map((table) => table.name));
  for (const table of Object.keys(source.overrides)) {
    if (!names.has(table)) throw new TerminalError(`source.overrides.${table}: no table "${table}" in the source database`, { subject: table });
  }
  // a name without * or ? that matches nothing is a typo, a dropped table, or one the source user may not
  // read (MySQL hides tables a user has no privilege on): say so instead of ingesting less in silence
  source.tables.include.forEach((entry, index) => {
    if (!/[*?]/.test(entry) && !names.has(entry)) {
      throw new TerminalError(
        `source.tables.include[${index}]: no table ${JSON.stringify(entry)} in the source database, or the source user may not read it (it needs SELECT on it)${source.tables.views ? '' : '; a view is read only with tables.views: true'}`,
        { subject: entry },
      );
    }
  });
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
