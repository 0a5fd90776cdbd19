export * from './schema';
export * from './errors';
export * from './secrets';
export * from './database-tls';
export * from './loader';
export { storageLocation } from './resolve-paths';
export * from './duration';
export * from './schedules';
export * from './ingest-engine';
