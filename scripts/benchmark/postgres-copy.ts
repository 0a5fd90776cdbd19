// The export's baseline: `psql \copy` of a model's rows, from a CSV file, into a new PostgreSQL
// table. The password reaches psql through a private pgpass file (PGPASSFILE), never its arguments.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pgPassword, pgPort } from '../../test/support/stack';
import { execute } from './measure';

export class PsqlCopy {
  private readonly passFile: string;

  constructor(folder: string) {
    this.passFile = join(folder, 'pgpass');
    writeFileSync(this.passFile, `127.0.0.1:${pgPort}:bi:dataops:${pgPassword().replace(/([:\\])/g, '\\$1')}\n`, { mode: 0o600 });
  }

  /** Runs psql with the given -c commands (in one transaction). */
  psql(...commands: string[]): Promise<unknown> {
    return execute('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '-h', '127.0.0.1', '-p', String(pgPort), '-U', 'dataops', '-d', 'bi', ...commands.flatMap((command) => ['-c', command])], {
      ...process.env,
      PGPASSFILE: this.passFile,
    });
  }

  /** Writes a table's rows to a CSV file (outside any figure). */
  dump(table: string, file: string): Promise<unknown> {
    return this.psql(`\\copy (SELECT * FROM ${table}) TO '${file}' WITH (FORMAT csv)`);
  }

  /** The measured work: a new table shaped like `like`, filled by \copy from the file, in one transaction. */
  load(table: string, like: string, file: string): Promise<unknown> {
    return this.psql(`CREATE TABLE ${table} (LIKE ${like})`, `\\copy ${table} FROM '${file}' WITH (FORMAT csv)`);
  }

  drop(...tables: string[]): Promise<unknown> {
    return this.psql(...tables.map((table) => `DROP TABLE IF EXISTS ${table}`));
  }

  close(): void {
    rmSync(this.passFile, { force: true });
  }
}
