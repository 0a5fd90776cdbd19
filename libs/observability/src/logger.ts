import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoggerService } from '@nestjs/common';
import pino from 'pino';
import { redact } from '@dataops/config';
import type { StageLogger } from '@dataops/stage';

export interface RunContext {
  runId?: string;
  pipeline?: string;
  stage?: string;
}

const context = new AsyncLocalStorage<RunContext>();

/** Everything logged inside `fn` carries the run's id, pipeline and stage. */
export function withRunContext<T>(run: RunContext, fn: () => Promise<T>): Promise<T> {
  return context.run({ ...context.getStore(), ...run }, fn);
}

export interface JsonLogger extends StageLogger {
  readonly pino: pino.Logger;
}

/** JSON lines on stdout: {level, time, service, msg, runId, pipeline, stage, …}. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', secrets: string[] = [], destination?: pino.DestinationStream): JsonLogger {
  const base = pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => ({ ...context.getStore() }),
    hooks: {
      // a secret that reached a message (a driver's error text, say) is masked before it is written
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === 'string' ? redact(arg, secrets) : arg)) as Parameters<typeof method>);
      },
    },
  }, destination ?? pino.destination(1));
  // field values are masked too: errors are logged as { error: message }
  const masked = (fields?: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(fields ?? {}).map(([key, value]) => [key, typeof value === 'string' ? redact(value, secrets) : value]));
  const at = (kind: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => base[kind](masked(fields), message);
  return { pino: base, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}


/** Nest's own log lines, as JSON through the same logger. */
export class NestJsonLogger implements LoggerService {
  constructor(private readonly logger: JsonLogger) {}
  log(message: unknown, ...rest: unknown[]) {
    this.logger.info(String(message), contextOf(rest));
  }
  error(message: unknown, ...rest: unknown[]) {
    this.logger.error(String(message), contextOf(rest));
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.logger.warn(String(message), contextOf(rest));
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.logger.debug(String(message), contextOf(rest));
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.logger.debug(String(message), contextOf(rest));
  }
}

function contextOf(rest: unknown[]): Record<string, unknown> {
  const last = rest.at(-1);
  return typeof last === 'string' ? { context: last } : {};
}
