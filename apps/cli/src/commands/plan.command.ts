import type { Command } from 'commander';
import { ingestEngineOf } from '@dataops/config';
import { planPipeline, sqoopScriptPreview } from '@dataops/ingest';
import type { CliContext } from '../context';
import { requirePipeline } from '../cli-helpers';

export function registerPlan(program: Command, context: CliContext): void {
  program
    .command('plan')
    .description('show, per source table, the mode, split column, slices and estimated rows, without moving data')
    .argument('<pipeline>')
    .option('--json', 'print the plan as JSON')
    .option('--full-refresh', 'plan as if every table were read in full')
    .action((pipeline: string, options: { json?: boolean; fullRefresh?: boolean }) =>
      (async () => {
        const loaded = context.loadConfig();
        requirePipeline(loaded, pipeline);
        const plans = await planPipeline(loaded, pipeline, { fullRefresh: options.fullRefresh });
        if (options.json) {
          context.print(JSON.stringify(plans.map(({ columns, ...plan }) => ({ ...plan, columns: columns.map((c) => ({ name: c.name, mysqlType: c.mysqlType, sparkType: c.sparkType })) })), null, 2));
          return;
        }
        const definition = loaded.config.pipelines[pipeline];
        const engine = ingestEngineOf(loaded.config, definition);
        const why = definition.source.engine ? 'source.engine' : `the default for spark.master ${loaded.config.spark.master} and lake ${loaded.config.storage.lake}`;
        context.print(`engine: ${engine} (${why}; docs/engines.md)`);
        for (const plan of plans) {
          const mode = plan.mode === 'full' ? 'full' : `${plan.mode}${plan.fullSnapshot ? ' (full snapshot)' : ` since ${plan.previousWatermark?.value}`}`;
          context.print(`${plan.table}: ${mode}, ~${plan.estimatedRows} rows, ${plan.slices.length} slice(s)${plan.splitColumn ? ` on ${plan.splitColumn}` : ''}`);
          if (plan.slices.length > 1) for (const slice of plan.slices) context.print(`    ${slice}`);
        }
        if (engine === 'sqoop') {
          const source = definition.source.name ?? definition.source.connection;
          const logicalDate = new Date().toISOString().slice(0, 10);
          context.print(`\nsqoop-script.sh (RUN_ID: the run's id; the job writes sqoop-credentials with --password-file, 0600, beside it; docs/sqoop.md):\n`);
          context.print(sqoopScriptPreview(plans, { lake: loaded.config.storage.lake, pipeline, source, maxConnections: definition.source.maxConnections, logicalDate }));
        }
      })(),
    );
}
