import { Writable } from 'node:stream';
import { createLogger } from './logger';

describe('createLogger', () => {
  it('masks every configured secret in messages and field values, plain or URL-encoded', () => {
    const lines: string[] = [];
    const memory = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('dataops-test', 'info', ['s3cr3t/pa ss'], memory);
    logger.error('login failed for s3cr3t/pa ss', { error: 'url jdbc:mysql://u:s3cr3t%2Fpa%20ss@h/db refused', rows: 3 });
    const text = lines.join('');
    expect(text).not.toMatch(/s3cr3t/);
    expect(text).toMatch(/login failed for \*\*\*/);
    expect(text).toMatch(/u:\*\*\*@h/);
  });
});
