// first: a `dataops run` starts its Python job process before the other modules load (early-python.ts)
import './early-python';
import { Command, CommanderError } from 'commander';
import { CliContext, type CliOutput } from './context';
import { commands } from './commands';
import { describeError, ExitCode, exitCodeOf } from './exit-codes';

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  terminals: { stdout: process.stdout, stderr: process.stderr },
};

/** The `dataops` program with every command registered; parsing never calls process.exit. */
export function buildProgram(output: CliOutput, env: NodeJS.ProcessEnv = process.env): { program: Command; context: CliContext } {
  const program = new Command('dataops');
  const context = new CliContext(program, output, env);
  program
    .description('MySQL -> lake -> Spark -> warehouse -> BI: validate, plan, run and follow pipelines')
    .option('-c, --config <file>', 'the pipeline config (default: $DATAOPS_CONFIG, else ./dataops.yaml)')
    .showHelpAfterError('(run dataops --help for usage)')
    .configureOutput({ writeOut: output.stdout, writeErr: output.stderr })
    .exitOverride();
  for (const register of commands) register(program, context);
  // commander copies exitOverride and output settings to subcommands only when they are created
  // after it is set, so registration comes last and every subcommand inherits them
  return { program, context };
}

/** Runs the command line and returns the exit code: 0 ok, 1 failed, 2 bad usage or bad config. */
export async function runCli(argv: readonly string[], output: CliOutput = processOutput, env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  const { program, context } = buildProgram(output, env);
  if (argv.length === 0) {
    output.stderr(program.helpInformation());
    return ExitCode.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return context.result;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error);
    output.stderr(`${describeError(error)}\n`);
    return exitCodeOf(error);
  }
}

/** Help and version are successes; every other commander error is bad usage (exit 2, not its 1). */
function commanderExitCode(error: CommanderError): ExitCode {
  const informational = ['commander.helpDisplayed', 'commander.help', 'commander.version'];
  return informational.includes(error.code) ? ExitCode.success : ExitCode.usage;
}

export async function runAndExit(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  // `dataops runs | head -3`: when the reader goes away, stop quietly, as command-line tools do
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
  const code = await runCli(argv);
  // drain stdout/stderr (pipes are asynchronous), then exit even if a command left a client open
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((done) => stream.write('', () => done()))));
  process.exit(code);
}

if (require.main === module) void runAndExit();
