import { z } from 'zod';

export const exportJobResult = z.object({
  staged: z.array(z.object({ name: z.string(), rows: z.number().int().nonnegative() })),
  written: z.array(z.object({ name: z.string(), files: z.array(z.object({ local: z.string(), name: z.string(), rows: z.number().int().nonnegative() })) })),
});
export type ExportJobResult = z.infer<typeof exportJobResult>;
