import { z } from 'zod';
import { stageNames, type StageName } from './topics';

/**
 * The stages a run covers. A run may import only (hourly), or build and send only (at midnight,
 * from whatever the lake has committed): one or more stages, in chain order, without a gap. Export
 * never runs alone: it sends the models its own run's transform built.
 */
export function stageSelectionProblem(stages: readonly string[]): string | undefined {
  if (stages.length === 0) return 'name at least one stage (ingest, transform, export)';
  const unknown = stages.filter((stage) => !(stageNames as readonly string[]).includes(stage));
  if (unknown.length > 0) return `unknown stage ${unknown.map((stage) => `"${stage}"`).join(', ')}: the stages are ingest, transform, export`;
  if (new Set(stages).size !== stages.length) return `a stage is listed twice: ${stages.join(', ')}`;
  const positions = stages.map((stage) => stageNames.indexOf(stage as StageName));
  if (positions.some((position, index) => index > 0 && position !== positions[index - 1] + 1)) {
    return `stages ${stages.join(', ')}: list them in chain order (ingest, transform, export) without a gap`;
  }
  if (stages[0] === 'export') return 'export cannot run alone: it sends the models its run\'s transform built; use [transform, export]';
  return undefined;
}

export const stageSelection = z
  .array(z.enum(stageNames))
  .superRefine((stages, context) => {
    const problem = stageSelectionProblem(stages);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

/** The stages a run, request or event covers: all three when it names none (older producers too). */
export function stagesOf(holder: { stages?: readonly StageName[] | null } | undefined): StageName[] {
  return holder?.stages && holder.stages.length > 0 ? [...holder.stages] : [...stageNames];
}

export function coversEveryStage(stages: readonly StageName[] | undefined): boolean {
  return !stages || stageNames.every((stage) => stages.includes(stage));
}

/** `ingest,transform` from the command line; a clear error naming the bad part. */
export function parseStageList(text: string): StageName[] {
  const stages = text
    .split(',')
    .map((stage) => stage.trim())
    .filter(Boolean);
  const problem = stageSelectionProblem(stages);
  if (problem) throw new Error(`--stages ${text}: ${problem}`);
  return stages as StageName[];
}

/** Two runs compete (overlap, concurrency) only when they cover a stage in common. */
export function stagesOverlap(a: readonly StageName[] | undefined, b: readonly StageName[] | undefined): boolean {
  const left = a && a.length > 0 ? a : stageNames;
  const right = b && b.length > 0 ? b : stageNames;
  return left.some((stage) => right.includes(stage));
}
