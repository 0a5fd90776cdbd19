export * from './admission';
export * from './run-state';
export * from './ledger';
