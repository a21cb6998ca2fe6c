/**
 * The gateway's one HTTP port: `POST|GET /graphql` (Apollo Server), the graphql-ws websocket on the
 * same path, the GraphiQL playground at `/graphiql`, `/healthz`, `/readyz`, `/metrics` and the
 * webhook routes. `/readyz` answers its status to anyone and the per-practice details only to an
 * operator, who alone reads `/metrics` too (./operator-access.ts); with `operator.bind`, a second
 * listener serves those two (and `/healthz`) with no key, for a scraper on a private address.
 * Plain `node:http`: Apollo Server 5 is driven through `executeHTTPGraphQLRequest`, so no web
 * framework sits between the socket and the gateway.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { ApiKeyRing } from '../auth/api-keys';
import { isPayPageCaller, isPayPageDocument, payPageCaller } from '../auth/pay-page-caller';
import { payPageBundle } from '../web/bundle';
import { handlePayPageRoute } from '../web/route';
import { defaultLimits, type LimitsConfig } from '../config';
import type { Logger } from '../logging/logger';
import { createContext, type GatewayContext, type GatewayServices } from '../graphql/context';
import { runInRequestScope } from '../upstream-budget';
import { BodyTooLarge, readBody } from './body';
import { graphiqlFor, graphiqlPage, serveGraphiqlAsset, type GraphiQLOptions } from './graphiql';
import { operatorAccess } from './operator-access';
import { handleWebhook, type WebhookRouteDeps } from './webhook-route';
import { graphqlWsOperationGuard, withoutHttpHead, type OperationGuard } from '../plugins/operation-guard';
import { gatewayError } from '../graphql/errors';
import { formatClientError, upstreamFailureOf, upstreamLogEntry } from '../graphql/upstream-errors';
import { practiceIdsOf } from '../plugins/request-logging';
import { createFanout, type FanoutStats } from './fanout';
import { addressUrl, listen } from './listen';
import { createWsConnectionLimits } from './ws-limits';
import { createCors } from './cors';
import { trustedHttpRequest, trustedWsPayload, writeGraphQLError } from './trusted-requests';

export interface HttpServerDeps {
  apollo: ApolloServer<GatewayContext>;
  schema: GraphQLSchema;
  keys: ApiKeyRing;
  services: GatewayServices;
  webhooks: WebhookRouteDeps;
  /**
   * `POST /webhooks/<processor>/<practiceId>` (the collection flow's route): answers and resolves
   * `true` for a processor's word, `false` to leave the path to the ledger webhooks.
   */
  processorWebhooks?: (req: IncomingMessage, res: ServerResponse, system: string, practiceId: string) => Promise<boolean>;
  /** True once the store is open and every practice's connection has been tried. */
  ready: () => boolean;
  /** Per-practice connection health, shown in `/readyz`'s body to operators only. */
  health?: () => unknown;
  /**
   * What only operators see: `routes` answers `/metrics` (e.g. `metricsRoute(registry)`), for a
   * request bearing an all-practices API key or `token` on this port (401 otherwise), and to anyone
   * on the `bind` listener. Default: no `/metrics`, no second listener.
   */
  operator?: {
    routes: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
    /** `server.metricsToken`. */
    token?: string;
    /** `server.metricsBind`. */
    bind?: { host: string; port: number };
  };
  /**
   * The operation guard Apollo applies over HTTP (src/plugins/operation-guard), applied here to
   * graphql-ws operations, which bypass Apollo: the same rules, and one rate budget per key.
   */
  guard: OperationGuard;
  graphiql?: GraphiQLOptions;
  /**
   * Largest GraphQL request body accepted, and the largest websocket message.
   * Default: `limits.maxBodyBytes` of src/config.ts.
   */
  maxBodyBytes?: number;
  /** The websocket limits (src/server/ws-limits.ts). Default: each one's value in `limits` of src/config.ts. */
  wsLimits?: Partial<WsLimits>;
  /** Origins allowed to call `/graphql` from a browser (`server.corsOrigins`, ./cors.ts). Default: none, no CORS headers. */
  corsOrigins?: readonly string[];
  /** Extra routes (e.g. `/metrics`); return true when handled. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  logger?: Logger;
}

type WsLimits = Pick<
  LimitsConfig,
  | 'maxWsConnectionsPerKey'
  | 'maxWsConnectionsPerAddress'
  | 'wsConnectionInitTimeoutMs'
  | 'wsPingIntervalMs'
  | 'wsIdleTimeoutMs'
  | 'maxWsBufferedBytes'
>;

/** Most upstream failures detailed in one graphql-ws log line (as requestLogging's default). */
const MAX_LOGGED_UPSTREAM_FAILURES = 20;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function graphqlError(res: ServerResponse, status: number, code: string, message: string) {
  json(res, status, { errors: [{ message, extensions: { code } }] });
}

const UNAUTHENTICATED =
  'expected an Authorization: Bearer <api key> header with a valid key (without one, only paymentPage and paymentPageChanged)';

function payPageRequest(query: unknown, deps: HttpServerDeps): boolean {
  return isPayPageDocument(query, deps.guard.limits.maxTokens);
}

function wantsHtml(req: IncomingMessage): boolean {
  return req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
}

async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL, deps: HttpServerDeps) {
  let caller = deps.keys.authenticate(req.headers.authorization);
  if (!caller && req.method !== 'POST' && !payPageRequest(url.searchParams.get('query'), deps)) {
    return graphqlError(res, 401, 'UNAUTHENTICATED', UNAUTHENTICATED);
  }
  let body: unknown;
  let search = url.search;
  if (req.method === 'POST') {
    let raw: Buffer;
    try {
      raw = await readBody(req, deps.maxBodyBytes ?? defaultLimits.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) return graphqlError(res, 413, 'BAD_USER_INPUT', error.message);
      throw error;
    }
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : {};
    } catch {
      return graphqlError(res, 400, 'BAD_USER_INPUT', 'expected a JSON request body');
    }
  }
  // Without a key, only the pay page's operations (src/auth/pay-page-caller.ts), per client address.
  if (!caller) {
    const query = req.method === 'POST' ? (body as { query?: unknown } | null)?.query : url.searchParams.get('query');
    if (!payPageRequest(query, deps)) return graphqlError(res, 401, 'UNAUTHENTICATED', UNAUTHENTICATED);
    caller = payPageCaller(req.socket.remoteAddress, deps.services.config.limits.payPageRequestsPerMinute);
  }
  // A key locked to persisted documents: Apollo receives the manifest's text, or nothing (./trusted-requests.ts).
  if (caller.documents) {
    const trusted = trustedHttpRequest(caller.documents, req.method ?? 'GET', body, search);
    if ('refusal' in trusted) return writeGraphQLError(res, deps.guard.admit(caller) ?? trusted.refusal);
    ({ body, search } = trusted);
  }
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  // The request scope: upstream calls made while executing it queue under this key in the
  // credential's fair queue and count against limits.maxUpstreamCalls (src/upstream-budget).
  const scope = { apiKey: caller.keyName, maxUpstreamCalls: deps.services.config.limits.maxUpstreamCalls };
  await runInRequestScope(scope, async () => {
    const response = await deps.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search, body },
      context: async () => createContext(caller, deps.services),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  });
}

export interface RunningHttpServer {
  server: Server;
  url: string;
  /** The `operator.bind` listener's URL, when there is one. */
  operatorUrl?: string;
  /** The subscription fan-out's groups, members and renders (./fanout.ts). */
  fanout: FanoutStats;
  close(drainMs?: number): Promise<void>;
}

export async function startHttpServer(deps: HttpServerDeps, port: number, host: string): Promise<RunningHttpServer> {
  // In-flight requests, so a graceful close can cut keep-alive connections as soon as the last
  // response is out instead of waiting for clients to hang up.
  let inFlight = 0;
  let closing = false;
  const server = createServer((req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (closing && inFlight === 0) server.closeAllConnections();
    });
    if (closing) res.setHeader('connection', 'close');
    route(req, res).catch((error: unknown) => {
      // Never echo internals; the id-only log line is the caller's (see logging).
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.end();
      deps.logger?.error(
        { err: { name: (error as Error).name, message: (error as Error).message }, path: req.url?.split('?')[0] },
        'request failed',
      );
    });
  });

  const isOperator = operatorAccess(deps.keys, deps.operator?.token);
  const cors = createCors({ origins: deps.corsOrigins });

  /**
   * 200 once the store is open and every connection has been tried, whatever the upstreams' health:
   * a down upstream yields partial results, not a gateway to route around. The per-practice details
   * (ids, upstream error text) only for an operator.
   */
  function readyz(res: ServerResponse, detailed: boolean) {
    const ready = deps.ready();
    const practices = ready && detailed ? deps.health?.() : undefined;
    return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'starting', ...(practices ? { practices } : {}) });
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const path = url.pathname;
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') return readyz(res, isOperator(req));
    if (path === '/metrics' && deps.operator) {
      if (!isOperator(req)) {
        return json(
          res,
          401,
          { error: 'expected Authorization: Bearer <an API key for every practice, or server.metricsToken>' },
          { 'www-authenticate': 'Bearer' },
        );
      }
      if (await deps.operator.routes(req, res, url)) return;
    }
    if (path === '/graphiql' || (path === '/graphql' && wantsHtml(req))) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(graphiqlPage(graphiqlFor(req, deps.graphiql)));
    }
    if (path.startsWith('/graphiql/assets/') && req.method === 'GET') {
      if (await serveGraphiqlAsset(path.slice('/graphiql/assets/'.length), res)) return;
    }
    if (path === '/graphql' && cors(req, res)) return; // a preflight, answered
    if (path === '/graphql' && (req.method === 'POST' || req.method === 'GET')) return handleGraphQL(req, res, url, deps);
    if (await handlePayPageRoute(req, res, path, { services: deps.services, guard: deps.guard })) return;
    const webhook = /^\/webhooks\/([a-z0-9-]+)\/([a-z0-9-]+)$/.exec(path);
    if (webhook && req.method === 'POST' && (await deps.processorWebhooks?.(req, res, webhook[1]!, webhook[2]!))) return;
    if (webhook && req.method === 'POST') return handleWebhook(req, res, webhook[1]!, webhook[2]!, deps.webhooks);
    if (deps.extraRoutes && (await deps.extraRoutes(req, res, url))) return;
    json(res, 404, { error: 'not found' });
  }

  // Listen before the websocket server is attached: it re-emits the HTTP server's errors, and a
  // taken port should reach the caller as one ListenError, not also as a websocket server error.
  const address = await listen(server, port, host);
  // The pay page's script is bundled now, not on the first patient's request (src/web/bundle.ts).
  payPageBundle().catch((error: unknown) =>
    deps.logger?.error({ err: { name: (error as Error).name, message: (error as Error).message } }, 'pay page bundle failed'),
  );
  const operatorServer = deps.operator?.bind ? await startOperatorServer(deps, readyz, server) : undefined;
  // maxPayload is checked on each frame's header: an oversized message is refused (1009) before its
  // body is read, where ws's default would buffer up to 100 MiB of it, before any key is known.
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: deps.maxBodyBytes ?? defaultLimits.maxBodyBytes });
  const wsLimits: WsLimits = { ...defaultLimits, ...deps.wsLimits };
  const connections = createWsConnectionLimits(wss, {
    maxPerKey: wsLimits.maxWsConnectionsPerKey,
    maxPerAddress: wsLimits.maxWsConnectionsPerAddress,
    idleTimeoutMs: wsLimits.wsIdleTimeoutMs,
  });
  const guardOperation = graphqlWsOperationGuard(deps.guard, deps.schema);
  // Subscribers of one source and document share one stream, render and frame (./fanout.ts).
  const fanout = createFanout({ maxBufferedBytes: wsLimits.maxWsBufferedBytes });
  /**
   * graphql-ws operations bypass Apollo and its request log line: a result with an upstream failure
   * gets a request id here, the client the safe message with it, and one warn line the details under
   * it (the same fields as requestLogging's `upstream`, src/plugins/request-logging.ts).
   */
  const formatWsErrors = (
    errors: readonly GraphQLError[],
    keyName: string | undefined,
    operationId: string,
    variables: Readonly<Record<string, unknown>> | null | undefined,
  ): GraphQLFormattedError[] => {
    const requestId = randomUUID();
    const upstream = errors.flatMap((error) => {
      const failure = upstreamFailureOf(error);
      return failure ? [upstreamLogEntry(failure, error.path)] : [];
    });
    if (upstream.length) {
      deps.logger?.warn(
        {
          requestId,
          transport: 'graphql-ws',
          operationId,
          ...(keyName ? { keyName } : {}),
          practiceIds: practiceIdsOf(undefined, variables ?? undefined),
          upstream: upstream.slice(0, MAX_LOGGED_UPSTREAM_FAILURES),
          upstreamFailures: upstream.length,
        },
        'graphql-ws upstream failure',
      );
    }
    return errors.map((error) => formatClientError(error.toJSON(), error, upstream.length ? requestId : undefined));
  };
  const ws = useServer<Record<string, unknown>, { caller?: ReturnType<ApiKeyRing['authenticate']> }>(
    {
      schema: deps.schema,
      subscribe: fanout.subscribe,
      onConnect: (ctx) => {
        const params = ctx.connectionParams ?? {};
        const header = params.Authorization ?? params.authorization;
        // Without a key: the pay page's caller, per address; its operations are checked in onSubscribe.
        const caller =
          deps.keys.authenticate(typeof header === 'string' ? header : null) ??
          (header === undefined
            ? payPageCaller(ctx.extra.request.socket.remoteAddress, deps.services.config.limits.payPageRequestsPerMinute)
            : null);
        if (!caller) return false; // closes with 4403 Forbidden
        if (!connections.admitKey(ctx.extra.socket, caller.keyName)) return false; // closed with 4429 already
        connections.closeWhenIdle(ctx.extra.socket, () => Object.keys(ctx.subscriptions).length > 0);
        ctx.extra.caller = caller;
        return true;
      },
      // A socket that never says who it is holds a connection slot: 4408 after this long.
      connectionInitWaitTimeout: wsLimits.wsConnectionInitTimeoutMs,
      onSubscribe: (ctx, _id, payload) => {
        // A socket without a key that asks for anything but the pay page's operations is closed as
        // one without a valid key always was (4403), before anything runs.
        if (isPayPageCaller(ctx.extra.caller) && !isPayPageDocument(payload.query, deps.guard.limits.maxTokens)) {
          ctx.extra.socket.close(4403, 'Forbidden');
          return [withoutHttpHead(gatewayError('UNAUTHENTICATED', UNAUTHENTICATED))];
        }
        // A key locked to persisted documents runs the manifest's text or nothing, as over HTTP.
        const caller = ctx.extra.caller;
        const trusted = caller?.documents ? trustedWsPayload(caller.documents, payload) : { payload };
        if ('refusal' in trusted) return [withoutHttpHead(deps.guard.admit(caller) ?? trusted.refusal)];
        return guardOperation(caller, trusted.payload);
      },
      context: (ctx, id) => fanout.bind(createContext(ctx.extra.caller!, deps.services), ctx.extra.socket, id),
      // The same formatting as Apollo's formatError: no client-sent value (a card) is echoed back, and
      // an upstream failure is answered in its safe form, its details logged (formatWsErrors).
      onError: (ctx, id, payload, errors) => formatWsErrors(errors, ctx.extra.caller?.keyName, id, payload.variables),
      onNext: (ctx, id, payload, _args, result) =>
        result.errors
          ? { ...result, errors: formatWsErrors(result.errors, ctx.extra.caller?.keyName, id, payload.variables) }
          : undefined,
    },
    wss,
    // Keep-alive: graphql-ws pings this often and terminates a socket that has not answered in as long.
    wsLimits.wsPingIntervalMs,
  );
  // graphql-ws prints every socket error to the console, so a client sending oversized or malformed
  // frames could flood it; ws already closes such a socket with the right code (1009, 1002). One
  // debug line instead (this listener runs after graphql-ws's, which it replaces).
  wss.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', (error) => deps.logger?.debug({ err: { name: error.name, message: error.message } }, 'websocket error'));
  });

  return {
    server,
    url: addressUrl(address),
    ...(operatorServer ? { operatorUrl: addressUrl(operatorServer.address() as AddressInfo) } : {}),
    fanout: fanout.stats,
    /**
     * Graceful: stop accepting, close websockets with 1001 (going away), let in-flight HTTP
     * requests finish (up to `drainMs`, default 10 s), then cut what is left.
     */
    async close(drainMs = 10_000) {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await ws.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      const timer = setTimeout(() => server.closeAllConnections(), drainMs);
      timer.unref();
      if (inFlight === 0) server.closeAllConnections();
      if (operatorServer) {
        const operatorClosed = new Promise<void>((resolve) => operatorServer.close(() => resolve()));
        operatorServer.closeAllConnections(); // scrapes are short: nothing to drain
        await operatorClosed;
      }
      await closed;
      clearTimeout(timer);
    },
  };
}

/**
 * The `operator.bind` listener: `/healthz`, the detailed `/readyz` and `/metrics`, with no key (who
 * can reach the address is the access control), nothing else. When it cannot listen, `main` (already
 * listening) is closed before the error goes up, so nothing is left open.
 */
async function startOperatorServer(
  deps: HttpServerDeps,
  readyz: (res: ServerResponse, detailed: boolean) => void,
  main: Server,
): Promise<Server> {
  const operator = deps.operator!;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://operator.invalid');
    const answer = async () => {
      if (url.pathname === '/healthz') return json(res, 200, { status: 'ok' });
      if (url.pathname === '/readyz') return readyz(res, true);
      if (await operator.routes(req, res, url)) return;
      json(res, 404, { error: 'not found' });
    };
    answer().catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.end();
      deps.logger?.error({ err: { name: (error as Error).name, message: (error as Error).message } }, 'operator request failed');
    });
  });
  try {
    await listen(server, operator.bind!.port, operator.bind!.host);
  } catch (error) {
    await new Promise<void>((resolve) => main.close(() => resolve()));
    throw error;
  }
  return server;
}
