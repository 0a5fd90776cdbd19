import type { ScheduleConfig } from '@dataops/config';
import type { StageName } from '@dataops/contracts';
import type { StageLogger } from '@dataops/stage';
import { dateInZone } from './fire-times';
import { dueFireTimes } from './missed-runs';

export interface ScheduleState {
  lastChecked(pipeline: string): Promise<Date | undefined>;
  setLastChecked(pipeline: string, at: Date): Promise<void>;
}

export interface ScheduledRun {
  pipeline: string;
  fireTime: Date;
  logicalDate: string;
  /** the stages the schedule covers; undefined: all */
  stages?: StageName[];
}

/**
 * Publishes a run request for every fire time that came due since the last tick. The request's
 * run id derives from the fire time, so a tick repeated after a crash (or by a second replica)
 * requests the same run again, which the ledger admits once.
 */
export class ScheduleTicker {
  constructor(
    /** every schedule of each pipeline (a pipeline may import hourly and build nightly) */
    private readonly schedules: Record<string, ScheduleConfig[]>,
    private readonly state: ScheduleState,
    private readonly requestRun: (run: ScheduledRun) => Promise<void>,
    private readonly logger: StageLogger,
    private readonly graceMs: number,
  ) {}

  async tick(now: Date = new Date()): Promise<ScheduledRun[]> {
    const requested: ScheduledRun[] = [];
    for (const [pipeline, schedules] of Object.entries(this.schedules)) {
      // one check time per pipeline: every schedule of it is looked at in the same tick
      const last = await this.state.lastChecked(pipeline);
      if (last) {
        for (const schedule of schedules) {
          for (const fireTime of dueFireTimes(schedule, last, now, this.graceMs)) {
            const run: ScheduledRun = { pipeline, fireTime, logicalDate: dateInZone(fireTime, schedule.timezone), stages: schedule.stages };
            this.logger.info('schedule fired', { pipeline, fireTime: fireTime.toISOString(), stages: (schedule.stages ?? ['all']).join(',') });
            await this.requestRun(run);
            requested.push(run);
          }
        }
      }
      await this.state.setLastChecked(pipeline, now);
    }
    return requested;
  }
}
