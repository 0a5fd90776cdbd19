import type { Command } from 'commander';
import { schedulesOf } from '@dataops/config';
import { stagesOf } from '@dataops/contracts';
import { formatInZone, nextFireTimes, scheduledRunId } from '@dataops/schedule';
import type { CliContext } from '../context';
import { requirePipeline } from '../cli-helpers';

export function registerSchedule(program: Command, context: CliContext): void {
  program
    .command('schedule')
    .description('the next fire times of each schedule, in its time zone and in UTC')
    .argument('[pipeline]')
    .option('--next <n>', 'how many fire times', '5')
    .action((pipeline: string | undefined, options: { next: string }) =>
      (async () => {
        const loaded = context.loadConfig();
        if (pipeline) requirePipeline(loaded, pipeline);
        for (const [name, definition] of Object.entries(loaded.config.pipelines)) {
          if (pipeline && name !== pipeline) continue;
          const schedules = schedulesOf(definition);
          if (schedules.length === 0) {
            context.print(`${name}: no schedule (runs on demand only)`);
            continue;
          }
          for (const schedule of schedules) {
            const covers = `stages ${stagesOf(schedule).join(', ')}`;
            context.print(`${name}: "${schedule.cron}" in ${schedule.timezone}, ${covers} (overlap ${schedule.overlap}, catch-up ${schedule.catchup})`);
            for (const time of nextFireTimes(schedule.cron, schedule.timezone, Number(options.next))) {
              context.print(`  ${formatInZone(time, schedule.timezone).padEnd(28)} ${time.toISOString()}  ${scheduledRunId(name, time, schedule.stages)}`);
            }
          }
        }
      })(),
    );
}
