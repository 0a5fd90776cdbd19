export * from './checksums';
export * from './sql';
