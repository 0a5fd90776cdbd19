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
