import { z } from 'zod';
import { checkResult, column } from '@dataops/contracts';

export const transformJobResult = z.object({
  models: z.array(
    z.object({
      name: z.string(),
      rows: z.number().int().nonnegative(),
      path: z.string(),
      format: z.enum(['parquet', 'orc']),
      columns: z.array(column),
      dependsOn: z.array(z.string()),
    }),
  ),
  checks: z.array(checkResult),
});
export type TransformJobResult = z.infer<typeof transformJobResult>;
