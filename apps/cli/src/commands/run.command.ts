import type { Command } from 'commander';
import { createStages, runInProcess } from '@dataops/pipeline';
import { manualRunId } from '@dataops/schedule';
import type { StageLogger } from '@dataops/stage';
import type { CliContext } from '../context';
import { ExitCode } from '../exit-codes';
import { dateOption, requirePipeline, runIdArgument, stagesOption, today } from '../cli-helpers';
import { printSummary } from '../summary-report';
import { ProgressDisplay } from '../progress';

export function registerRun(program: Command, context: CliContext): void {
  program
    .command('run')
    .description('run the stages in this process, without Kafka (the same code as the services)')
    .argument('<pipeline>')
    .option('--tables <list>', 'only these source tables (comma-separated)')
    .option('--full-refresh', 'read every table in full')
    .option('--stages <list>', 'only these stages, in order: ingest | ingest,transform | transform | transform,export (default: all)')
    .option('--date <YYYY-MM-DD>', 'logical date (load_date and ${logical_date})', today())
    .option('--run-id <id>', 'run id: letters, digits, _ and - (default: a new one); reusing one re-announces what it committed')
    .option('--json', 'print the run summary as JSON')
    .option('-v, --verbose', 'print Spark log lines')
    .action((pipeline: string, options: { tables?: string; fullRefresh?: boolean; stages?: string; date: string; runId?: string; json?: boolean; verbose?: boolean }) =>
      (async () => {
        const loaded = context.loadConfig();
        requirePipeline(loaded, pipeline);
        const stages = stagesOption(options.stages);
        dateOption(options.date);
        const runId = options.runId === undefined ? manualRunId(pipeline) : runIdArgument(options.runId, '--run-id');
        const display = new ProgressDisplay({ human: context.humanStream(options.json ?? false), json: options.json ? (line) => context.print(line) : undefined });
        const out = (line: string) => display.log(line);
        const controller = new AbortController();
        process.once('SIGINT', () => controller.abort());
        process.once('SIGTERM', () => controller.abort());
        out(`run ${runId} of ${pipeline} for ${options.date}${stages ? ` (stages: ${stages.join(', ')})` : ''}`);
        const summary = await runInProcess(
          createStages(loaded),
          {
            runId,
            pipeline,
            request: { trigger: 'cli', logicalDate: options.date, fullRefresh: options.fullRefresh ?? false, tables: options.tables?.split(','), stages, attempt: 1 },
          },
          // the stages' own info lines say it all: each stage's start and end, one line per table, model and target
          terminalLogger(out, options.verbose ?? false),
          { onProgress: (_pipeline, progress) => progress.subject && display.sample({ ...progress, subject: progress.subject, at: Date.now() }) },
          controller.signal,
        ).finally(() => display.stop());
        // --json: JSON lines, the progress samples first and the run summary last
        if (options.json) context.print(JSON.stringify(summary));
        else printSummary(summary, context.print.bind(context), loaded);
        if (summary.status !== 'succeeded') context.fail(ExitCode.failed);
      })(),
    );
}

function terminalLogger(out: (line: string) => void, verbose: boolean): StageLogger {
  return {
    debug: (message) => verbose && out(`      ${message}`),
    info: (message) => out(`  ${message}`),
    warn: (message, fields) => out(`  warning: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
    error: (message, fields) => out(`  error: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
  };
}
