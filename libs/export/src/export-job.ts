import { z } from 'zod';
import { tableChecksums } from '@dataops/reconcile';

export const exportJobResult = z.object({
    /** per JDBC target: rows loaded over JDBC, or (COPY targets) the CSV files written for COPY */
  staged: z.array(z.object({ name: z.string(), rows: z.number().int().nonnegative(), files: z.array(z.string()).optional(), checksums: tableChecksums })),
  written: z.array(
    z.object({
      name: z.string(),
      files: z.array(z.object({ local: z.string(), name: z.string(), rows: z.number().int().nonnegative() })),
      /** the model, and the files read back as a reader of the documented format would */
      checksums: tableChecksums,
      fileChecksums: tableChecksums,
    }),
  ),
});
export type ExportJobResult = z.infer<typeof exportJobResult>;
