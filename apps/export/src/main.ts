// The export service: consumes the event that starts the export stage, runs it, announces the outcome.
import { runStageService } from '@dataops/service';

void runStageService('export', 8084);
