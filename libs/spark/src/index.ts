export * from './settings';
export * from './runner';
export * from './outcome';
export * from './warm-driver';
