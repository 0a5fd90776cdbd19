/**
 * `dataops crontab` owns one marked block of the user's crontab and never touches a line
 * outside it. Installing twice gives the same crontab; removing leaves the rest as it was.
 */
export const BLOCK_BEGIN = '# BEGIN dataops — managed by `dataops crontab`; edits inside this block are replaced';
export const BLOCK_END = '# END dataops';

export interface CronEntry {
  /** the five cron fields, read by cron in the machine's time zone */
  schedule: string;
  command: string;
  comment: string;
}

export function renderBlock(entries: CronEntry[]): string {
  const lines = [BLOCK_BEGIN];
  for (const entry of entries) lines.push(`# ${entry.comment}`, `${entry.schedule} ${entry.command}`);
  lines.push(BLOCK_END);
  return lines.join('\n');
}

/** The crontab with our block replaced (or appended), everything else unchanged. */
export function withBlock(crontab: string, block: string): string {
  const { before, after, found } = splitAroundBlock(crontab);
  if (!found) {
    const base = crontab.length === 0 || crontab.endsWith('\n') ? crontab : `${crontab}\n`;
    return `${base}${block}\n`;
  }
  return `${before}${block}\n${after}`;
}

export function withoutBlock(crontab: string): string {
  const { before, after } = splitAroundBlock(crontab);
  return `${before}${after}`;
}

export function currentBlock(crontab: string): string | undefined {
  const start = crontab.indexOf(BLOCK_BEGIN);
  const end = crontab.indexOf(BLOCK_END, start);
  if (start < 0 || end < 0) return undefined;
  return crontab.slice(start, end + BLOCK_END.length);
}

function splitAroundBlock(crontab: string): { before: string; after: string; found: boolean } {
  const start = crontab.indexOf(BLOCK_BEGIN);
  if (start < 0) return { before: crontab, after: '', found: false };
  const endMarker = crontab.indexOf(BLOCK_END, start);
  if (endMarker < 0) {
    throw new Error(`the crontab has "${BLOCK_BEGIN}" without "${BLOCK_END}": fix it with crontab -e, then run again`);
  }
  let end = endMarker + BLOCK_END.length;
  if (crontab[end] === '\n') end += 1;
  return { before: crontab.slice(0, start), after: crontab.slice(end), found: true };
}
