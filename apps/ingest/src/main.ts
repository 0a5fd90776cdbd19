// The ingest service: consumes the event that starts the ingest stage, runs it, announces the outcome.
import { runStageService } from '@dataops/service';

void runStageService('ingest', 8082);
