import type { ProgressSample } from './figures';
import { ProgressTracker } from './tracker';
import { JsonLinesView, PlainLinesView, TerminalView, type Clock, type ProgressView, type TextStream } from './views';

export * from './figures';
export { ProgressTracker, samplesFromAttempts } from './tracker';
export type { TextStream } from './views';

export interface DisplayOptions {
  /** where people read: bars in place when it is a terminal, plain lines otherwise */
  human: TextStream;
  /** `--json`: JSON lines of the samples go here (and the human view still shows them) */
  json?: (line: string) => void;
  /** plain lines: at most one batch per interval */
  intervalMs?: number;
  now?: Clock;
}

/**
 * Live progress of a run for `dataops run`, `trigger --wait` and `status --follow`: samples in,
 * shown by the view that suits the output. Ordinary lines go through `log`, so on a terminal they
 * appear above the bars instead of through them.
 */
export class ProgressDisplay {
  private readonly tracker = new ProgressTracker();
  private readonly views: ProgressView[];

  constructor(options: DisplayOptions) {
    const now = options.now ?? Date.now;
    const write = (line: string) => void options.human.write(`${line}\n`);
    this.views = [options.human.isTTY ? new TerminalView(options.human, now) : new PlainLinesView(write, options.intervalMs, now)];
    if (options.json) this.views.push(new JsonLinesView(options.json, now));
  }

  sample(sample: ProgressSample): void {
    const changed = this.tracker.record(sample);
    if (!changed) return;
    const all = this.tracker.all;
    for (const view of this.views) view.changed(changed, all);
  }

  log(line: string): void {
    for (const view of this.views) view.log(line);
  }

  stop(): void {
    for (const view of this.views) view.stop();
  }
}
