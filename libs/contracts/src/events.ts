import { z } from 'zod';
import { stageNames, Topics, type Topic } from './topics';
import { checkResult, modelResult, runSummary, stageError, tableResult, targetResult } from './summary';
import { stageSelection } from './stage-selection';

/**
 * A run id names folders (the lake's run=…, the warehouse's _versions/<model>/<run id>, SFTP and
 * job-log folders): letters, digits, _ and - only (no /, no dots, so no ../), at most 200.
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,199}$/;
export const runIdSchema = z.string().regex(RUN_ID_PATTERN, 'expected a run id of letters, digits, _ and - (at most 200, no / or .)');

/** What is wrong with a run id given by a user, or undefined when it is a valid one. */
export function runIdProblem(runId: string): string | undefined {
  return RUN_ID_PATTERN.test(runId) ? undefined : `run id ${JSON.stringify(runId)} is not allowed: a run id names folders, so it may hold only letters, digits, _ and - (at most 200; no / or .)`;
}

/** YYYY-MM-DD and a day the calendar has (2026-02-30 is not one). */
export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

/** A logical date: load_date=… in the lake, ${logical_date} in models. */
export const logicalDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .refine(isCalendarDate, 'expected a date the calendar has');

/**
 * Every message on every topic is one envelope. `type` equals the topic; `version` is the payload
 * schema's version: a consumer parses with the schema registered for (type, version), so an old
 * producer's messages stay readable after a payload grows (see test fixtures).
 */
export const envelope = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  version: z.number().int().min(1),
  runId: runIdSchema,
  pipeline: z.string().min(1),
  occurredAt: z.string().datetime({ offset: true }),
  producer: z.string().min(1),
  /** the run's attempt (1, then 2… after each explicit retry); older producers omit it: 1 */
  attempt: z.number().int().min(1).optional(),
  /** the stages the run covers, carried from its admission to every stage event; absent: all */
  stages: z.array(z.enum(stageNames)).min(1).optional(),
  payload: z.unknown(),
});
export type Envelope<P = unknown> = Omit<z.infer<typeof envelope>, 'payload'> & { payload: P };

const logicalDate = logicalDateSchema;

export const runRequestedV1 = z.object({
  trigger: z.enum(['schedule', 'api', 'cli', 'cron', 'retry', 'backfill', 'external']),
  /** the date the run is for: ingest's load_date, the models' ${logical_date} */
  logicalDate,
  scheduledAt: z.string().datetime({ offset: true }).optional(),
  tables: z.array(z.string()).optional(),
  fullRefresh: z.boolean().default(false),
  /** the stages to run, in chain order (e.g. [ingest] hourly, [transform, export] nightly); absent: all */
  stages: stageSelection.optional(),
});

/** The scheduler admitted the run: ingest starts it. `attempt` grows with each retry. */
export const runAdmittedV1 = runRequestedV1.extend({ attempt: z.number().int().min(1).default(1) });

export const stageStartedV1 = z.object({ attempt: z.number().int().min(1).default(1), logicalDate: logicalDate.optional() });

/** where the stage attempt's engine log (Spark's output) was kept */
const logPath = z.string().optional();
export const ingestCompletedV1 = z.object({
  logicalDate,
  logPath,
  tables: z.array(tableResult),
  /** the run re-read its tables in full: incremental models are rebuilt too (older producers: false) */
  fullRefresh: z.boolean().default(false),
});
export const transformCompletedV1 = z.object({
  logicalDate,
  logPath,
  models: z.array(modelResult),
  checks: z.array(checkResult).default([]),
});
export const exportCompletedV1 = z.object({ logicalDate, logPath, targets: z.array(targetResult) });
export const stageFailedV1 = stageError.extend({ errorClass: z.enum(['transient', 'terminal']), logPath });
export const runFinishedV1 = runSummary;

export const deadLetterV1 = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  key: z.string().nullable(),
  consumerGroup: z.string(),
  error: z.string(),
  attempts: z.number().int(),
  /** the original message value as text (it may not have parsed) */
  value: z.string(),
});

/** (type, version) -> payload schema. Add a new version beside the old; never edit an old one. */
export const payloadSchemas = {
  [Topics.runRequested]: { 1: runRequestedV1 },
  [Topics.runAdmitted]: { 1: runAdmittedV1 },
  [Topics.ingestStarted]: { 1: stageStartedV1 },
  [Topics.ingestCompleted]: { 1: ingestCompletedV1 },
  [Topics.ingestFailed]: { 1: stageFailedV1 },
  [Topics.transformStarted]: { 1: stageStartedV1 },
  [Topics.transformCompleted]: { 1: transformCompletedV1 },
  [Topics.transformFailed]: { 1: stageFailedV1 },
  [Topics.exportStarted]: { 1: stageStartedV1 },
  [Topics.exportCompleted]: { 1: exportCompletedV1 },
  [Topics.exportFailed]: { 1: stageFailedV1 },
  [Topics.runFinished]: { 1: runFinishedV1 },
  [Topics.deadLetter]: { 1: deadLetterV1 },
} as const satisfies Record<Topic, Record<number, z.ZodType>>;

export const currentVersion = 1;

export type PayloadOf<T extends Topic> = z.infer<(typeof payloadSchemas)[T][1]>;
export type RunRequested = z.infer<typeof runRequestedV1>;
export type RunAdmitted = z.infer<typeof runAdmittedV1>;
export type IngestCompleted = z.infer<typeof ingestCompletedV1>;
export type TransformCompleted = z.infer<typeof transformCompletedV1>;
export type ExportCompleted = z.infer<typeof exportCompletedV1>;
export type StageFailed = z.infer<typeof stageFailedV1>;
