import { BLOCK_BEGIN, BLOCK_END, currentBlock, renderBlock, withBlock, withoutBlock } from './block';

const userLines = 'MAILTO=ops@example.com\n15 4 * * * /usr/local/bin/backup --all\n';
const block = renderBlock([{ schedule: '0 2 * * *', command: 'dataops trigger retail --if-due', comment: 'pipeline retail' }]);

describe('crontab block', () => {
  it('appends the block and keeps every line outside it', () => {
    const installed = withBlock(userLines, block);
    expect(installed.startsWith(userLines)).toBe(true);
    expect(currentBlock(installed)).toBe(block);
  });

  it('installs idempotently: a second install gives the same crontab', () => {
    const once = withBlock(userLines, block);
    expect(withBlock(once, block)).toBe(once);
  });

  it('replaces only its own block when schedules change', () => {
    const installed = withBlock(userLines + '# after\n', block);
    const changed = renderBlock([{ schedule: '30 3 * * *', command: 'dataops trigger retail --if-due', comment: 'pipeline retail' }]);
    const updated = withBlock(installed, changed);
    expect(updated).toContain('30 3 * * * dataops trigger retail');
    expect(updated).not.toContain('0 2 * * * dataops');
    expect(withoutBlock(updated)).toBe(userLines + '# after\n');
  });

  it('removes the block and gives back the crontab as it was', () => {
    expect(withoutBlock(withBlock(userLines, block))).toBe(userLines);
  });

  it('refuses a crontab whose block was cut in half', () => {
    expect(() => withBlock(`${BLOCK_BEGIN}\n* * * * * x\n`, block)).toThrow(/without "# END dataops"/);
    expect(BLOCK_END).toBe('# END dataops');
  });
});
