import { randomUUID } from 'node:crypto';
import { TerminalError } from '@dataops/errors';
import { currentVersion, envelope, payloadSchemas, type Envelope } from './events';
import type { StageName, Topic } from './topics';

export interface EnvelopeIds {
  runId: string;
  pipeline: string;
  producer: string;
  /** the run attempt the event belongs to (default 1) */
  attempt?: number;
  /** the stages the run covers (absent: all) */
  stages?: StageName[];
}

export function makeEnvelope<P>(type: Topic, payload: P, ids: EnvelopeIds): Envelope<P> {
  return {
    id: randomUUID(),
    type,
    version: currentVersion,
    runId: ids.runId,
    pipeline: ids.pipeline,
    occurredAt: new Date().toISOString(),
    producer: ids.producer,
    attempt: ids.attempt ?? 1,
    ...(ids.stages && ids.stages.length > 0 ? { stages: ids.stages } : {}),
    payload,
  };
}

/**
 * Validates the envelope, then its payload with the schema registered for (type, version).
 * Anything that does not parse is terminal: retrying cannot fix it; it goes to the dead-letter topic.
 */
/** The run attempt an event belongs to: events of older producers carry none and belong to attempt 1. */
export function attemptOf(event: Pick<Envelope, 'attempt'>): number {
  return event.attempt ?? 1;
}

export function parseEnvelope(raw: Buffer | string | null): Envelope {
  if (raw === null) throw new TerminalError('empty message (tombstone)');
  let json: unknown;
  try {
    json = JSON.parse(raw.toString());
  } catch {
    throw new TerminalError('message is not JSON');
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success) throw new TerminalError(`message is not a DataOps envelope: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const versions = (payloadSchemas as Record<string, Record<number, import('zod').ZodType> | undefined>)[parsed.data.type];
  const schema = versions?.[parsed.data.version];
  if (!schema) throw new TerminalError(`no schema for event ${parsed.data.type} version ${parsed.data.version}`);
  const payload = schema.safeParse(parsed.data.payload);
  if (!payload.success) {
    throw new TerminalError(`${parsed.data.type} v${parsed.data.version} payload: ${payload.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return { ...parsed.data, payload: payload.data };
}
