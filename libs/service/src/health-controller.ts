import { Controller, Get, Header, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { Metrics, type ReadinessProbe } from '@dataops/observability';

export const READINESS_PROBES = Symbol('READINESS_PROBES');

/** /health/live, /health/ready (every probe passes) and /metrics (Prometheus text). */
@Controller()
export class HealthController {
  constructor(
    @Inject(READINESS_PROBES) private readonly probes: ReadinessProbe[],
    private readonly metrics: Metrics,
  ) {}

  @Get('health/live')
  live() {
    return { status: 'live' };
  }

  @Get('health/ready')
  async ready() {
    const results = await Promise.all(
      this.probes.map(async (probe) => {
        try {
          await withTimeout(probe.check(), 3000, probe.name);
          return { name: probe.name, ok: true };
        } catch (error) {
          return { name: probe.name, ok: false, error: (error as Error).message };
        }
      }),
    );
    const failing = results.filter((result) => !result.ok);
    if (failing.length > 0) throw new HttpException({ status: 'not ready', failing }, HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'ready', probes: results.map((result) => result.name) };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  async scrape() {
    return this.metrics.registry.metrics();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  const timeout = new Promise<T>((_, reject) => {
    setTimeout(() => reject(new Error(`${name} did not answer in ${ms} ms`)), ms).unref();
  });
  return Promise.race([promise, timeout]);
}
