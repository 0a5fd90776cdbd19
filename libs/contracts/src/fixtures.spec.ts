import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allTopics } from './topics';
import { parseEnvelope } from './make-envelope';

const folder = join(__dirname, '..', 'fixtures');
const fixtures = readdirSync(folder).filter((file) => file.endsWith('.json'));

describe('event fixtures', () => {
  it('has one fixture per topic at version 1 (add a .v2 file beside it when a payload changes)', () => {
    expect(allTopics.map((topic) => `${topic}.v1.json`).sort()).toEqual(fixtures.filter((file) => file.endsWith('.v1.json')).sort());
  });

  it.each(fixtures)('%s still parses with the schemas of this version', (file) => {
    const text = readFileSync(join(folder, file), 'utf8');
    const event = parseEnvelope(text);
    expect(`${event.type}.v${event.version}.json`).toBe(file);
  });

  it('refuses an envelope whose payload does not fit its schema, naming the field', () => {
    const text = readFileSync(join(folder, 'dataops.ingest.completed.v1.json'), 'utf8').replace('"rows": 3528', '"rows": "many"');
    expect(() => parseEnvelope(text)).toThrow(/dataops\.ingest\.completed v1 payload: tables\.0\.rows/);
  });
});
