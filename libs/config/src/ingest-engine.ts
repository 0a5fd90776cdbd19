import type { DataopsConfig, PipelineConfig } from './schema';

export type IngestEngine = 'spark' | 'arrow' | 'sqoop';

/**
 * The engine a pipeline imports with: the one it names, else the fast single-machine path when
 * everything is on this machine (Spark `local[…]` and a lake on local disk), else Spark. A cluster
 * master or an hdfs:// / s3a:// lake keeps Spark, which scales out and writes object stores; so
 * does a source connection with `tls`, which the arrow engine cannot negotiate.
 */
export function ingestEngineOf(config: Pick<DataopsConfig, 'spark' | 'storage'> & Partial<Pick<DataopsConfig, 'connections'>>, pipeline: Pick<PipelineConfig, 'source'>): IngestEngine {
  if (pipeline.source.engine) return pipeline.source.engine;
  // the arrow engine (ConnectorX) does not negotiate TLS: a source with tls is read by Spark
  const source = config.connections?.[pipeline.source.connection];
  if (source && source.type !== 'sftp' && source.tls) return 'spark';
  return isLocalMaster(config.spark.master) && isLocalPath(config.storage.lake) ? 'arrow' : 'spark';
}

export type ExportEngine = 'spark' | 'arrow';

/**
 * The engine a pipeline exports with: the one it names, else the single-machine path (DuckDB
 * writes the load files, no JVM) when Spark runs locally and the warehouse is on local disk, else
 * Spark, whose executors read a warehouse on HDFS or an object store.
 */
export function exportEngineOf(config: Pick<DataopsConfig, 'spark' | 'storage'>, pipeline: Pick<PipelineConfig, 'exportEngine'>): ExportEngine {
  if (pipeline.exportEngine) return pipeline.exportEngine;
  return isLocalMaster(config.spark.master) && isLocalPath(config.storage.warehouse) ? 'arrow' : 'spark';
}

export function isLocalMaster(master: string): boolean {
  return master === 'local' || master.startsWith('local[');
}

export function isLocalPath(location: string): boolean {
  return location.startsWith('/') || location.startsWith('file:');
}
