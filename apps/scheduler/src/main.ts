// The scheduler service: schedules, run admission, the run ledger and the runs API.
import { runScheduler } from './scheduler';

void runScheduler();
