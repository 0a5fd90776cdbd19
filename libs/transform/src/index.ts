export * from './warehouse-publisher';
export * from './models';
export * from './transform-job';
export * from './transform-stage';
export * from './model-statement';
