/**
 * The whole gateway, assembled: config → adapters → store → transaction service → Apollo Server →
 * one HTTP port. `main.ts` calls it for `npm start`; the end-to-end tests call it on port 0.
 *
 *     const gateway = await startGateway(config, { logger });
 *     console.log(gateway.url); // http://127.0.0.1:4000
 *     await gateway.close();
 */
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import type { LedgerAdapter } from '../adapters/ledger/port';
import type { ProcessorAdapter } from '../adapters/processor/port';
import { ApiKeyRing } from '../auth/api-keys';
import { DEFAULT_TIME_ZONE, type GatewayConfig, type PracticeConfig } from '../config';
import type { GatewayContext, GatewayServices } from '../graphql/context';
import { formatClientError } from '../graphql/upstream-errors';
import { PracticeReports } from '../reports/practice-reports';
import { createSchema } from '../graphql/schema';
import { createLogger, type Logger } from '../logging/logger';
import { withTracing } from '../observability/with-tracing';
import { createMetrics, metricsRoute, type GatewayMetrics } from '../plugins/metrics';
import { apolloOperationGuard, createOperationGuard } from '../plugins/operation-guard';
import { requestIdOfError, requestLogging } from '../plugins/request-logging';
import { UpstreamBudgetRegistry, type UpstreamBudgetRegistryOptions } from '../upstream-budget';
import { PracticeRegistry } from '../practices';
import { adapterHealth, withCircuitBreaker, type CircuitBreakerOptions } from '../resilience';
import { openStore } from '../transactions/open-store';
import { createTransactionService, type TransactionServiceHooks } from '../transactions/service';
import { createPgStatusBus } from '../transactions/pg-status-bus';
import { createInProcessStatusBus } from '../transactions/status-bus';
import type { TransactionStore } from '../transactions/store';
import { createCollectionFlow } from '../flows/collection/flow';
import type { CollectionFlowOptions } from '../flows/collection/context';
import { registerProcessorWebhook } from '../flows/collection/registration';
import { handleProcessorWebhook, isProcessorRoute } from '../flows/collection/webhook-route';
import { MESSAGING_METHODS, type Channel, type MessagingAdapter } from '../adapters/messaging/port';
import type { BillingCycleOptions } from '../flows/billing-cycle/context';
import { createBillingCycleFlow } from '../flows/billing-cycle/flow';
import { handleMessagingWebhook, isMessagingRoute } from '../flows/billing-cycle/webhook-route';
import type { BookingFlowOptions, PracticeBooks } from '../flows/booking/context';
import { createBookingFlow } from '../flows/booking/flow';
import { handleAccountingWebhook, isAccountingRoute } from '../flows/booking/webhook-route';
import type { ClaimWatchOptions } from '../flows/claim-watch/context';
import { createClaimWatchFlow } from '../flows/claim-watch/flow';
import { createOnClaimProcessed } from '../flows/claim-watch/on-processed';
import { createEligibilityFlow, type EligibilityFlowOptions } from '../flows/eligibility/flow';
import {
  defaultAdapterFactory,
  defaultProcessorAdapterFactory,
  withCircuitBreakers,
  withProcessorDecorators,
  withTracingSpans,
} from './adapter-factories';
import { buildPracticeCoverage } from './coverage-adapters';
import { startHttpServer, type RunningHttpServer } from './http-server';
import { defaultMessagingAdapterFactory } from './messaging-adapters';
import { type AccountingAdapterFactory, createAccountingAdapters, defaultAccountingAdapterFactory } from './accounting-adapters';
import type { GraphiQLOptions } from './graphiql';

export interface GatewayOptions {
  logger?: Logger;
  /** Pre-filled GraphiQL headers (sandbox mode only). */
  graphiql?: GraphiQLOptions;
  /** Build a practice's adapter; default: the vendor's adapter from `src/adapters/`. */
  createAdapter?: (practice: PracticeConfig) => LedgerAdapter;
  /** Build a practice's processor adapter (config `processor`); default: the processor's adapter from `src/adapters/processor/`. */
  createProcessorAdapter?: (practice: PracticeConfig) => ProcessorAdapter;
  /** Adapter tuning for tests (small retry delays). */
  adapterOptions?: { retryBaseDelayMs?: number; maxRetries?: number; timeoutMs?: number };
  /**
   * The circuit breaker put around every practice's adapter (also a `createAdapter` one); `false`
   * for none. Default: 5 consecutive UPSTREAM_UNAVAILABLE failures open it for 30 s.
   */
  circuitBreaker?: Omit<CircuitBreakerOptions, 'name' | 'onStateChange'> | false;
  /** Transaction service tuning for tests. */
  transactionOptions?: {
    pollIntervalMs?: number;
    pollAfterMs?: number;
    now?: () => Date;
    /** How long a submit attempt owns its row before a restart may resume it. */
    submitLeaseMs?: number;
    /** Crash seams (tests): a hook that throws stops the operation right there. */
    hooks?: TransactionServiceHooks;
  };
  /** Override the webhook target base (default: `server.publicUrl`, else the listening URL). */
  publicUrl?: string;
  /** Collection flow tuning (tests: a short watch interval). */
  collection?: CollectionFlowOptions;
  /**
   * Build a practice's messaging adapter for one channel (reminders; `null`: none on that channel).
   * Called once per practice and channel at start. Default: the provider the practice's
   * `messaging.sms` / `messaging.email` names, through the registry (`messaging-adapters.ts`), with
   * its upstream budget; `null` for a channel the practice's config leaves out.
   */
  createMessagingAdapter?: (practice: PracticeConfig, channel: Channel) => MessagingAdapter | null;
  /** Billing-cycle flow tuning (tests: short retry and settle delays). */
  billing?: BillingCycleOptions;
  /** Eligibility tuning (tests: short poll waits; `sleep` replaces the timer between polls). */
  eligibility?: EligibilityFlowOptions & { sleep?: (ms: number) => Promise<void> };
  /** Claim-watch tuning (re-read delays, discovery's page size and schedule). */
  claimWatch?: ClaimWatchOptions;
  /** Upstream budget tuning (tests: small sandbox limits); the store URL comes from the config. */
  upstreamBudget?: Omit<UpstreamBudgetRegistryOptions, 'storeUrl'>;
  /**
   * Build a practice's accounting adapter (its books; `null`: none). Called once per practice at
   * start with its store-backed refresh-token store. Default: the system its `accounting.system`
   * names, through the registry (`accounting-adapters.ts`), with its upstream budget.
   */
  createAccountingAdapter?: AccountingAdapterFactory;
  /** A practice's books (its accounting adapter and config keys); `null`: no accounting. Default: none. */
  createAccountingBooks?: (practice: PracticeConfig) => PracticeBooks | null;
  /** Booking flow tuning (tests: retry delays, catch-up interval). */
  booking?: BookingFlowOptions;
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

export { defaultAdapterFactory, defaultProcessorAdapterFactory, withCircuitBreakers, withProcessorDecorators, withTracingSpans };

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = createMetrics();
  // One budget per vendor credential, shared by the practices using it (and, on a postgres://
  // store, by every instance): created with the store's URL before the adapters that hold it.
  const budgets = new UpstreamBudgetRegistry({ ...options.upstreamBudget, storeUrl: config.store.url });
  const registry = new PracticeRegistry(
    config.practices,
    withCircuitBreakers(
      withTracingSpans(options.createAdapter ?? defaultAdapterFactory(options.adapterOptions, metrics, logger, budgets)),
      options.circuitBreaker,
      metrics,
    ),
    withProcessorDecorators(
      options.createProcessorAdapter ?? defaultProcessorAdapterFactory(options.adapterOptions, metrics, logger, budgets),
      options.circuitBreaker,
      metrics,
    ),
  );
  const store = await openStore(config.store.url, { port: config.server.port, wasmTierUp: config.store.wasmTierUp }).catch(
    async (error: unknown) => {
      await budgets.close();
      throw error;
    },
  );
  // Several instances share a postgres:// store: their status changes travel by LISTEN/NOTIFY.
  const bus = /^postgres(ql)?:\/\//i.test(config.store.url)
    ? await createPgStatusBus({
        connectionString: config.store.url,
        onError: (error) => logger.warn({ err: { message: error.message } }, 'status bus connection error'),
      }).catch(async (error: unknown) => {
        await store.close();
        await budgets.close();
        throw error;
      })
    : createInProcessStatusBus();
  const transactions = createTransactionService({
    store,
    bus,
    adapters: (practiceId) => registry.get(practiceId)?.adapter,
    transactionIdPrefix: config.transactionIdPrefix,
    onStatus: (status) => metrics.observeTransactionStatus(status),
    // The service logs (message, context); pino wants (context, message).
    logger: {
      info: (message, context) => logger.info(context ?? {}, message),
      warn: (message, context) => logger.warn(context ?? {}, message),
      error: (message, context) => logger.error(context ?? {}, message),
    },
    ...options.transactionOptions,
  });
  // Known once the server listens: pay pages and processor webhook targets hang off it.
  let publicUrl = (options.publicUrl ?? config.server.publicUrl ?? '').replace(/\/$/, '');
  const collection = createCollectionFlow({
    ...options.collection,
    transactions,
    practices: registry,
    publicUrl: () => publicUrl,
  });
  collection.defineJobs();
  // Each practice's messaging adapters, built once: reminders' sends and the messaging webhooks.
  const messaging = new Map<string, MessagingAdapter>();
  const createMessagingAdapter =
    options.createMessagingAdapter ?? defaultMessagingAdapterFactory(options.adapterOptions, metrics, logger, budgets);
  for (const practice of config.practices) {
    for (const channel of ['SMS', 'EMAIL'] as const) {
      const adapter = createMessagingAdapter(practice, channel);
      if (!adapter) continue;
      // The ledger's decorators: a span per upstream call, and a breaker of its own per practice and
      // channel (an open one throws an UpstreamError: the send is retried later, never counted as sent).
      const traced = withTracing(adapter, { practiceId: practice.id, methods: MESSAGING_METHODS });
      const name = `${practice.id}/${channel.toLowerCase()}`;
      if (options.circuitBreaker !== false) metrics.setCircuitState(name, 'closed');
      messaging.set(
        `${practice.id}:${channel}`,
        options.circuitBreaker === false
          ? traced
          : withCircuitBreaker(traced, {
              ...options.circuitBreaker,
              name,
              methods: MESSAGING_METHODS,
              onStateChange: (state) => metrics.setCircuitState(name, state),
            }),
      );
    }
  }
  // Each practice's books, built once: bookings and their webhooks (`accounting-adapters.ts`).
  const accounting = createAccountingAdapters({
    practices: config.practices,
    sql: store.sql,
    factory: options.createAccountingAdapter ?? defaultAccountingAdapterFactory(options.adapterOptions, metrics, logger, budgets),
    circuitBreaker: options.circuitBreaker,
    metrics,
  });
  const practiceConfigs = new Map(config.practices.map((p) => [p.id, p]));
  const billing = createBillingCycleFlow({
    ...options.billing,
    transactions,
    practices: registry,
    collection,
    messagingFor: (practiceId, channel) => messaging.get(`${practiceId}:${channel}`) ?? null,
    billingOf: (practiceId) => {
      const practice = practiceConfigs.get(practiceId);
      return { timeZone: practice?.timeZone ?? DEFAULT_TIME_ZONE, billing: practice?.billing ?? null };
    },
    currency: config.currency,
    publicUrl: () => publicUrl,
  });
  billing.defineJobs();
  // A test's books (createAccountingBooks), else each practice's from its `accounting` config.
  const accountingBooks = new Map<string, PracticeBooks>();
  for (const practice of config.practices) {
    const adapter = options.createAccountingBooks ? null : accounting.accountingAdapterFor(practice.id);
    const ids = accounting.accountingConfigFor(practice.id);
    const books =
      options.createAccountingBooks?.(practice) ??
      (adapter && ids
        ? { adapter, depositAccountId: ids.depositAccountId, itemId: ids.itemId, paymentMethodId: ids.paymentMethodId ?? null }
        : null);
    if (books) accountingBooks.set(practice.id, books);
  }
  const booking = createBookingFlow({
    ...options.booking,
    transactions,
    practices: registry,
    bus,
    books: (practiceId) => accountingBooks.get(practiceId) ?? null,
    timeZoneOf: (practiceId) => practiceConfigs.get(practiceId)?.timeZone ?? DEFAULT_TIME_ZONE,
  });
  booking.defineJobs();
  // Insurance: each practice's clearinghouses, the eligibility check and the claim watch (README.md, "Insurance").
  const coverage = new Map(
    config.practices.map((p) => [
      p.id,
      buildPracticeCoverage(p, {
        adapterOptions: options.adapterOptions,
        metrics,
        logger,
        budgets,
        circuitBreaker: options.circuitBreaker,
      }),
    ]),
  );
  const eligibility = createEligibilityFlow({
    ...options.eligibility,
    sql: store.sql,
    eligibilityFor: (practiceId) => coverage.get(practiceId)?.eligibility ?? null,
    now: options.transactionOptions?.now,
  });
  // `billing.onClaimProcessed`: a processed claim's checkout and reminder, one job per event (src/flows/claim-watch/README.md).
  const onClaimProcessed = createOnClaimProcessed({
    ctx: transactions.context,
    practices: registry,
    collection,
    billing,
    messagingFor: (practiceId, channel) => messaging.get(`${practiceId}:${channel}`) ?? null,
    billingOf: (practiceId) => billing.context.billingOf(practiceId),
    currency: config.currency,
  });
  onClaimProcessed.defineJobs();
  // claimStatusChanged across instances on a shared postgres:// store: a channel of its own, ids only.
  const claimBus = /^postgres(ql)?:\/\//i.test(config.store.url)
    ? await createPgStatusBus({
        connectionString: config.store.url,
        channel: 'ledger_claim_status',
        onError: (error) => logger.warn({ err: { message: error.message } }, 'claim-status bus connection error'),
      })
    : undefined;
  const claimWatch = createClaimWatchFlow({
    ...options.claimWatch,
    transactions,
    practices: registry,
    claimStatusFor: (practiceId) => coverage.get(practiceId)?.claimStatus ?? null,
    timeZoneOf: (practiceId) => practiceConfigs.get(practiceId)?.timeZone ?? DEFAULT_TIME_ZONE,
    onProcessed: onClaimProcessed.hook,
    bus: claimBus,
  });
  claimWatch.defineJobs();
  const services: GatewayServices = {
    config,
    registry,
    transactions,
    bus,
    observeBatch: metrics.observeBatch,
    collection,
    billing,
    booking,
    accounting,
    reports: new PracticeReports(registry, { ttlMs: config.limits.reportSnapshotTtlMs }),
    eligibility,
    claimWatch,
  };
  // A practice's own writes (their status changes) make its report snapshots refresh at the next read.
  services.reports.watch(bus);
  const schema = createSchema();
  // One guard for HTTP (the Apollo plugin) and graphql-ws (onSubscribe): the same rules, one rate
  // budget per key across both.
  const guard = createOperationGuard(config.limits);
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    introspection: true,
    csrfPrevention: true,
    hideSchemaDetailsFromClientErrors: true,
    includeStacktraceInErrorResponses: false,
    // Client-sent values redacted; an upstream failure answered in its safe form with the id of the
    // request's log line, which has the vendor's text (src/graphql/upstream-errors.ts).
    formatError: (formatted, error) => formatClientError(formatted, error, requestIdOfError(error)),
    // The parser stops at the token limit, so a huge document is never built (the guard reports it).
    parseOptions: { maxTokens: guard.limits.maxTokens },
    plugins: [
      apolloOperationGuard(guard),
      metrics.plugin, // after the guard, so it sees the final response
      requestLogging({ logger }),
      // Apollo's built-ins the gateway does not use, off so none runs by accident:
      // - cache control would wrap every field resolver (willResolveField) to compute cache hints
      //   no response carries (patient ledgers are never cacheable);
      // - usage and schema reporting would send operation data to Apollo's cloud if an APOLLO_KEY
      //   ever appeared in the environment; inline traces would answer federation gateways.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
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
      processorWebhooks: async (req, res, system, practiceId) => {
        if (isMessagingRoute(system, { flow: billing, practices: registry })) {
          await handleMessagingWebhook(req, res, system, practiceId, {
            flow: billing,
            practices: registry,
            publicUrl: () => publicUrl,
            maxBodyBytes: config.limits.maxBodyBytes,
            onResult: ({ result }) => metrics.observeWebhook(result),
          });
          return true;
        }
        if (isAccountingRoute(system, booking)) {
          await handleAccountingWebhook(req, res, system, practiceId, {
            flow: booking,
            publicUrl: () => publicUrl,
            maxBodyBytes: config.limits.maxBodyBytes,
            onResult: ({ result }) => metrics.observeWebhook(result),
          });
          return true;
        }
        if (!isProcessorRoute(system)) return false;
        await handleProcessorWebhook(req, res, system, practiceId, {
          flow: collection,
          practices: registry,
          sql: store.sql,
          publicUrl: () => publicUrl,
          maxBodyBytes: config.limits.maxBodyBytes,
          onResult: ({ result }) => metrics.observeWebhook(result),
        });
        return true;
      },
      ready: () => ready,
      health: () => registry.all().map((practice) => ({ practiceId: practice.id, ...adapterHealth(practice.adapter) })),
      guard,
      graphiql: options.graphiql,
      maxBodyBytes: config.limits.maxBodyBytes,
      corsOrigins: config.server.corsOrigins,
      wsLimits: config.limits,
      logger,
      // Each practice's volume and health: operators only (src/server/operator-access.ts).
      operator: { routes: metricsRoute(metrics.registry), token: config.server.metricsToken, bind: config.server.metricsBind },
    },
    config.server.port,
    config.server.host,
  ).catch(async (error: unknown) => {
    // Nothing listens (e.g. the port is taken): release what was opened, so the caller can exit.
    await apollo.stop();
    await bus.close();
    await claimBus?.close();
    await registry.close();
    await budgets.close();
    await store.close();
    throw error;
  });
  publicUrl ||= http.url.replace(/\/$/, '');
  await collection
    .resume()
    .catch((error: unknown) =>
      logger.error({ err: { message: (error as Error).message } }, 'resuming checkouts failed; a restart retries'),
    );
  await billing.registerSchedules();
  await claimWatch.registerSchedules();
  await transactions.start();
  await booking.start();

  const settled = (async () => {
    await Promise.all(
      registry.all().map(async (practice) => {
        try {
          await practice.adapter.connect();
          if (practice.capabilities.webhooks && practice.adapter.registerWebhooks) {
            const target = `${publicUrl}/webhooks/${practice.routeSystem}/${practice.id}`;
            const adapter = practice.adapter;
            await store.registerWebhookOnce(practice.id, () => adapter.registerWebhooks!(target));
          }
          logger.info({ practiceId: practice.id }, 'practice connected');
        } catch (error) {
          // Tried: readiness does not wait for a healthy upstream, only for the attempt.
          logger.warn({ practiceId: practice.id, err: { message: (error as Error).message } }, 'practice connection failed');
        }
        if (!practice.processor) return;
        try {
          await practice.processor.adapter.connect();
          await registerProcessorWebhook(store.sql, practice, publicUrl, new Date());
          logger.info({ practiceId: practice.id, processor: practice.processor.name }, 'processor connected');
        } catch (error) {
          // Tried, like the ledger: checkouts are watched by polling until a restart registers.
          logger.warn({ practiceId: practice.id, err: { message: (error as Error).message } }, 'processor connection failed');
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
      await booking.stop();
      await transactions.stop();
      await apollo.stop();
      await bus.close();
      await claimBus?.close();
      await registry.close();
      await Promise.allSettled([...messaging.values()].map((adapter) => adapter.close()));
      if (options.createAccountingBooks)
        await Promise.allSettled([...accountingBooks.values()].map((books) => books.adapter.close()));
      await accounting.close();
      await Promise.allSettled(
        [...coverage.values()].flatMap((c) => [c.eligibility?.adapter.close(), c.claimStatus?.adapter.close()]),
      );
      await budgets.close();
      await store.close();
    },
  };
}
