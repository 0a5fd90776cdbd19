import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { ServiceName } from './services';
import { repoRoot } from './stack';

/** A TCP port nobody listens on now (127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** `promtool check metrics` (Debian's prometheus package) on a scrape: its exit status and what it printed. */
export function checkMetrics(text: string): { status: number; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error) throw new Error(`promtool could not run (${result.error.message}); install it with scripts/stack up (Debian package prometheus)`);
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

interface ScrapeConfig {
  static_configs: { targets: string[]; labels: { service: string } }[];
}

/**
 * deploy/prometheus/prometheus-local.yml pointed at services on other ports (a test's own
 * processes), with its alert rules by absolute path and a shorter scrape interval. Written into
 * `dir`; returns the file.
 */
export function localPrometheusConfig(dir: string, urls: Record<ServiceName, string>, scrapeInterval = '2s'): string {
  const config = parse(readFileSync(join(repoRoot, 'deploy', 'prometheus', 'prometheus-local.yml'), 'utf8')) as {
    global: Record<string, string>;
    rule_files: string[];
    scrape_configs: ScrapeConfig[];
  };
  config.global.scrape_interval = scrapeInterval;
  config.global.evaluation_interval = scrapeInterval;
  config.rule_files = config.rule_files.map((file) => join(repoRoot, 'deploy', 'prometheus', file));
  for (const target of config.scrape_configs.flatMap((scrape) => scrape.static_configs)) {
    const name = target.labels.service.replace(/^dataops-/, '') as ServiceName;
    if (!urls[name]) throw new Error(`prometheus-local.yml scrapes ${target.labels.service}, which the test does not run`);
    target.targets = [new URL(urls[name]).host];
  }
  const file = join(dir, 'prometheus.yml');
  writeFileSync(file, stringify(config));
  return file;
}

export interface QueryResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

/**
 * A private Prometheus run by the stack's own functions (scripts/stack.d/80-prometheus.sh:
 * start_prometheus, status_prometheus, stop_prometheus) with its pid file, data and log under
 * `home`, on `port`.
 */
export class PrivatePrometheus {
  constructor(
    readonly home: string,
    readonly port: number,
  ) {
    mkdirSync(home, { recursive: true });
  }

  /** Runs a command with the functions of 00-common.sh and 80-prometheus.sh loaded. */
  stack(command: string): string {
    return execFileSync(
      'bash',
      [
        '-c',
        `set -euo pipefail
         DATAOPS_HOME="$1"; STACK="$DATAOPS_HOME/stack"; RUN="$DATAOPS_HOME/run"; LOGS="$DATAOPS_HOME/logs"
         source "$2/scripts/stack.d/00-common.sh"
         source "$2/scripts/stack.d/80-prometheus.sh"
         ${command}`,
        'stack',
        this.home,
        repoRoot,
      ],
      { encoding: 'utf8', env: { ...process.env, DATAOPS_PROMETHEUS_PORT: String(this.port) } },
    );
  }

  start(config: string): void {
    this.stack(`start_prometheus ${JSON.stringify(config)}`);
  }

  stop(): void {
    this.stack('stop_prometheus');
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return join(this.home, 'logs', 'prometheus.log');
  }

  /** An instant query through the HTTP API (/api/v1/query). */
  async query(expr: string): Promise<QueryResult> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await response.json()) as QueryResult;
  }

  /** The series of a query that must succeed, as label sets with numeric values. */
  async series(expr: string): Promise<{ metric: Record<string, string>; value: number }[]> {
    const result = await this.query(expr);
    if (result.status !== 'success') throw new Error(`Prometheus rejected ${expr}: ${result.error}`);
    return (result.data?.result ?? []).map((item) => ({ metric: item.metric, value: Number(item.value[1]) }));
  }

  /** Polls a query until `until` holds for its series; throws after `timeoutMs`. */
  async waitFor(expr: string, until: (series: { metric: Record<string, string>; value: number }[]) => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      last = await this.series(expr);
      if (until(last as { metric: Record<string, string>; value: number }[])) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    throw new Error(`Prometheus: ${expr} did not get there in ${timeoutMs / 1000} s; last answer ${JSON.stringify(last)}`);
  }
}
