import { Format, MultiBar, type GenericFormatter, type SingleBar } from 'cli-progress';
import type { StageName } from '@dataops/contracts';
import { describeFigures, describeStage, describeSubject, isActive, stageFigures, subjectFigures, type SubjectState } from './figures';

/** Where a view writes: process.stdout or process.stderr, or a fake one in tests. */
export interface TextStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** One way of showing progress; `log` prints an ordinary line (a stage started, a table finished). */
export interface ProgressView {
  changed(state: SubjectState, all: SubjectState[]): void;
  log(line: string): void;
  stop(): void;
}

export type Clock = () => number;

/** `--json`: one object per sample that brought new figures; ordinary lines are not its business. */
export class JsonLinesView implements ProgressView {
  constructor(
    private readonly write: (line: string) => void,
    private readonly now: Clock = Date.now,
  ) {}

  changed(state: SubjectState): void {
    const figures = subjectFigures(state, this.now());
    this.write(
      JSON.stringify({
        type: 'progress',
        at: new Date(state.lastAt).toISOString(),
        stage: state.stage,
        subject: state.subject,
        phase: state.phase ?? null,
        done: state.done,
        rows: figures.rows,
        estimatedRows: figures.estimatedRows ?? null,
        rowsPerSecond: figures.rowsPerSecond === undefined ? null : Math.round(figures.rowsPerSecond),
        secondsLeft: figures.secondsLeft === undefined ? null : Math.round(figures.secondsLeft),
      }),
    );
  }

  log(): void {}

  stop(): void {}
}

/**
 * No terminal (CI, a pipe, a log file): what changed, at most once per interval, each line once.
 * A subject's finish is not printed here: the stage's own `ingest orders: N rows` line says it.
 */
export class PlainLinesView implements ProgressView {
  private readonly pending = new Map<string, SubjectState>();
  private readonly printed = new Set<string>();
  private all: SubjectState[] = [];
  private lastFlush = -Infinity;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly write: (line: string) => void,
    private readonly intervalMs = 5000,
    private readonly now: Clock = Date.now,
  ) {}

  changed(state: SubjectState, all: SubjectState[]): void {
    this.all = all;
    this.pending.set(`${state.stage}/${state.subject}`, state);
    const wait = this.lastFlush + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait).unref();
  }

  log(line: string): void {
    this.write(line);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.stop();
    this.lastFlush = this.now();
    const changed = [...this.pending.values()];
    this.pending.clear();
    const lines = [
      ...changed.filter(isActive).map((state) => describeSubject(state, this.lastFlush)),
      ...stagesOf(changed)
        .map((stage) => stageFigures(stage, this.all, this.lastFlush))
        .filter((figures) => figures.subjects > 1)
        .map(describeStage),
    ];
    for (const line of lines) this.once(`  ${line}`);
  }

  private once(line: string): void {
    if (this.printed.has(line)) return;
    this.printed.add(line);
    this.write(line);
  }
}

interface BarPayload {
  label: string;
  text: string;
  fraction?: number;
}

const LABEL_WIDTH = 34;
const CLEAR_LINE = '\x1b[2K';

const formatBar: GenericFormatter = (options, _params, payload: BarPayload) =>
  `${payload.label.padEnd(LABEL_WIDTH)} ${payload.fraction === undefined ? ''.padEnd(options.barsize ?? 20) : Format.BarFormat(payload.fraction, options)} ${payload.text}`;

/**
 * A terminal: a bar per stage and per subject moving, redrawn in place (cli-progress), rows/s and
 * time left recomputed at each redraw so the estimate counts down between samples. Ordinary lines
 * are printed above the bars.
 */
export class TerminalView implements ProgressView {
  private readonly bars: MultiBar;
  private readonly subjectBars = new Map<string, SingleBar>();
  private readonly stageBars = new Map<StageName, SingleBar>();
  private all: SubjectState[] = [];

  constructor(
    private readonly stream: TextStream,
    private readonly now: Clock = Date.now,
  ) {
    this.bars = new MultiBar({
      stream: stream as NodeJS.WritableStream,
      format: formatBar,
      barsize: 20,
      fps: 4,
      // no terminal modes to restore (hidden cursor, no line wrap): a Ctrl-C kills the command
      // before it could restore them; lines are cut to the terminal's width instead
      hideCursor: false,
      linewrap: true,
      clearOnComplete: true,
      autopadding: true,
      // lines logged above the bars overwrite them: draw every bar at each redraw, changed or not
      forceRedraw: true,
    });
    this.bars.on('redraw-pre', () => this.refresh());
  }

  changed(state: SubjectState, all: SubjectState[]): void {
    this.all = all;
    if (!this.stageBars.has(state.stage)) this.startStage(state.stage);
    const key = `${state.stage}/${state.subject}`;
    const bar = this.subjectBars.get(key);
    if (!isActive(state)) {
      if (bar) this.bars.remove(bar);
      this.subjectBars.delete(key);
    } else if (!bar) {
      this.subjectBars.set(key, this.bars.create(1, 0, this.subjectPayload(state)));
    }
  }

  log(line: string): void {
    // lines logged with bars wait for their redraw (a fraction of a second); with none, nothing redraws
    // each line clears the bar it is written over (cli-progress clears only the first of several)
    if (this.drawing) this.bars.log(`${CLEAR_LINE}${line}\n`);
    else this.stream.write(`${line}\n`);
  }

  stop(): void {
    // log lines wait for the next redraw: draw once more so none is lost, then clear the bars
    this.bars.update();
    this.bars.stop();
  }

  private get drawing(): boolean {
    return this.stageBars.size > 0;
  }

  /** A new stage: the bars of the stages before it, finished, make room for it. */
  private startStage(stage: StageName): void {
    for (const [other, bar] of this.stageBars) {
      if (this.all.some((state) => state.stage === other && isActive(state))) continue;
      this.bars.remove(bar);
      this.stageBars.delete(other);
    }
    this.stageBars.set(stage, this.bars.create(1, 0, this.stagePayload(stage)));
  }

  private refresh(): void {
    for (const [stage, bar] of this.stageBars) bar.update(this.stagePayload(stage));
    for (const state of this.all) this.subjectBars.get(`${state.stage}/${state.subject}`)?.update(this.subjectPayload(state));
  }

  private subjectPayload(state: SubjectState): BarPayload {
    const figures = subjectFigures(state, this.now());
    const text = [describeFigures(figures), state.phase ? `(${state.phase})` : ''].filter(Boolean).join(' ');
    return { label: `  ${state.stage} ${state.subject}`, text, fraction: fractionOf(figures.rows, figures.estimatedRows) };
  }

  private stagePayload(stage: StageName): BarPayload {
    const figures = stageFigures(stage, this.all, this.now());
    return { label: `${stage}: ${figures.done} of ${figures.subjects} done`, text: describeFigures(figures), fraction: fractionOf(figures.rows, figures.estimatedRows) };
  }
}

function fractionOf(rows: number, estimated: number | undefined): number | undefined {
  return estimated ? Math.min(1, rows / estimated) : undefined;
}

function stagesOf(states: SubjectState[]): StageName[] {
  return [...new Set(states.map((state) => state.stage))];
}
