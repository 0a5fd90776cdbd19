export * from './stages';
export * from './chain';
export * from './stage-worker';
export * from './in-process';
export * from './create-stages';
