import type { ExportCompleted, IngestCompleted, ModelResult, TransformCompleted } from '@dataops/contracts';
import type { StageRequest, StageRunOptions } from '@dataops/stage';

/** The three stages as the chain sees them; each lib's stage class fits one of these. */
export interface IngestStagePort {
  execute(request: StageRequest & { tables?: string[]; fullRefresh?: boolean }, options: StageRunOptions): Promise<IngestCompleted>;
}

export interface TransformStagePort {
  execute(request: StageRequest & { fullRefresh?: boolean }, options: StageRunOptions): Promise<TransformCompleted>;
}

export interface ExportStagePort {
  execute(request: StageRequest & { models: ModelResult[] }, options: StageRunOptions): Promise<ExportCompleted>;
}

export interface Stages {
  ingest: IngestStagePort;
  transform: TransformStagePort;
  export: ExportStagePort;
  /**
   * the job side the stages share: a kept driver (spark.keepDriver) is started and ended here, and
   * a service keeps a Python process ready for its jobs without Spark (preparePython)
   */
  engine?: { readonly keepsDriver: boolean; warmUp(): Promise<void>; preparePython(options?: { keep?: boolean }): void; stop(): void };
}
