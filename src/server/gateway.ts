/**
 * The whole gateway, assembled: config → adapters → store → transaction service → Apollo Server →
 * one HTTP port. `main.ts` calls it for `npm start`; the end-to-end tests call it on port 0.
 *
 *     const gateway = await startGateway(config, { logger });
 *     console.log(gateway.url); // http://127.0.0.1:4000
 *     await gateway.close();
 */
import { ApolloServer } from '@apollo/server';
import type { LedgerAdapter } from '../adapters/port';
import { createAthenahealthAdapter } from '../adapters/athenahealth';
import { createNexhealthAdapter } from '../adapters/nexhealth';
import { ApiKeyRing } from '../auth/api-keys';
import type { GatewayConfig, PracticeConfig } from '../config';
import type { GatewayContext, GatewayServices } from '../graphql/context';
import { createSchema } from '../graphql/schema';
import { createLogger, type Logger } from '../logging/logger';
import { introspectionPerKey } from '../plugins/introspection-per-key';
import { createMetrics, metricsRoute, type GatewayMetrics } from '../plugins/metrics';
import { queryLimits } from '../plugins/query-limits';
import { rateLimit } from '../plugins/rate-limit';
import { requestLogging } from '../plugins/request-logging';
import { PracticeRegistry } from '../practices';
import { openStore } from '../transactions/open-store';
import { createTransactionService } from '../transactions/service';
import { createInProcessStatusBus } from '../transactions/status-bus';
import type { TransactionStore } from '../transactions/store';
import { startHttpServer, type RunningHttpServer } from './http-server';
import type { GraphiQLOptions } from './graphiql';

export interface GatewayOptions {
  logger?: Logger;
  /** Pre-filled GraphiQL headers (sandbox mode only). */
  graphiql?: GraphiQLOptions;
  /** Build a practice's adapter; default: the vendor's adapter from `src/adapters/`. */
  createAdapter?: (practice: PracticeConfig) => LedgerAdapter;
  /** Adapter tuning for tests (small retry delays). */
  adapterOptions?: { retryBaseDelayMs?: number; maxRetries?: number; timeoutMs?: number };
  /** Transaction service tuning for tests. */
  transactionOptions?: { pollIntervalMs?: number; pollAfterMs?: number; now?: () => Date };
  /** Override the webhook target base (default: `server.publicUrl`, else the listening URL). */
  publicUrl?: string;
}

export interface RunningGateway {
  url: string;
  metrics: GatewayMetrics;
  services: GatewayServices;
  store: TransactionStore;
  http: RunningHttpServer;
  /** Resolves once every practice's connection has been tried (and webhooks registered). */
  settled: Promise<void>;
  close(): Promise<void>;
}

/** Each vendor's adapter, reporting its upstream calls to the metrics with the practice's id. */
export function defaultAdapterFactory(options: GatewayOptions['adapterOptions'] = {}, metrics?: GatewayMetrics) {
  return (practice: PracticeConfig): LedgerAdapter => {
    const onUpstreamCall = metrics
      ? (e: { endpoint: string; method: string; status: number | null; durationMs: number }) =>
          metrics.observeUpstreamCall({ practiceId: practice.id, ...e })
      : undefined;
    switch (practice.system) {
      case 'nexhealth':
        return createNexhealthAdapter(practice.connection, { ...options, onUpstreamCall });
      case 'athenahealth':
        return createAthenahealthAdapter(practice.connection, { ...options, onUpstreamCall });
    }
  };
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = createMetrics();
  const registry = new PracticeRegistry(
    config.practices,
    options.createAdapter ?? defaultAdapterFactory(options.adapterOptions, metrics),
  );
  const store = await openStore(config.store.url);
  const bus = createInProcessStatusBus();
  const transactions = createTransactionService({
    store,
    bus,
    adapters: (practiceId) => registry.get(practiceId)?.adapter,
    transactionIdPrefix: config.transactionIdPrefix,
    logger,
    ...options.transactionOptions,
  });
  const services: GatewayServices = { config, registry, transactions, bus, observeBatch: metrics.observeBatch };
  const schema = createSchema();
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    introspection: true,
    csrfPrevention: true,
    hideSchemaDetailsFromClientErrors: true,
    includeStacktraceInErrorResponses: false,
    // The parser stops at the token limit, so a huge document is never built (queryLimits reports it).
    parseOptions: { maxTokens: config.limits.maxTokens },
    plugins: [
      rateLimit({ requestsPerMinute: config.limits.requestsPerMinute }),
      queryLimits(config.limits),
      introspectionPerKey(),
      metrics.plugin, // after the refusing plugins, so it sees the final response
      requestLogging({ logger }),
    ],
  });
  await apollo.start();

  let ready = false;
  const http = await startHttpServer(
    {
      apollo,
      schema,
      keys: new ApiKeyRing(config.apiKeys),
      services,
      webhooks: { registry, store, transactions, onResult: ({ result }) => metrics.observeWebhook(result) },
      ready: () => ready,
      graphiql: options.graphiql,
      maxBodyBytes: config.limits.maxBodyBytes,
      logger,
      extraRoutes: metricsRoute(metrics.registry),
    },
    config.server.port,
    config.server.host,
  );
  await transactions.start();

  const publicUrl = (options.publicUrl ?? config.server.publicUrl ?? http.url).replace(/\/$/, '');
  const settled = (async () => {
    await Promise.all(
      registry.all().map(async (practice) => {
        try {
          await practice.adapter.connect();
          if (practice.capabilities.webhooks && practice.adapter.registerWebhooks) {
            const target = `${publicUrl}/webhooks/${practice.routeSystem}/${practice.id}`;
            const registration = await practice.adapter.registerWebhooks(target);
            await store.saveWebhookRegistration(practice.id, registration);
          }
          logger.info({ practiceId: practice.id }, 'practice connected');
        } catch (error) {
          // Tried: readiness does not wait for a healthy upstream, only for the attempt.
          logger.warn({ practiceId: practice.id, err: { message: (error as Error).message } }, 'practice connection failed');
        }
      }),
    );
    ready = true;
  })();

  return {
    url: http.url,
    metrics,
    services,
    store,
    http,
    settled,
    async close() {
      await http.close();
      await transactions.stop();
      await apollo.stop();
      await bus.close();
      await registry.close();
      await store.close();
    },
  };
}
