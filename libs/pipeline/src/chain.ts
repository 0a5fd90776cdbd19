import {
  Topics,
  ingestCompletedV1,
  runAdmittedV1,
  transformCompletedV1,
  type Envelope,
  type StageName,
  type Topic,
} from '@dataops/contracts';
import type { StageRunOptions } from '@dataops/stage';
import type { Stages } from './stages';

/**
 * The whole job chain in one table: which event starts which stage, and which events the stage
 * announces. The services and `dataops run` both read it.
 */
export interface ChainLink {
  stage: StageName;
  trigger: Topic;
  started: Topic;
  completed: Topic;
  failed: Topic;
  run(stages: Stages, event: Envelope, options: StageRunOptions): Promise<unknown>;
}

const requestOf = (event: Envelope, logicalDate: string) => ({ runId: event.runId, pipeline: event.pipeline, logicalDate });

export const chain: readonly ChainLink[] = [
  {
    stage: 'ingest',
    trigger: Topics.runAdmitted,
    started: Topics.ingestStarted,
    completed: Topics.ingestCompleted,
    failed: Topics.ingestFailed,
    run: (stages, event, options) => {
      const request = runAdmittedV1.parse(event.payload);
      return stages.ingest.execute(
        { ...requestOf(event, request.logicalDate), tables: request.tables, fullRefresh: request.fullRefresh },
        options,
      );
    },
  },
  {
    stage: 'transform',
    trigger: Topics.ingestCompleted,
    started: Topics.transformStarted,
    completed: Topics.transformCompleted,
    failed: Topics.transformFailed,
    run: (stages, event, options) => {
      const payload = ingestCompletedV1.parse(event.payload);
      return stages.transform.execute({ ...requestOf(event, payload.logicalDate), fullRefresh: payload.fullRefresh }, options);
    },
  },
  {
    stage: 'export',
    trigger: Topics.transformCompleted,
    started: Topics.exportStarted,
    completed: Topics.exportCompleted,
    failed: Topics.exportFailed,
    run: (stages, event, options) => {
      const payload = transformCompletedV1.parse(event.payload);
      return stages.export.execute({ ...requestOf(event, payload.logicalDate), models: payload.models }, options);
    },
  },
];

export function linkFor(stage: StageName): ChainLink {
  const link = chain.find((candidate) => candidate.stage === stage);
  if (!link) throw new Error(`no chain link for stage ${stage}`);
  return link;
}
