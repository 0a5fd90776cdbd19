import { configPath, loadConfig, type LoadedConfig, type LoadOptions } from '@dataops/config';
import type { Command } from 'commander';
import { ExitCode } from './exit-codes';

/** Where a command writes; tests pass their own. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
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
