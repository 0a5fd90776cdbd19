import type { DataopsConfig, PipelineConfig } from './schema';

export type IngestEngine = 'spark' | 'arrow' | 'sqoop';

/**
 * The engine a pipeline imports with: the one it names, else the fast single-machine path when
 * everything is on this machine (Spark `local[…]` and a lake on local disk), else Spark. A cluster
 * master or an hdfs:// / s3a:// lake keeps Spark, which scales out and writes object stores.
 */
export function ingestEngineOf(config: Pick<DataopsConfig, 'spark' | 'storage'>, pipeline: Pick<PipelineConfig, 'source'>): IngestEngine {
  if (pipeline.source.engine) return pipeline.source.engine;
  return isLocalMaster(config.spark.master) && isLocalPath(config.storage.lake) ? 'arrow' : 'spark';
}

export function isLocalMaster(master: string): boolean {
  return master === 'local' || master.startsWith('local[');
}

export function isLocalPath(location: string): boolean {
  return location.startsWith('/') || location.startsWith('file:');
}
