export * from './runs-api-client';
export * from './follow-run';
