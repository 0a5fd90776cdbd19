import { z } from 'zod';

/** A service's environment, read and validated once at start. */
export const serviceEnv = z.object({
  DATAOPS_CONFIG: z.string().min(1).default('dataops.yaml'),
  KAFKA_BROKERS: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(1).max(65535).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** prefixes consumer group ids, so two deployments (or a test) can share a Kafka cluster */
  DATAOPS_GROUP_PREFIX: z.string().default(''),
  /** scheduler: how often it looks for due fire times */
  DATAOPS_SCHEDULER_TICK_MS: z.coerce.number().int().min(100).default(15_000),
  /** stage services: stage attempts one replica runs at once */
  DATAOPS_STAGE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** stage services: a claim not renewed for this long is taken over by another replica */
  DATAOPS_LEASE_MS: z.coerce.number().int().min(3000).default(30_000),
  /** stage services: tries of a stage attempt before a transient failure fails the stage */
  DATAOPS_STAGE_MAX_TRIES: z.coerce.number().int().min(1).max(20).default(3),
  /** stage services: how often to look for claimable work besides the events */
  DATAOPS_WORK_POLL_MS: z.coerce.number().int().min(100).default(2000),
  /** scheduler: a file holding the bearer token the runs API requires for POST (mode 0600) */
  DATAOPS_API_TOKEN_FILE: z.string().min(1).optional(),
});
export type ServiceEnv = z.infer<typeof serviceEnv>;

export function readServiceEnv(env: NodeJS.ProcessEnv = process.env): ServiceEnv {
  const parsed = serviceEnv.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) console.error(`error: environment ${issue.path.join('.')}: ${issue.message}`);
    process.exit(2);
  }
  return parsed.data;
}
