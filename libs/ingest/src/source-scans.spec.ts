import type { SourceScan } from './mysql-catalog';
import type { TablePlan } from './planner';
import { SourceScans, type SourceScanner } from './source-scans';

function plan(table: string, slices: string[]): TablePlan {
  return {
    table,
    mode: 'full',
    fullSnapshot: true,
    checkColumn: null,
    mergeKey: null,
    splitColumn: slices.length > 1 ? 'id' : null,
    slices,
    where: '1=1',
    columns: [],
    estimatedRows: 0,
    previousWatermark: null,
    upperWatermark: null,
  };
}

/** A source answering each query after `release()`, one row per slice, recording what ran at once. */
class SlowSource implements SourceScanner {
  readonly wheres: string[] = [];
  maxRunning = 0;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  async sourceScan(_table: string, _columns: TablePlan['columns'], where: string): Promise<SourceScan> {
    this.wheres.push(where);
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running -= 1;
    if (where.includes('boom')) throw new Error('lost connection');
    return { checksums: { rows: 1, columns: { id: { nonNull: 1, hash: '9007199254740993' } } }, zeroDates: where.includes('id <') ? { d: 2 } : {} };
  }

  /** Answers the queries waiting, until none is left. */
  async drain(): Promise<void> {
    for (let turn = 0; turn < 100; turn += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      this.waiting.splice(0).forEach((resolve) => resolve());
    }
  }
}

describe(SourceScans.name, () => {
  it('sums a table over its slices, each within the run bounds', async () => {
    const source = new SlowSource();
    const scans = new SourceScans(source, 4);
    const scan = scans.scan({ ...plan('orders', ['(id < 10 OR id IS NULL)', 'id >= 10']), where: 'x > 1' });
    await source.drain();
    expect(await scan).toMatchObject({ checksums: { rows: 2, columns: { id: { nonNull: 2, hash: '18014398509481986' } } }, zeroDates: { d: 2 }, queries: 2 });
    expect(source.wheres).toEqual(['(x > 1) AND (id < 10 OR id IS NULL)', '(x > 1) AND id >= 10']);
  });

  it('runs the queries of every table at once, no more than the source connections', async () => {
    const source = new SlowSource();
    const scans = new SourceScans(source, 3);
    const all = Promise.all([scans.scan(plan('a', ['s1', 's2', 's3', 's4'])), scans.scan(plan('b', ['1=1']))]);
    await source.drain();
    expect((await all).map((scan) => scan.checksums.rows)).toEqual([4, 1]);
    expect(source.maxRunning).toBe(3);
  });

  it('fails the table whose query failed, and starts nothing more once closed', async () => {
    const source = new SlowSource();
    const scans = new SourceScans(source, 1);
    const failed = expect(scans.scan(plan('a', ['boom']))).rejects.toThrow('lost connection');
    const queued = expect(scans.scan(plan('b', ['1=1']))).rejects.toThrow(/cancelled/);
    const closed = scans.close();
    await source.drain();
    await Promise.all([closed, failed, queued]);
    expect(source.wheres).toEqual(['(1=1) AND boom']);
  });
});
