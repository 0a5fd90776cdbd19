import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { dataopsConfig } from './schema';

const DOCS = readFileSync(join(__dirname, '../../../docs/configuration.md'), 'utf8');

/** Every property name the schema accepts, found by walking its JSON Schema. */
function fieldNames(node: unknown, names = new Set<string>()): Set<string> {
  if (!node || typeof node !== 'object') return names;
  const schema = node as Record<string, unknown>;
  for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, unknown>)) {
    names.add(name);
    fieldNames(child, names);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(schema[key])) (schema[key] as unknown[]).forEach((child) => fieldNames(child, names));
  fieldNames(schema.additionalProperties, names);
  fieldNames(schema.items, names);
  return names;
}

describe('docs/configuration.md', () => {
  it('documents every field the schema accepts', () => {
    const fields = [...fieldNames(z.toJSONSchema(dataopsConfig, { io: 'input', unrepresentable: 'any' }))];
    expect(fields.length).toBeGreaterThan(50);
    expect(fields.filter((field) => !DOCS.includes(`\`${field}\``))).toEqual([]);
  });
});
