import type { RegisterCommand } from '../context';
import { registerCrontab } from './crontab.command';
import { registerPlan } from './plan.command';
import { registerReport } from './report.command';
import { registerRun } from './run.command';
import { registerRunsApi } from './runs.command';
import { registerSchedule } from './schedule.command';
import { registerTrigger } from './trigger.command';
import { registerValidateCommand } from './validate.command';

/** Every `dataops` command: a new command is one file here and one line below. */
export const commands: RegisterCommand[] = [
  registerValidateCommand,
  registerPlan,
  registerRun,
  registerTrigger,
  registerSchedule,
  registerRunsApi,
  registerCrontab,
  registerReport,
];
