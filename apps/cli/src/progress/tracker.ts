import type { StageName } from '@dataops/contracts';
import { nextState, type ProgressSample, type SubjectState } from './figures';

/**
 * Every subject's latest state. The runs API hands back the same stored figures on each poll, so
 * `record` says whether a sample brought anything new: only new figures are shown or printed.
 */
export class ProgressTracker {
  private readonly states = new Map<string, SubjectState>();

  record(sample: ProgressSample): SubjectState | undefined {
    const key = `${sample.stage}/${sample.subject}`;
    const previous = this.states.get(key);
    const next = nextState(previous, sample);
    if (previous && sameFigures(previous, next)) return undefined;
    this.states.set(key, next);
    return next;
  }

  get all(): SubjectState[] {
    return [...this.states.values()];
  }

  stages(): StageName[] {
    return [...new Set(this.all.map((state) => state.stage))];
  }
}

function sameFigures(a: SubjectState, b: SubjectState): boolean {
  return a.rows === b.rows && a.phase === b.phase && a.done === b.done && a.estimatedRows === b.estimatedRows;
}

interface StoredFigures {
  rows?: number;
  estimatedRows?: number;
  phase?: string;
  at?: string;
  startedAt?: string;
}

interface AttemptRow {
  stage?: StageName;
  attempt?: number;
  progress?: Record<string, StoredFigures> | null;
}

/**
 * The progress the stage services store on their work rows (runs API `attempts`), as samples of
 * the run's current attempt, timed by the stage's own clock (`at`) so rates survive slow polling.
 */
export function samplesFromAttempts(attempts: Record<string, unknown>[], attempt: number, now = Date.now()): ProgressSample[] {
  const samples: ProgressSample[] = [];
  for (const row of attempts as AttemptRow[]) {
    if (row.attempt !== attempt || !row.stage) continue;
    for (const [subject, figures] of Object.entries(row.progress ?? {})) {
      samples.push({
        stage: row.stage,
        subject,
        rows: figures.rows,
        estimatedRows: figures.estimatedRows,
        phase: figures.phase,
        done: figures.phase === 'done',
        at: timeOf(figures.at) ?? now,
        startedAt: timeOf(figures.startedAt),
      });
    }
  }
  return samples;
}

function timeOf(text: string | undefined): number | undefined {
  const time = text ? Date.parse(text) : NaN;
  return Number.isNaN(time) ? undefined : time;
}
