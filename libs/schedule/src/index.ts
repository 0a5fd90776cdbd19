export * from './fire-times';
export * from './run-id';
export * from './missed-runs';
export * from './schedule-ticker';
