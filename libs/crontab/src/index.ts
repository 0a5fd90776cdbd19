export * from './block';
export * from './entries';
export * from './crontab-repository';
