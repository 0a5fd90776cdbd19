export * from './topics';
export * from './summary';
export * from './events';
export * from './make-envelope';
export * from './event-docs';
export * from './stage-selection';
