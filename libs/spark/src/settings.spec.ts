import { resolveSparkSettings } from './settings';

const spark = (master: string, conf: Record<string, string> = {}) => ({ master, conf }) as never;
const threshold = 'spark.sql.sources.parallelPartitionDiscovery.threshold';

describe(resolveSparkSettings.name, () => {
  describe('settings only right on one machine', () => {
    it('lists partition folders on the driver when Spark runs locally', () => {
      expect(resolveSparkSettings(spark('local[*]'), '/jobs', {}).conf[threshold]).toBe('100000');
      expect(resolveSparkSettings(spark('local[2]'), '/jobs', {}).conf[threshold]).toBe('100000');
    });

    it("keeps Spark's parallel listing on a cluster", () => {
      expect(resolveSparkSettings(spark('spark://master:7077'), '/jobs', {}).conf).not.toHaveProperty(threshold);
      expect(resolveSparkSettings(spark('yarn'), '/jobs', {}).conf).not.toHaveProperty(threshold);
    });

    it("lets the config's own spark.conf win", () => {
      expect(resolveSparkSettings(spark('local[*]', { [threshold]: '32' }), '/jobs', {}).conf[threshold]).toBe('32');
    });
  });

  describe("Hadoop's local file system without a chmod process per file", () => {
    const jar = { DATAOPS_LOCAL_FS_JAR: '/jars/localfs/dataops-localfs.jar' };

    it('puts the built file system on the driver class path when Spark runs locally', () => {
      const { conf } = resolveSparkSettings(spark('local[*]'), '/jobs', jar);
      expect(conf['spark.hadoop.fs.file.impl']).toBe('io.dataops.hadoop.NioLocalFileSystem');
      expect(conf['spark.driver.extraClassPath']).toBe('/jars/localfs/dataops-localfs.jar');
    });

    it("keeps Hadoop's own file system when the jar was not built, or on a cluster", () => {
      expect(resolveSparkSettings(spark('local[*]'), '/jobs', {}).conf).not.toHaveProperty('spark.hadoop.fs.file.impl');
      expect(resolveSparkSettings(spark('spark://master:7077'), '/jobs', jar).conf).not.toHaveProperty('spark.hadoop.fs.file.impl');
    });
  });

  describe("a kept driver's cache of generated code", () => {
    const cacheSize = 'spark.sql.codegen.cache.maxEntries';

    it('has room for every class a run compiles, so the next run compiles none again', () => {
      expect(resolveSparkSettings(spark('local[*]'), '/jobs', {}, true).conf[cacheSize]).toBe('1000');
      expect(resolveSparkSettings({ master: 'spark://master:7077', conf: {}, keepDriver: true } as never, '/jobs', {}).conf[cacheSize]).toBe('1000');
    });

    it("keeps Spark's default for a driver that runs one job", () => {
      expect(resolveSparkSettings(spark('local[*]'), '/jobs', {}).conf).not.toHaveProperty(cacheSize);
      expect(resolveSparkSettings(spark('spark://master:7077'), '/jobs', {}, true).conf).not.toHaveProperty(cacheSize);
    });

    it("lets the config's own spark.conf win", () => {
      expect(resolveSparkSettings(spark('local[*]', { [cacheSize]: '50' }), '/jobs', {}, true).conf[cacheSize]).toBe('50');
    });
  });
});
