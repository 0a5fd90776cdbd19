import { stageNames, stagesOf, type StageName } from '@dataops/contracts';
import type { PipelineConfig, ScheduleConfig } from './schema';

/** Every schedule of a pipeline: `schedules`, or the single `schedule`, or none (on demand only). */
export function schedulesOf(definition: Pick<PipelineConfig, 'schedule' | 'schedules'>): ScheduleConfig[] {
  return definition.schedules ?? (definition.schedule ? [definition.schedule] : []);
}

/**
 * The last stage the pipeline's schedules run (export, unless every schedule stops earlier): a
 * run that covers it refreshed what the pipeline delivers. An hourly import alone does not, so the
 * staleness alert still fires when the nightly build keeps failing.
 */
export function deliveringStage(definition: Pick<PipelineConfig, 'schedule' | 'schedules'>): StageName {
  const scheduled = schedulesOf(definition).flatMap((schedule) => stagesOf(schedule));
  return stageNames.filter((stage) => scheduled.length === 0 || scheduled.includes(stage)).at(-1)!;
}
