import { existsSync } from 'node:fs';
import { readPrivateFile, type LoadedConfig } from '@dataops/config';
import { RunsApiClient } from '@dataops/runs-api';
import { isCalendarDate, parseStageList, runIdProblem, type StageName } from '@dataops/contracts';
import type { CliContext } from './context';
import { UsageError } from './exit-codes';

export function apiUrl(option?: string, env: NodeJS.ProcessEnv = process.env, loaded?: LoadedConfig): string {
  return option ?? env.DATAOPS_API ?? loaded?.config.api?.url ?? 'http://127.0.0.1:8081';
}

/**
 * The scheduler's runs API with the bearer token of api.tokenFile ($DATAOPS_API_TOKEN_FILE wins).
 * Reading runs needs no config; when one is there, its API address and token are used.
 */
export function runsApi(context: CliContext, option?: string): RunsApiClient {
  const loaded = existsSync(context.configPath()) ? context.loadConfig() : undefined;
  const tokenFile = context.env.DATAOPS_API_TOKEN_FILE ?? loaded?.config.api?.tokenFile;
  const token = tokenFile ? readPrivateFile(tokenFile, 'api.tokenFile').trim() : undefined;
  return new RunsApiClient(apiUrl(option, context.env, loaded), token);
}

export function requirePipeline(loaded: LoadedConfig, pipeline: string): void {
  if (!loaded.config.pipelines[pipeline]) {
    throw new UsageError(`unknown pipeline "${pipeline}"; ${loaded.path} defines: ${Object.keys(loaded.config.pipelines).join(', ')}`);
  }
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** `--stages ingest` or `--stages transform,export`; undefined (every stage) when not given. */
export function stagesOption(text: string | undefined): StageName[] | undefined {
  if (text === undefined) return undefined;
  try {
    return parseStageList(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A run id from the command line: refused (exit 2) before anything is written when it could name another folder. */
export function runIdArgument(runId: string, flag?: string): string {
  const problem = runIdProblem(runId);
  if (problem) throw new UsageError(flag ? `${flag}: ${problem}` : problem);
  return runId;
}

/** `--date 2026-02-30`: refused (exit 2) before anything is written; the lake would get load_date=2026-02-30. */
export function dateOption(text: string, flag = '--date'): string {
  if (!isCalendarDate(text)) throw new UsageError(`${flag} ${text}: expected a date the calendar has, as YYYY-MM-DD`);
  return text;
}
