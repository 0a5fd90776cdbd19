import type { PipelineConfig, ScheduleConfig } from './schema';

/** Every schedule of a pipeline: `schedules`, or the single `schedule`, or none (on demand only). */
export function schedulesOf(definition: Pick<PipelineConfig, 'schedule' | 'schedules'>): ScheduleConfig[] {
  return definition.schedules ?? (definition.schedule ? [definition.schedule] : []);
}
