import { ingestEngineOf } from './ingest-engine';

const config = (master: string, lake: string) => ({ spark: { master, conf: {} }, storage: { lake, warehouse: '/w' } });
const pipeline = (engine?: 'spark' | 'arrow') => ({ source: { engine } }) as never;

describe(ingestEngineOf.name, () => {
  it('imports with the single-machine arrow engine when Spark runs locally and the lake is on local disk', () => {
    expect(ingestEngineOf(config('local[*]', '/srv/lake'), pipeline())).toBe('arrow');
    expect(ingestEngineOf(config('local[2]', 'file:///srv/lake'), pipeline())).toBe('arrow');
  });

  it('keeps Spark for a cluster master or a lake on HDFS', () => {
    expect(ingestEngineOf(config('spark://master:7077', '/srv/lake'), pipeline())).toBe('spark');
    expect(ingestEngineOf(config('local[*]', 'hdfs://namenode:9000/lake'), pipeline())).toBe('spark');
  });

  it('uses the engine a pipeline names', () => {
    expect(ingestEngineOf(config('local[*]', '/srv/lake'), pipeline('spark'))).toBe('spark');
  });
});
