import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEventDocs } from './event-docs';

describe('docs/events.md', () => {
  it('is the rendering of the current schemas (regenerate: npx tsx scripts/gen-event-docs.ts)', () => {
    expect(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'events.md'), 'utf8')).toBe(renderEventDocs());
  });
});
