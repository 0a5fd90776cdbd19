import { defaultJobsDir } from '@dataops/job-process';
import type { LoadedConfig } from '@dataops/config';
import { ExportStage } from '@dataops/export';
import { IngestStage } from '@dataops/ingest';
import { resolveSparkSettings, SparkRunner } from '@dataops/spark';
import { TransformStage } from '@dataops/transform';
import type { Stages } from './stages';

/** `service`: the stages of a long-lived service, which keeps a Spark driver by default (libs/spark settings). */
export function createStages(loaded: LoadedConfig, jobsDir = defaultJobsDir(), options: { service?: boolean } = {}): Stages {
  const spark = new SparkRunner(resolveSparkSettings(loaded.config.spark, jobsDir, process.env, options.service ?? false));
  return { ingest: new IngestStage(loaded, spark), transform: new TransformStage(loaded, spark), export: new ExportStage(loaded, spark), engine: spark };
}
