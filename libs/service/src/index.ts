export * from './service-env';
export * from './service-context';
export * from './bootstrap';
export * from './probes';
export * from './stage-service';
