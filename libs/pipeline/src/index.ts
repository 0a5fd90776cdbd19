export * from './stages';
export * from './chain';
export * from './stage-executor';
export * from './in-process';
export * from './create-stages';
export * from './work-runner';
