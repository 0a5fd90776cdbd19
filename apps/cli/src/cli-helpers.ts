import type { LoadedConfig } from '@dataops/config';
import { UsageError } from './exit-codes';

export function apiUrl(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? env.DATAOPS_API ?? 'http://127.0.0.1:8081';
}

export function requirePipeline(loaded: LoadedConfig, pipeline: string): void {
  if (!loaded.config.pipelines[pipeline]) {
    throw new UsageError(`unknown pipeline "${pipeline}"; ${loaded.path} defines: ${Object.keys(loaded.config.pipelines).join(', ')}`);
  }
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}
