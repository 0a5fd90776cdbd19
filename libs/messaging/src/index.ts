export * from './kafka-client';
export * from './publisher';
export * from './consumer';
export * from './topic-settings';
