import { schedulesOf, type LoadedConfig } from '@dataops/config';
import { coversEveryStage } from '@dataops/contracts';
import type { CronEntry } from './block';

export interface EntryContext {
  /** absolute path of node, of bin/dataops and of the config: cron runs with a bare PATH */
  node: string;
  dataopsBin: string;
  configPath: string;
  logDir: string;
  /** the machine's time zone, which cron reads the fields in */
  systemTimeZone: string;
}

/**
 * One entry per schedule of each pipeline. Debian's cron has no CRON_TZ, so a schedule whose zone
 * is not the machine's fires every minute and `dataops trigger --if-due` decides, in the pipeline's
 * zone, whether a fire time falls in this minute. Either way the run id derives from the fire time
 * (and the stages), so cron and the scheduler service triggering the same time make one run.
 */
export function cronEntries(loaded: LoadedConfig, context: EntryContext): CronEntry[] {
  const entries: CronEntry[] = [];
  for (const [pipeline, definition] of Object.entries(loaded.config.pipelines)) {
    for (const schedule of schedulesOf(definition)) {
      const sameZone = schedule.timezone === context.systemTimeZone;
      const scoped = !coversEveryStage(schedule.stages);
      const log = `${context.logDir}/cron-${pipeline}${scoped ? `-${schedule.stages!.join('-')}` : ''}.log`;
      entries.push({
        schedule: sameZone ? schedule.cron : '* * * * *',
        comment: `pipeline ${pipeline}: "${schedule.cron}" in ${schedule.timezone}${scoped ? `, stages ${schedule.stages!.join(', ')}` : ''}`,
        command:
          `DATAOPS_CONFIG=${quote(context.configPath)} ${quote(context.node)} ${quote(context.dataopsBin)} ` +
          `trigger ${pipeline} --if-due${scoped ? ` --stages ${schedule.stages!.join(',')}` : ''} >> ${quote(log)} 2>&1`,
      });
    }
  }
  return entries;
}

function quote(text: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
