import 'reflect-metadata';
import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthController, Metrics, NestJsonLogger, READINESS_PROBES } from '@dataops/observability';
import { trackConsumerLag, type ServiceContext } from './service-context';

export interface ServiceDefinition {
  context: ServiceContext;
  defaultPort: number;
  controllers?: Type<unknown>[];
  providers?: Provider[];
  /** connect consumers, start timers: runs after the HTTP server listens */
  start(): Promise<void>;
  /** stop consumers and timers: runs on SIGTERM before the process exits */
  stop(): Promise<void>;
}

/**
 * Every service: a Nest HTTP app for /health and /metrics (and the scheduler's API), JSON logs,
 * Kafka started after listening, and a clean stop on SIGTERM/SIGINT.
 */
export async function bootstrapService(definition: ServiceDefinition): Promise<void> {
  const { context } = definition;
  const module = serviceModule(definition);
  const app = await NestFactory.create(module, { logger: new NestJsonLogger(context.logger) });
  // no app.enableShutdownHooks(): Nest would re-raise the signal after closing (exit by signal, not 0);
  // `stop` below closes the app itself after the consumers have left their groups
  const port = context.env.PORT ?? definition.defaultPort;
  await app.listen(port, process.env.HOST ?? '0.0.0.0');
  context.logger.info('service started', { port, config: context.loaded.path, brokers: context.brokers });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    context.logger.info('service stopping', { signal });
    await definition.stop().catch((error) => context.logger.error('stop failed', { error: (error as Error).message }));
    await Promise.all(context.consumers.map((consumer) => consumer.stop().catch(() => undefined)));
    await context.publisher.disconnect().catch(() => undefined);
    await app.close();
    context.logger.info('service stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  try {
    await context.publisher.connect();
    await definition.start();
    trackConsumerLag(context);
  } catch (error) {
    context.logger.error('service could not start its work; it will stay not ready', { error: (error as Error).message });
    throw error;
  }
}

function serviceModule(definition: ServiceDefinition): DynamicModule {
  @Module({})
  class ServiceModule {}
  return {
    module: ServiceModule,
    controllers: [HealthController, ...(definition.controllers ?? [])],
    providers: [
      { provide: READINESS_PROBES, useValue: definition.context.probes },
      { provide: Metrics, useValue: definition.context.metrics },
      ...(definition.providers ?? []),
    ],
  };
}
