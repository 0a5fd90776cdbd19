import { configPath, loadConfig, type LoadedConfig, type LoadOptions } from '@dataops/config';
import type { Command } from 'commander';
import { ExitCode } from './exit-codes';
import type { TextStream } from './progress';

/** Where a command writes; tests pass their own. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
  /** the real streams behind them, when there are: whether each is a terminal, and how wide */
  terminals?: { stdout?: TerminalInfo; stderr?: TerminalInfo };
}

export interface TerminalInfo {
  isTTY?: boolean;
  columns?: number;
}

/**
 * What every command gets: the global options, the config, the output and a way to set the
 * exit code without throwing (a run that failed still prints its summary, then exits 1).
 */
export class CliContext {
  private exitCode: ExitCode = ExitCode.success;

  constructor(
    private readonly program: Command,
    readonly output: CliOutput,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** the config file named by -c, else $DATAOPS_CONFIG, else ./dataops.yaml */
  configPath(): string {
    return configPath(this.program.opts<{ config?: string }>().config, this.env);
  }

  /** loads and validates the config; a bad config throws a ConfigError (exit 2) */
  loadConfig(options: LoadOptions = {}): LoadedConfig {
    return loadConfig(this.configPath(), { env: this.env, ...options });
  }

  print(line: string): void {
    this.output.stdout(`${line}\n`);
  }

  warn(line: string): void {
    this.output.stderr(`${line}\n`);
  }

  /** Where people read a command's progress: stdout, or stderr when stdout carries JSON. */
  humanStream(json: boolean): TextStream {
    const write = json ? this.output.stderr : this.output.stdout;
    const terminal = json ? this.output.terminals?.stderr : this.output.terminals?.stdout;
    return {
      write: (text: string) => write(text),
      isTTY: terminal?.isTTY === true,
      // read at each redraw: a terminal can be resized
      get columns() {
        return terminal?.columns;
      },
    };
  }

  /** ends the command with this code once its action returns (the worst code set wins) */
  fail(code: ExitCode = ExitCode.failed): void {
    this.exitCode = Math.max(this.exitCode, code) as ExitCode;
  }

  get result(): ExitCode {
    return this.exitCode;
  }
}

/** One file per command exports a function of this type; commands/index.ts lists them. */
export type RegisterCommand = (program: Command, context: CliContext) => void;
