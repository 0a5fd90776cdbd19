import 'reflect-metadata';
import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Metrics, NestJsonLogger } from '@dataops/observability';
import { HealthController, READINESS_PROBES } from './health-controller';
import { migrateControlDb } from '@dataops/ledger';
import { explainKafkaError } from '@dataops/messaging';
import { sweepOrphanedJobFiles } from '@dataops/spark';
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
    // no new events first, then the work stops (its claims are freed for another replica), then
    // what the work settled is published, and only then the connections close
    await Promise.all(context.consumers.map((consumer) => consumer.stop().catch(() => undefined)));
    await definition.stop().catch((error) => context.logger.error('stop failed', { error: (error as Error).message }));
    await context.relay.flush().catch(() => undefined);
    await context.relay.stop();
    await context.publisher.disconnect().catch(() => undefined);
    await context.control.end().catch(() => undefined);
    await app.close();
    context.logger.info('service stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  try {
    await context.publisher.connect();
    await migrateControlDb(context.control);
    const swept = await sweepOrphanedJobFiles();
    if (swept.length > 0) context.logger.info('removed files of jobs whose process died (secrets included)', { removed: swept });
    context.relay.start();
    await definition.start();
    trackConsumerLag(context);
    context.logger.info('service ready to work', { owner: context.owner, groups: context.subscriptions.map((subscription) => subscription.group) });
  } catch (error) {
    // a supervisor (Kubernetes, scripts/services) restarts a service that could not start
    // a refused certificate or login says which kafka.* setting to fix
    context.logger.error('service could not start its work; exiting', { error: explainKafkaError(error, context.kafkaSettings).message });
    process.exit(1);
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
