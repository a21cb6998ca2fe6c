/**
 * Prometheus metrics (prom-client), one registry per gateway:
 *
 * | series | labels |
 * |---|---|
 * | `ledger_gateway_graphql_operations_total` | `operation`, `outcome` (`ok`, `partial`, `error`) |
 * | `ledger_gateway_graphql_operation_duration_seconds` (histogram) | `operation`, `outcome` |
 * | `ledger_gateway_graphql_errors_total` | `code` |
 * | `ledger_gateway_upstream_requests_total` | `practice`, `endpoint`, `method`, `status` |
 * | `ledger_gateway_upstream_request_duration_seconds` (histogram) | `practice`, `endpoint`, `method`, `status` |
 * | `ledger_gateway_dataloader_batch_size` (histogram) | `loader` |
 * | `ledger_gateway_webhook_verifications_total` | `result` |
 * | `ledger_gateway_transaction_status_changes_total` | `status` |
 * | `ledger_gateway_transactions` (gauge) | `status` |
 * | `ledger_gateway_circuit_state` (gauge, 1 for the current state) | `practice`, `state` |
 *
 * plus Node's process metrics (`ledger_gateway_process_*`, `ledger_gateway_nodejs_*`) unless turned off.
 * `status` is the HTTP status, or `error` when no response came (network failure, timeout).
 * `endpoint` must be a template (`/patients/:id`), never a path with ids in it, to keep series few.
 * Operation names come from clients: only the first `maxOperationNames` distinct ones get their own
 * series, later ones are counted as `(other)`; anonymous operations are `(anonymous)`, and requests
 * that never resolved to an operation (syntax error, too many tokens) are `(unresolved)`.
 *
 *     const metrics = createMetrics();
 *     new ApolloServer({ plugins: [apolloOperationGuard(guard), metrics.plugin, ...] });
 *     const services = { ..., observeBatch: metrics.observeBatch };
 *     startHttpServer({ ..., extraRoutes: metricsRoute(metrics.registry) }, port, host);
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ApolloServerPlugin, BaseContext, GraphQLResponse } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsOptions {
  /** Prefix of every series name. Default `ledger_gateway_`. */
  prefix?: string;
  /** Also collect Node's default process metrics. Default true. */
  defaultMetrics?: boolean;
  /** Distinct operation names given their own series. Default 200. */
  maxOperationNames?: number;
  /** Clock in milliseconds for operation durations. Default `performance.now`. */
  now?: () => number;
}

export interface UpstreamCall {
  practiceId: string;
  /** A template such as `/patients/:id`, not a concrete path. */
  endpoint: string;
  method: string;
  /** The HTTP status, or null when no response came. */
  status: number | null;
  durationMs: number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface GatewayMetrics {
  registry: Registry;
  plugin: ApolloServerPlugin<BaseContext>;
  observeUpstreamCall(call: UpstreamCall): void;
  /** A DataLoader batch of `size` keys (matches `BatchObserver` in src/graphql/loaders.ts). */
  observeBatch(loader: string, size: number): void;
  /** A webhook signature check: `valid`, `invalid`, `missing`, `unknown-practice`, … */
  observeWebhook(result: string): void;
  /** A transaction reached `status` (PENDING, SUBMITTED, COMPLETED, FAILED). */
  observeTransactionStatus(status: string): void;
  /** The number of transactions currently in each status (a snapshot from the store). */
  setTransactionsByStatus(counts: Readonly<Record<string, number>>): void;
  setCircuitState(practiceId: string, state: CircuitState): void;
}

const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half-open'];
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

type Outcome = 'ok' | 'partial' | 'error';

/** `ok` without errors, `partial` with errors and data, `error` with errors and no data. */
export function outcomeOf(response: GraphQLResponse): { outcome: Outcome; errors: readonly GraphQLFormattedError[] } {
  const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
  const errors = result.errors ?? [];
  if (errors.length === 0) return { outcome: 'ok', errors };
  return { outcome: result.data != null ? 'partial' : 'error', errors };
}

export function createMetrics(options: MetricsOptions = {}): GatewayMetrics {
  const prefix = options.prefix ?? 'ledger_gateway_';
  const maxOperationNames = options.maxOperationNames ?? 200;
  const now = options.now ?? (() => performance.now());
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });

  const operations = new Counter({
    name: `${prefix}graphql_operations_total`,
    help: 'GraphQL operations by operation name and outcome (ok, partial, error).',
    labelNames: ['operation', 'outcome'] as const,
    registers,
  });
  const operationSeconds = new Histogram({
    name: `${prefix}graphql_operation_duration_seconds`,
    help: 'GraphQL operation latency, from request start to response, by operation name and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const errors = new Counter({
    name: `${prefix}graphql_errors_total`,
    help: 'GraphQL errors returned, by extensions.code.',
    labelNames: ['code'] as const,
    registers,
  });
  const upstreamCalls = new Counter({
    name: `${prefix}upstream_requests_total`,
    help: 'Calls to upstream billing systems by practice, endpoint template, method and HTTP status (error: no response).',
    labelNames: ['practice', 'endpoint', 'method', 'status'] as const,
    registers,
  });
  const upstreamSeconds = new Histogram({
    name: `${prefix}upstream_request_duration_seconds`,
    help: 'Upstream call latency by practice, endpoint template, method and HTTP status.',
    labelNames: ['practice', 'endpoint', 'method', 'status'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const batchSize = new Histogram({
    name: `${prefix}dataloader_batch_size`,
    help: 'Keys per DataLoader batch, by loader.',
    labelNames: ['loader'] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers,
  });
  const webhooks = new Counter({
    name: `${prefix}webhook_verifications_total`,
    help: 'Webhook signature verifications by result.',
    labelNames: ['result'] as const,
    registers,
  });
  const transactionChanges = new Counter({
    name: `${prefix}transaction_status_changes_total`,
    help: 'Ledger transactions reaching a status.',
    labelNames: ['status'] as const,
    registers,
  });
  const transactions = new Gauge({
    name: `${prefix}transactions`,
    help: 'Ledger transactions currently in each status.',
    labelNames: ['status'] as const,
    registers,
  });
  const circuit = new Gauge({
    name: `${prefix}circuit_state`,
    help: 'Circuit breaker state per practice: 1 for the current state, 0 for the others.',
    labelNames: ['practice', 'state'] as const,
    registers,
  });

  const knownOperations = new Set<string>();
  function operationLabel(name: string | null | undefined, resolved: boolean): string {
    if (!resolved) return '(unresolved)';
    if (!name) return '(anonymous)';
    if (!OPERATION_NAME.test(name)) return '(other)';
    if (knownOperations.has(name)) return name;
    if (knownOperations.size >= maxOperationNames) return '(other)';
    knownOperations.add(name);
    return name;
  }

  const plugin: ApolloServerPlugin<BaseContext> = {
    async requestDidStart() {
      const startedAt = now();
      return {
        async willSendResponse(requestContext) {
          // Let every plugin's synchronous part of willSendResponse run first: the operation
          // guard replaces the response there.
          await Promise.resolve();
          const { outcome, errors: errorList } = outcomeOf(requestContext.response);
          const operation = operationLabel(requestContext.operationName, requestContext.operation !== undefined);
          operations.inc({ operation, outcome });
          operationSeconds.observe({ operation, outcome }, Math.max(0, now() - startedAt) / 1000);
          for (const error of errorList) errors.inc({ code: String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
        },
      };
    },
  };

  return {
    registry,
    plugin,
    observeUpstreamCall(call) {
      const labels = {
        practice: call.practiceId,
        endpoint: call.endpoint,
        method: call.method.toUpperCase(),
        status: call.status === null ? 'error' : String(call.status),
      };
      upstreamCalls.inc(labels);
      upstreamSeconds.observe(labels, Math.max(0, call.durationMs) / 1000);
    },
    observeBatch(loader, size) {
      batchSize.observe({ loader }, size);
    },
    observeWebhook(result) {
      webhooks.inc({ result });
    },
    observeTransactionStatus(status) {
      transactionChanges.inc({ status });
    },
    setTransactionsByStatus(counts) {
      transactions.reset();
      for (const [status, count] of Object.entries(counts)) transactions.set({ status }, count);
    },
    setCircuitState(practiceId, state) {
      for (const candidate of CIRCUIT_STATES)
        circuit.set({ practice: practiceId, state: candidate }, candidate === state ? 1 : 0);
    },
  };
}

export interface MetricsRouteOptions {
  /** Path served. Default `/metrics`. */
  path?: string;
  /** Return false to refuse a scrape with 403 (e.g. check a bearer token or the remote address). Default: allow. */
  authorize?: (req: IncomingMessage) => boolean;
}

/**
 * `GET /metrics` (and HEAD) for the HTTP server's `extraRoutes`: the registry's text, with its
 * content type. Resolves false for any other path, so it can be chained with other routes.
 */
export function metricsRoute(
  registry: Registry,
  options: MetricsRouteOptions = {},
): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  const path = options.path ?? '/metrics';
  return async (req, res, url) => {
    if (url.pathname !== path) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return true;
    }
    if (options.authorize && !options.authorize(req)) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('forbidden\n');
      return true;
    }
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
