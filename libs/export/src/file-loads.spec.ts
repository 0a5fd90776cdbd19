import { FileLoads } from './file-loads';

/** A load that records which files it took, one after another, and can be told to fail on one. */
function recordingLoad(failOn?: string) {
  const calls: string[][] = [];
  let running = 0;
  let overlapped = false;
  const load = async (files: string[]) => {
    overlapped ||= running > 0;
    running += 1;
    calls.push(files);
    await new Promise((resolve) => setTimeout(resolve, 5));
    running -= 1;
    if (files.includes(failOn ?? '')) throw new Error(`COPY of ${failOn} failed`);
    return files.length * 10;
  };
  return { calls, load, overlapped: () => overlapped, running: () => running };
}

describe('FileLoads', () => {
  it('loads announced files in order, one at a time, and totals their rows', async () => {
    const recorded = recordingLoad();
    const loads = new FileLoads(recorded.load);
    loads.add(['a.csv']);
    loads.add(['b.csv']);
    await expect(loads.total(['a.csv', 'b.csv', 'c.csv'])).resolves.toBe(30);
    expect(recorded.calls).toEqual([['a.csv'], ['b.csv'], ['c.csv']]);
    expect(recorded.overlapped()).toBe(false);
    // three loads of 5 ms each, one after another
    expect(loads.ms).toBeGreaterThanOrEqual(14);
  });

  it('loads a file announced twice once', async () => {
    const recorded = recordingLoad();
    const loads = new FileLoads(recorded.load);
    loads.add(['a.csv']);
    loads.add(['a.csv']);
    await expect(loads.total(['a.csv'])).resolves.toBe(10);
    expect(recorded.calls).toEqual([['a.csv']]);
  });

  it('stops at a failed load and gives its error', async () => {
    const recorded = recordingLoad('a.csv');
    const loads = new FileLoads(recorded.load);
    loads.add(['a.csv']);
    loads.add(['b.csv']);
    await expect(loads.total(['a.csv', 'b.csv'])).rejects.toThrow('COPY of a.csv failed');
    expect(recorded.calls).toEqual([['a.csv']]);
    await expect(loads.settled()).resolves.toBeUndefined();
  });

  it('with two lanes loads two files at once, each once, and totals their rows', async () => {
    const recorded = recordingLoad();
    const loads = new FileLoads(recorded.load, 2);
    loads.add(['a.csv', 'b.csv']);
    loads.add(['c.csv', 'a.csv']);
    await expect(loads.total(['d.csv'])).resolves.toBe(40);
    expect(recorded.calls).toEqual([['a.csv'], ['b.csv'], ['c.csv'], ['d.csv']]);
    expect(recorded.overlapped()).toBe(true);
  });

  it('with two lanes starts no file after a failed load, and gives its error once both lanes stopped', async () => {
    const recorded = recordingLoad('a.csv');
    const loads = new FileLoads(recorded.load, 2);
    loads.add(['a.csv', 'b.csv', 'c.csv', 'd.csv']);
    await expect(loads.total([])).rejects.toThrow('COPY of a.csv failed');
    // b.csv was already loading beside a.csv; c.csv and d.csv never started
    expect(recorded.calls).toEqual([['a.csv'], ['b.csv']]);
    expect(recorded.running()).toBe(0);
  });
});
