export * from './paths';
export * from './manifest';
export * from './lake-store';
export * from './manifest-repository';
export * from './current-view';
export * from './webhdfs-store';
