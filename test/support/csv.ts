import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/**
 * An RFC 4180 file (gzipped when it ends in .gz) as rows keyed by its header, keeping what generic readers lose: an unquoted
 * empty field is NULL, a quoted one ("") the empty string. Quoted fields may hold "" and newlines.
 */
export function readCsvFile(path: string): Record<string, string | null>[] {
  const bytes = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let index = 0;
  while (index < text.length) {
    let value: string | null;
    if (text[index] === '"') {
      let end = index + 1;
      value = '';
      for (;;) {
        const quote = text.indexOf('"', end);
        if (quote < 0) throw new Error(`${path}: unterminated quoted field at offset ${index}`);
        value += text.slice(end, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          end = quote + 2;
        } else {
          index = quote + 1;
          break;
        }
      }
    } else {
      const match = /[,\r\n]|$/.exec(text.slice(index))!;
      const raw = text.slice(index, index + match.index);
      value = raw === '' ? null : raw;
      index += match.index;
    }
    row.push(value);
    if (text[index] === ',') index += 1;
    else {
      index += text.startsWith('\r\n', index) ? 2 : 1;
      rows.push(row);
      row = [];
    }
  }
  const [header, ...body] = rows;
  return body.map((values) => Object.fromEntries(header.map((name, column) => [name ?? '', values[column] ?? null])));
}
