import { ProgressDisplay, type ProgressSample } from '.';

const T0 = Date.parse('2026-11-29T03:00:00Z');
const ESC = '\x1b';

/** A stream that keeps what was written; a terminal or not. */
function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { stream: { isTTY, columns: 160, write: (text: string) => chunks.push(text) }, text: () => chunks.join(''), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

const orders = (at: number, figures: Partial<ProgressSample>): ProgressSample => ({ stage: 'ingest', subject: 'orders', estimatedRows: 40_000, at, ...figures });

describe(ProgressDisplay.name, () => {
  let now = T0;
  const clock = () => now;
  beforeEach(() => {
    now = T0;
    jest.useFakeTimers({ now: T0 });
  });
  afterEach(() => jest.useRealTimers());

  describe('without a terminal', () => {
    it('prints what changed at most once per interval, each line once, and the ordinary lines at once', () => {
      const out = fakeStream(false);
      const display = new ProgressDisplay({ human: out.stream, intervalMs: 5000, now: clock });
      display.log('ingest started');
      display.sample(orders(now, { phase: 'reading', rows: 0 }));
      now += 2000;
      display.sample(orders(now, { phase: 'reading', rows: 10_000 }));
      now += 1000;
      display.sample(orders(now, { phase: 'reading', rows: 10_000 })); // the same figures polled again
      expect(out.lines()).toEqual(['ingest started', '  ingest  orders  0 of ~40,000 rows (reading)']);
      now += 2000;
      jest.advanceTimersByTime(3000);
      expect(out.lines().at(-1)).toBe('  ingest  orders  10,000 of ~40,000 rows, 5,000 rows/s, ~3s left (reading)');
      now += 5000;
      display.sample(orders(now, { rows: 40_000, done: true }));
      display.log('ingest orders: 40000 rows');
      display.stop();
      // the finish is the stage's own line, never a progress line of the same subject
      expect(out.lines().slice(2)).toEqual(['  ingest  orders  10,000 of ~40,000 rows, 5,000 rows/s, ~3s left (reading)', 'ingest orders: 40000 rows']);
      expect(out.text()).not.toContain(ESC);
    });

    it('adds a line for the stage as a whole when it has several subjects', () => {
      const out = fakeStream(false);
      const display = new ProgressDisplay({ human: out.stream, intervalMs: 0, now: clock });
      display.sample(orders(now, { phase: 'reading' }));
      display.sample({ stage: 'ingest', subject: 'customers', estimatedRows: 10_000, phase: 'reading', at: now });
      now += 5000;
      display.sample({ stage: 'ingest', subject: 'customers', rows: 10_000, done: true, at: now });
      display.stop();
      expect(out.lines()).toContain('  ingest  1 of 2 done  10,000 of ~50,000 rows, 2,000 rows/s, ~20s left');
      expect(new Set(out.lines()).size).toBe(out.lines().length);
    });
  });

  describe('with --json', () => {
    it('writes one JSON line per sample that brought new figures, and leaves people their own stream', () => {
      const json: string[] = [];
      const out = fakeStream(false);
      const display = new ProgressDisplay({ human: out.stream, json: (line) => json.push(line), intervalMs: 60_000, now: clock });
      display.sample(orders(now, { phase: 'reading', rows: 0 }));
      now += 4000;
      display.sample(orders(now, { phase: 'reading', rows: 8000 }));
      display.sample(orders(now, { phase: 'reading', rows: 8000 }));
      display.log('ingest started');
      display.stop();
      expect(json.map((line) => JSON.parse(line))).toEqual([
        { type: 'progress', at: '2026-11-29T03:00:00.000Z', stage: 'ingest', subject: 'orders', phase: 'reading', done: false, rows: 0, estimatedRows: 40_000, rowsPerSecond: null, secondsLeft: null },
        { type: 'progress', at: '2026-11-29T03:00:04.000Z', stage: 'ingest', subject: 'orders', phase: 'reading', done: false, rows: 8000, estimatedRows: 40_000, rowsPerSecond: 2000, secondsLeft: 16 },
      ]);
      expect(out.lines()).toContain('ingest started');
    });
  });

  describe('on a terminal', () => {
    it('draws bars in place, with ordinary lines above them, and clears them at the end', () => {
      const out = fakeStream(true);
      const display = new ProgressDisplay({ human: out.stream, now: clock });
      display.log('ingest started');
      expect(out.text()).toBe('ingest started\n'); // no bar yet: nothing would redraw it
      display.sample(orders(now, { phase: 'reading', rows: 0 }));
      now += 4000;
      display.sample(orders(now, { phase: 'reading', rows: 8000 }));
      jest.advanceTimersByTime(1000);
      display.log('ingest customers: 10000 rows');
      display.log('ingest succeeded');
      display.stop();
      const text = out.text();
      expect(text).toContain(`${ESC}[1A`); // moves back up over its own lines
      expect(text).toContain('ingest orders');
      expect(text).toContain('8,000 of ~40,000 rows, 2,000 rows/s, ~16s left (reading)');
      // the stage above its subjects
      expect(text.indexOf('ingest: 0 of 1 done')).toBeGreaterThan(-1);
      expect(text.indexOf('ingest: 0 of 1 done')).toBeLessThan(text.indexOf('  ingest orders'));
      // each line wipes the bar it is written over, not only the first one
      expect(text).toContain(`${ESC}[2Kingest customers: 10000 rows\n${ESC}[2Kingest succeeded\n`);
      // the line printed once, and the bars drawn again under it
      const [, afterLine] = text.split('ingest customers: 10000 rows\n');
      expect(afterLine).toContain('8,000 of ~40,000 rows');
      expect(text.endsWith(`${ESC}[0J`)).toBe(true); // the bars cleared: the summary follows
      expect(text).not.toMatch(/\?25l|\?7l/); // no terminal mode a Ctrl-C would leave behind
    });

    it("replaces a finished stage's bar with the next stage's", () => {
      const out = fakeStream(true);
      const display = new ProgressDisplay({ human: out.stream, now: clock });
      display.sample(orders(now, { phase: 'reading' }));
      now += 2000;
      display.sample(orders(now, { rows: 40_000, done: true }));
      jest.advanceTimersByTime(1000);
      const before = out.text().length;
      display.sample({ stage: 'transform', subject: 'facts', phase: 'writing', at: now });
      jest.advanceTimersByTime(1000);
      display.stop();
      const later = out.text().slice(before);
      expect(later).toContain('transform: 0 of 1 done');
      expect(later).not.toContain('ingest: 1 of 1 done');
    });
  });
});
