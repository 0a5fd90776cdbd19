export * from './kafka-client';
export * from './publisher';
export * from './consumer';
