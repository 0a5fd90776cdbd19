import { DataopsError } from '@dataops/errors';
import { ConfigError, CredentialsError } from '@dataops/config';

/** The promises of SPEC.md: scripts and cron jobs branch on these. */
export const ExitCode = {
  success: 0,
  /** the run or a check failed */
  failed: 1,
  /** bad usage or bad config: running again will not help until the command or file changes */
  usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Thrown by a command for bad usage that commander cannot see (e.g. --from after --to). */
export class UsageError extends Error {}

/** The exit code an error ends the command with. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof ConfigError || error instanceof CredentialsError || error instanceof UsageError) return ExitCode.usage;
  return ExitCode.failed;
}

/** What the user reads on stderr: a ConfigError is already one line per problem. */
export function describeError(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof DataopsError || error instanceof UsageError) return `error: ${error.message}`;
  if (error instanceof Error) return `error: ${error.message}`;
  return `error: ${String(error)}`;
}
