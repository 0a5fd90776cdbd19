import { resolveSparkSettings } from './settings';

const spark = (master: string, keepDriver?: boolean) => ({ master, conf: {}, keepDriver }) as never;

describe('whether Spark jobs share one kept driver', () => {
  it('keeps one in a service on a local master, where it costs only memory', () => {
    expect(resolveSparkSettings(spark('local[*]'), '/jobs', {}, true).keepDriver).toBe(true);
  });

  it('does not keep one on a cluster, where an idle driver would hold executors', () => {
    expect(resolveSparkSettings(spark('spark://master:7077'), '/jobs', {}, true).keepDriver).toBe(false);
  });

  it('does not keep one in a short-lived process (dataops run, a test)', () => {
    expect(resolveSparkSettings(spark('local[*]'), '/jobs', {}, false).keepDriver).toBe(false);
  });

  it('follows spark.keepDriver where the config names it', () => {
    expect(resolveSparkSettings(spark('local[*]', false), '/jobs', {}, true).keepDriver).toBe(false);
    expect(resolveSparkSettings(spark('spark://master:7077', true), '/jobs', {}, false).keepDriver).toBe(true);
  });
});
