export * from './admission';
export * from './run-state';
export * from './ledger';
export * from './run-coordinator';
