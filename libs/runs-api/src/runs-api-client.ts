import { runSummary, type RunSummary, type StageName } from '@dataops/contracts';
import { TerminalError, TransientError } from '@dataops/errors';
import { z } from 'zod';

export const runDetails = z.object({
  run: runSummary,
  attempts: z.array(z.record(z.string(), z.unknown())).default([]),
  decisions: z.array(z.object({ decision: z.string(), reason: z.string(), at: z.string() })).default([]),
});
export type RunDetails = z.infer<typeof runDetails>;

/** The scheduler's runs API (SPEC.md) as the `dataops` command uses it. */
export class RunsApiClient {
  /** `token`: the runs API bearer token (api.tokenFile), sent with every call */
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  async cancel(runId: string, reason: string, by: string): Promise<void> {
    await this.call('POST', `/runs/${encodeURIComponent(runId)}/cancel`, { reason, by });
  }

  /** the pipelines the scheduler serves */
  async pipelines(): Promise<string[]> {
    return z.array(z.string()).parse(await this.call('GET', '/pipelines'));
  }

  /** true when the scheduler answers its liveness probe */
  async reachable(): Promise<boolean> {
    return fetch(`${this.baseUrl}/health/live`).then((response) => response.ok, () => false);
  }

  async trigger(pipeline: string, body: { logicalDate?: string; fullRefresh?: boolean; tables?: string[]; stages?: StageName[] } = {}): Promise<string> {
    const result = await this.call('POST', `/pipelines/${encodeURIComponent(pipeline)}/runs`, body);
    return z.object({ runId: z.string() }).parse(result).runId;
  }

  async list(pipeline?: string, limit = 20): Promise<RunSummary[]> {
    const query = new URLSearchParams({ limit: String(limit), ...(pipeline ? { pipeline } : {}) });
    return z.array(runSummary).parse(await this.call('GET', `/runs?${query}`));
  }

  /** undefined while the scheduler has not recorded the run yet */
  async get(runId: string): Promise<RunDetails | undefined> {
    const result = await this.call('GET', `/runs/${encodeURIComponent(runId)}`, undefined, true);
    return result === undefined ? undefined : runDetails.parse(result);
  }

  async retry(runId: string): Promise<void> {
    await this.call('POST', `/runs/${encodeURIComponent(runId)}/retry`, {});
  }

  async backfill(pipeline: string, from: string, to: string, stages?: StageName[]): Promise<string[]> {
    const result = await this.call('POST', `/pipelines/${encodeURIComponent(pipeline)}/backfill`, { from, to, stages });
    return z.object({ runIds: z.array(z.string()) }).parse(result).runIds;
  }

  private async call(method: string, path: string, body?: unknown, notFoundIsUndefined = false): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new TransientError(`the scheduler API at ${this.baseUrl} is unreachable (${(error as Error).message}); is the scheduler running? (scripts/services status)`);
    }
    if (response.status === 404 && notFoundIsUndefined) return undefined;
    const text = await response.text();
    if (response.status === 401) throw new TerminalError(`${method} ${path}: the scheduler refused the call without its bearer token; set api.tokenFile in the config (or DATAOPS_API_TOKEN_FILE) to the token file`);
    if (!response.ok) {
      const message = safeMessage(text) ?? `HTTP ${response.status}`;
      throw new TerminalError(`${method} ${path}: ${message}`);
    }
    return text ? JSON.parse(text) : undefined;
  }
}

function safeMessage(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : Array.isArray(parsed.message) ? parsed.message.join('; ') : undefined;
  } catch {
    return text.slice(0, 500) || undefined;
  }
}
