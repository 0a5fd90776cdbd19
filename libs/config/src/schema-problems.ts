import type { z } from 'zod';
import { dataopsConfig, type DataopsConfig } from './schema';
import { formatPath, type ConfigProblem } from './errors';

type RawIssue = Parameters<z.core.$ZodErrorMap>[0];
interface SchemaDef {
  type?: string;
  shape?: Record<string, unknown>;
  options?: { _zod: { def: SchemaDef } }[];
  discriminator?: string;
}

export type SchemaResult = { config: DataopsConfig; problems: [] } | { config: undefined; problems: ConfigProblem[] };

/** Validates with the zod schema; every issue becomes a problem naming the field path. */
export function validateSchema(value: unknown, file: string): SchemaResult {
  const parsed = dataopsConfig.safeParse(value, { error: describeIssue });
  if (parsed.success) return { config: parsed.data, problems: [] };
  const problems = parsed.error.issues.flatMap((issue): ConfigProblem[] => {
    // one line per unknown key, with the key in the path: `storage.lakee: unknown key …`
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ file, path: formatPath([...issue.path, key]), message: issue.message }));
    return [{ file, path: formatPath(issue.path), message: issue.message }];
  });
  return { config: undefined, problems };
}

/** Messages that say what is expected, in the words of the config file rather than zod's. */
function describeIssue(issue: RawIssue): string | undefined {
  const def = (issue.inst as { _zod?: { def: SchemaDef } } | undefined)?._zod?.def;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `is required (expected ${issue.expected})` : `expected ${issue.expected}, got ${kindOf(issue.input)}`;
    case 'unrecognized_keys':
      return `unknown key; expected one of: ${Object.keys(def?.shape ?? {}).join(', ')}`;
    case 'invalid_union':
      return describeUnion(issue.input, def);
    default:
      return undefined;
  }
}

function describeUnion(input: unknown, def: SchemaDef | undefined): string | undefined {
  const options = (def?.options ?? []).map((option) => option._zod.def);
  const discriminator = def?.discriminator;
  if (discriminator) {
    const allowed = options.map((option) => String(literalOf(option.shape?.[discriminator]))).join(', ');
    // zod reports the whole object here, at the path of its discriminator key
    const value = input && typeof input === 'object' ? (input as Record<string, unknown>)[discriminator] : undefined;
    return value === undefined ? `is required (one of: ${allowed})` : `unknown ${discriminator} ${JSON.stringify(value)}; expected one of: ${allowed}`;
  }
  if (options.every((option) => option.shape)) {
    // the credentials forms: say which sets of keys are accepted
    const forms = options.map((option) => `{ ${Object.keys(option.shape ?? {}).join(', ')} }`);
    return `expected one of: ${forms.join(' or ')}`;
  }
  return undefined;
}

function literalOf(schema: unknown): unknown {
  const values = (schema as { _zod?: { def?: { values?: unknown[] } } } | undefined)?._zod?.def?.values;
  return values?.[0];
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
