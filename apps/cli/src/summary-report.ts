import type { LoadedConfig } from '@dataops/config';
import type { RunSummary } from '@dataops/contracts';

/** A run summary for people: where everything landed, with row counts. */
export function printSummary(summary: RunSummary, print: (line: string) => void, loaded?: LoadedConfig, metricsUrls: string[] = []): void {
  const line = (text = '') => print(text);
  line(`run ${summary.runId} (${summary.pipeline}): ${summary.status.toUpperCase()}${summary.covers ? `  [stages: ${summary.covers.join(', ')}]` : ''}`);
  if (summary.startedAt && summary.finishedAt) line(`  ${summary.startedAt} -> ${summary.finishedAt} (${((Date.parse(summary.finishedAt) - Date.parse(summary.startedAt)) / 1000).toFixed(1)} s)`);
  if (summary.error) line(`  ${summary.status} in ${summary.error.stage}${summary.error.subject ? ` (${summary.error.subject})` : ''}: ${summary.error.message}`);
  const durations = (['ingest', 'transform', 'export'] as const)
    .map((stage) => [stage, summary.stages[stage]] as const)
    .filter(([, state]) => state?.startedAt && state.finishedAt)
    .map(([stage, state]) => `${stage} ${((Date.parse(state!.finishedAt!) - Date.parse(state!.startedAt!)) / 1000).toFixed(1)} s`);
  if (durations.length > 0) line(`  stages: ${durations.join(', ')}`);
  const ingest = summary.stages.ingest;
  if (ingest?.tables.length) {
    line(`\nlake${loaded ? ` (${loaded.config.storage.lake})` : ''}:`);
    for (const table of ingest.tables) line(`  ${pad(table.table, 14)} ${pad(table.mode, 12)} ${num(table.rows)} rows  ${table.path}${table.watermark ? `  watermark ${table.watermark}` : ''}`);
  }
  const transform = summary.stages.transform;
  if (transform?.models.length) {
    line(`\nwarehouse${loaded ? ` (${loaded.config.storage.warehouse})` : ''}:`);
    for (const model of transform.models) line(`  ${pad(model.name, 24)} ${num(model.rows)} rows  ${model.path}`);
    const failed = transform.checks.filter((check) => check.status === 'fail');
    line(`  checks: ${transform.checks.length - failed.length} passed, ${failed.length} failed${failed.map((check) => `; ${check.name}: ${check.detail}`).join('')}`);
  }
  const exported = summary.stages.export;
  if (exported?.targets.length) {
    line('\nBI:');
    for (const target of exported.targets) {
      line(`  ${pad(target.type, 5)} ${pad(target.name, 48)} ${num(target.rows)} rows`);
      for (const file of target.files) line(`        ${file}`);
    }
  }
  const hops = [...(ingest?.tables ?? []).map((table) => [table.table, table.reconciliation] as const), ...(exported?.targets ?? []).map((target) => [target.name, target.reconciliation] as const)];
  if (hops.some(([, reconciliation]) => reconciliation)) {
    line('\nreconciliation (rows and per-column checksums, docs/reconciliation.md):');
    for (const [subject, reconciliation] of hops) {
      if (!reconciliation) continue;
      const counted = reconciliation.countedOnly.length ? `; by count only: ${reconciliation.countedOnly.join(', ')}` : '';
      line(`  ${pad(`${reconciliation.from} -> ${reconciliation.to === 'lake' ? `lake ${subject}` : reconciliation.to}`, 56)} ${pad(reconciliation.status.toUpperCase(), 15)} ${num(reconciliation.rows)} rows, ${reconciliation.columns} columns${counted}`);
    }
  }
  if (metricsUrls.length) {
    line('\nmetrics:');
    for (const url of metricsUrls) line(`  ${url}`);
  }
}

const pad = (text: string, width: number) => text.padEnd(width);
const num = (value: number) => String(value).padStart(10);
