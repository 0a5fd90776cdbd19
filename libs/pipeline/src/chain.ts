import {
  Topics,
  ingestCompletedV1,
  runAdmittedV1,
  stagesOf,
  transformCompletedV1,
  type Envelope,
  type StageName,
  type Topic,
} from '@dataops/contracts';
import type { StageRunOptions } from '@dataops/stage';
import type { Stages } from './stages';

/**
 * The whole job chain in one table: which events may start which stage, and which events the
 * stage announces. The services and `dataops run` both read it.
 */
export interface ChainLink {
  stage: StageName;
  /** the topics a stage service subscribes to: the run's admission, the previous stage's completion */
  triggers: Topic[];
  started: Topic;
  completed: Topic;
  failed: Topic;
  run(stages: Stages, event: Envelope, options: StageRunOptions): Promise<unknown>;
}

const requestOf = (event: Envelope, logicalDate: string) => ({ runId: event.runId, pipeline: event.pipeline, logicalDate });

export const chain: readonly ChainLink[] = [
  {
    stage: 'ingest',
    triggers: [Topics.runAdmitted],
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
    // a run that starts at transform builds from whatever the lake has committed
    triggers: [Topics.ingestCompleted, Topics.runAdmitted],
    started: Topics.transformStarted,
    completed: Topics.transformCompleted,
    failed: Topics.transformFailed,
    run: (stages, event, options) => {
      const payload = event.type === Topics.runAdmitted ? runAdmittedV1.parse(event.payload) : ingestCompletedV1.parse(event.payload);
      return stages.transform.execute({ ...requestOf(event, payload.logicalDate), fullRefresh: payload.fullRefresh }, options);
    },
  },
  {
    stage: 'export',
    triggers: [Topics.transformCompleted],
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

/**
 * Whether this event starts this stage for its run: the stage is one the run covers, and the event
 * is the run's admission when the stage comes first, or the completion of the stage before it.
 * (An all-stage run's admission reaches the transform service too, and starts nothing there.)
 */
export function startsStage(link: ChainLink, event: Envelope): boolean {
  const covered = stagesOf(event);
  if (!covered.includes(link.stage) || !link.triggers.includes(event.type as Topic)) return false;
  if (event.type === Topics.runAdmitted) return covered[0] === link.stage;
  return true;
}

/** The links a run covers, in order. */
export function linksOf(stages: readonly StageName[]): ChainLink[] {
  return chain.filter((link) => stages.includes(link.stage));
}
