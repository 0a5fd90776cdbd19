export * from './settings';
export * from './runner';
export * from './outcome';
