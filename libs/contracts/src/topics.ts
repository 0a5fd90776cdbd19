/** One topic per event type; the topic name is the event type. Key = pipeline name. */
export const Topics = {
  runRequested: 'dataops.run.requested',
  /** published by the scheduler once a request passed its dedupe, overlap and concurrency rules */
  runAdmitted: 'dataops.run.admitted',
  ingestStarted: 'dataops.ingest.started',
  ingestCompleted: 'dataops.ingest.completed',
  ingestFailed: 'dataops.ingest.failed',
  transformStarted: 'dataops.transform.started',
  transformCompleted: 'dataops.transform.completed',
  transformFailed: 'dataops.transform.failed',
  exportStarted: 'dataops.export.started',
  exportCompleted: 'dataops.export.completed',
  exportFailed: 'dataops.export.failed',
  runFinished: 'dataops.run.finished',
  deadLetter: 'dataops.dlq',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];
export const allTopics: readonly Topic[] = Object.values(Topics);

export const stageNames = ['ingest', 'transform', 'export'] as const;
export type StageName = (typeof stageNames)[number];
