export * from './type-mapping';
export * from './mysql-catalog';
export * from './planner';
export * from './table-selection';
export * from './ingest-job';
export * from './ingest-stage';
export * from './plan-pipeline';
export * from './sqoop-script';
