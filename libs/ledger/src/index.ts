export * from './admission';
export * from './run-state';
export * from './control-db';
export * from './outbox';
export * from './work-queue';
export * from './ledger';
export * from './run-coordinator';
