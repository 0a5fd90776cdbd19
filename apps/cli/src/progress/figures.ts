import type { StageName } from '@dataops/contracts';

/** One report of a table (ingest), model (transform) or target (export), with when it was true. */
export interface ProgressSample {
  stage: StageName;
  subject: string;
  rows?: number;
  estimatedRows?: number;
  phase?: string;
  done?: boolean;
  /** epoch ms at which the figures were true (the stage's clock when the ledger stored it) */
  at: number;
  /** epoch ms at which the subject started moving rows, when the stage recorded it */
  startedAt?: number;
}

/** What is known of one subject: its latest figures and where its rate is measured from. */
export interface SubjectState {
  stage: StageName;
  subject: string;
  rows: number;
  estimatedRows?: number;
  phase?: string;
  done: boolean;
  /** the first active sample (rows, time): rows/s are counted from here */
  from?: { rows: number; at: number };
  lastAt: number;
}

/** Planned but not started: carries the row estimate only, and starts no clock. */
export const QUEUED = 'queued';

export function isActive(state: SubjectState): boolean {
  return !state.done && state.phase !== QUEUED;
}

/** Folds a sample into what was known of its subject (undefined: first sample). */
export function nextState(previous: SubjectState | undefined, sample: ProgressSample): SubjectState {
  const rows = sample.rows ?? previous?.rows ?? 0;
  const phase = sample.done ? 'done' : (sample.phase ?? previous?.phase);
  const state: SubjectState = {
    stage: sample.stage,
    subject: sample.subject,
    rows,
    estimatedRows: sample.estimatedRows ?? previous?.estimatedRows,
    phase,
    done: sample.done ?? previous?.done ?? phase === 'done',
    from: previous?.from,
    lastAt: sample.at,
  };
  if (!state.from && phase !== QUEUED) {
    // a stored start means the rows were 0 then; otherwise the clock starts at this first sighting
    state.from = sample.startedAt !== undefined ? { rows: 0, at: sample.startedAt } : { rows, at: sample.at };
  }
  return state;
}

/** Rows per second between two points; undefined until at least a second and one row apart. */
export function rowsPerSecond(from: { rows: number; at: number } | undefined, rows: number, at: number): number | undefined {
  if (!from) return undefined;
  const seconds = (at - from.at) / 1000;
  const moved = rows - from.rows;
  if (seconds < 1 || moved <= 0) return undefined;
  return moved / seconds;
}

/** Seconds until `estimated` rows at `rate`, counted from `at` to `now`; undefined without both. */
export function secondsLeft(rows: number, estimated: number | undefined, rate: number | undefined, at: number, now: number): number | undefined {
  if (estimated === undefined || rate === undefined || rate <= 0) return undefined;
  const remaining = Math.max(0, estimated - rows);
  return Math.max(0, remaining / rate - Math.max(0, now - at) / 1000);
}

/** 1234567 -> "1,234,567" */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** 3400 -> "3,400 rows/s", 12345 -> "12.3k rows/s", 2.5e6 -> "2.5M rows/s" */
export function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(1)}M rows/s`;
  if (rate >= 1e4) return `${(rate / 1e3).toFixed(1)}k rows/s`;
  return `${formatCount(rate)} rows/s`;
}

/** 42 -> "42s", 125 -> "2m05s", 3725 -> "1h02m" */
export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

/** The figures of a subject, computed as of `now`. */
export interface SubjectFigures {
  rows: number;
  estimatedRows?: number;
  rowsPerSecond?: number;
  secondsLeft?: number;
}

export function subjectFigures(state: SubjectState, now: number): SubjectFigures {
  const rate = rowsPerSecond(state.from, state.rows, state.lastAt);
  const left = state.done ? undefined : secondsLeft(state.rows, state.estimatedRows, rate, state.lastAt, now);
  return { rows: state.rows, estimatedRows: state.estimatedRows, rowsPerSecond: rate, secondsLeft: left };
}

/**
 * A stage as a whole: its rows over the time since its first subject started, and the time left
 * for the rows its unfinished subjects are still expected to bring.
 */
export interface StageFigures extends SubjectFigures {
  stage: StageName;
  done: number;
  subjects: number;
}

export function stageFigures(stage: StageName, states: SubjectState[], now: number): StageFigures {
  const mine = states.filter((state) => state.stage === stage);
  const rows = sum(mine.map((state) => state.rows));
  const starts = mine.flatMap((state) => (state.from ? [state.from.at] : []));
  const lastAt = Math.max(...mine.map((state) => state.lastAt));
  const rate = starts.length ? rowsPerSecond({ rows: 0, at: Math.min(...starts) }, rows, lastAt) : undefined;
  const estimates = mine.filter((state) => state.estimatedRows !== undefined);
  const estimatedRows = estimates.length === mine.length && mine.length > 0 ? sum(mine.map((state) => Math.max(state.rows, state.estimatedRows!))) : undefined;
  const remaining = sum(mine.filter((state) => !state.done && state.estimatedRows !== undefined).map((state) => Math.max(0, state.estimatedRows! - state.rows)));
  const left = estimatedRows === undefined ? undefined : secondsLeft(0, remaining, rate, lastAt, now);
  return { stage, rows, estimatedRows, rowsPerSecond: rate, secondsLeft: left, done: mine.filter((state) => state.done).length, subjects: mine.length };
}

/** `12,000 of ~50,000 rows, 3,400 rows/s, ~11s left` (only the parts that are known; no rows yet: empty) */
export function describeFigures(figures: SubjectFigures): string {
  const parts: string[] = [];
  // a model being written or a file being sent has no count until it is done: "0 rows" would mislead
  if (figures.rows > 0 || figures.estimatedRows !== undefined) parts.push(`${formatCount(figures.rows)}${figures.estimatedRows !== undefined ? ` of ~${formatCount(figures.estimatedRows)}` : ''} rows`);
  if (figures.rowsPerSecond !== undefined) parts.push(formatRate(figures.rowsPerSecond));
  if (figures.secondsLeft !== undefined) parts.push(`~${formatDuration(figures.secondsLeft)} left`);
  return parts.join(', ');
}

/**
 * `ingest  orders  12,000 of ~50,000 rows, 3,400 rows/s, ~11s left (reading)`. No colon after the
 * subject: `ingest orders: N rows` is the one line that says a subject is finished.
 */
export function describeSubject(state: SubjectState, now: number): string {
  const detail = [describeFigures(subjectFigures(state, now)), state.phase ? `(${state.phase})` : ''].filter(Boolean).join(' ');
  return [state.stage, state.subject, detail].filter(Boolean).join('  ');
}

/** `ingest  5 of 16 done  120,000 of ~1,000,000 rows, 30.0k rows/s, ~29s left` */
export function describeStage(figures: StageFigures): string {
  return [figures.stage, `${figures.done} of ${figures.subjects} done`, describeFigures(figures)].filter(Boolean).join('  ');
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
