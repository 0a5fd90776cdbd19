// The transform service: consumes the event that starts the transform stage, runs it, announces the outcome.
import { runStageService } from '@dataops/service';

void runStageService('transform', 8083);
