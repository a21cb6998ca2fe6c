/**
 * The gateway's one HTTP port: `POST|GET /graphql` (Apollo Server), the graphql-ws websocket on the
 * same path, the GraphiQL playground at `/graphiql`, `/healthz`, `/readyz` and the webhook routes.
 * Plain `node:http`: Apollo Server 5 is driven through `executeHTTPGraphQLRequest`, so no web
 * framework sits between the socket and the gateway.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { GraphQLError, Kind, parse, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { ApiKeyRing } from '../auth/api-keys';
import type { Logger } from '../logging/logger';
import { createContext, type GatewayContext, type GatewayServices } from '../graphql/context';
import { BodyTooLarge, readBody } from './body';
import { graphiqlPage, serveGraphiqlAsset, type GraphiQLOptions } from './graphiql';
import { handleWebhook, type WebhookRouteDeps } from './webhook-route';
import { countTokens, measureOperation, queryTooComplex, type QueryLimitsOptions } from '../plugins/query-limits';
import { rateLimitedError, TokenBuckets } from '../plugins/rate-limit';
import { usesIntrospection } from '../plugins/introspection-per-key';
import { gatewayError } from '../graphql/errors';
import { redactFormattedError } from '../graphql/redact-errors';
import { createSharedSubscribe } from './shared-subscription-results';
import { addressUrl, listen } from './listen';

export interface HttpServerDeps {
  apollo: ApolloServer<GatewayContext>;
  schema: GraphQLSchema;
  keys: ApiKeyRing;
  services: GatewayServices;
  webhooks: WebhookRouteDeps;
  /** True once the store is open and every practice's connection has been tried. */
  ready: () => boolean;
  /** Per-practice connection health, shown in `/readyz`'s body. */
  health?: () => unknown;
  /**
   * The limits applied over HTTP by the Apollo plugins, applied here to graphql-ws operations
   * (which bypass Apollo): query limits, the per-key rate limit and introspection per key.
   */
  limits?: QueryLimitsOptions & { requestsPerMinute?: number };
  /** Clock of the websocket rate limit, in ms (tests). Default `Date.now`. */
  now?: () => number;
  /** The rate-limit buckets shared with the HTTP plugin, so a key has one budget. Default: the websocket's own. */
  rateLimitBuckets?: TokenBuckets;
  graphiql?: GraphiQLOptions;
  /** Largest GraphQL request body accepted. Default 1 MB. */
  maxBodyBytes?: number;
  /** Extra routes (e.g. `/metrics`); return true when handled. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  logger?: Logger;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function graphqlError(res: ServerResponse, status: number, code: string, message: string) {
  json(res, status, { errors: [{ message, extensions: { code } }] });
}

function wantsHtml(req: IncomingMessage): boolean {
  return req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
}

async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL, deps: HttpServerDeps) {
  const caller = deps.keys.authenticate(req.headers.authorization);
  if (!caller) {
    return graphqlError(res, 401, 'UNAUTHENTICATED', 'expected an Authorization: Bearer <api key> header with a valid key');
  }
  let body: unknown = undefined;
  if (req.method === 'POST') {
    let raw: Buffer;
    try {
      raw = await readBody(req, deps.maxBodyBytes ?? 1_000_000);
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
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const response = await deps.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
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
}

export interface RunningHttpServer {
  server: Server;
  url: string;
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
      deps.logger?.error({ err: { name: (error as Error).name, message: (error as Error).message }, path: req.url?.split('?')[0] }, 'request failed');
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const path = url.pathname;
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      // 200 once the store is open and every connection has been tried, whatever the upstreams'
      // health: a down upstream yields partial results, not a gateway to route around.
      const ready = deps.ready();
      const practices = ready ? deps.health?.() : undefined;
      return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'starting', ...(practices ? { practices } : {}) });
    }
    if (path === '/graphiql' || (path === '/graphql' && wantsHtml(req))) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(graphiqlPage(deps.graphiql));
    }
    if (path.startsWith('/graphiql/assets/') && req.method === 'GET') {
      if (await serveGraphiqlAsset(path.slice('/graphiql/assets/'.length), res)) return;
    }
    if (path === '/graphql' && (req.method === 'POST' || req.method === 'GET')) return handleGraphQL(req, res, url, deps);
    const webhook = /^\/webhooks\/([a-z0-9-]+)\/([a-z0-9-]+)$/.exec(path);
    if (webhook && req.method === 'POST') return handleWebhook(req, res, webhook[1]!, webhook[2]!, deps.webhooks);
    if (deps.extraRoutes && (await deps.extraRoutes(req, res, url))) return;
    json(res, 404, { error: 'not found' });
  }

  // Listen before the websocket server is attached: it re-emits the HTTP server's errors, and a
  // taken port should reach the caller as one ListenError, not also as a websocket server error.
  const address = await listen(server, port, host);
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const wsLimits = websocketLimits(deps);
  const ws = useServer<Record<string, unknown>, { caller?: ReturnType<ApiKeyRing['authenticate']> }>(
    {
      schema: deps.schema,
      subscribe: createSharedSubscribe(),
      onConnect: (ctx) => {
        const params = ctx.connectionParams ?? {};
        const header = params.Authorization ?? params.authorization;
        const caller = deps.keys.authenticate(typeof header === 'string' ? header : null);
        if (!caller) return false; // closes with 4403 Forbidden
        ctx.extra.caller = caller;
        return true;
      },
      onSubscribe: (ctx, _id, payload) => wsLimits(ctx.extra.caller!, payload),
      context: (ctx) => createContext(ctx.extra.caller!, deps.services),
      // The same redaction as Apollo's formatError: no client-sent value (a card) is echoed back.
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => redactFormattedError(error.toJSON())),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((error) => redactFormattedError(error.toJSON())) } : undefined,
    },
    wss,
  );

  return {
    server,
    url: addressUrl(address),
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
      await closed;
      clearTimeout(timer);
    },
  };
}

/**
 * The HTTP plugins' refusals for one graphql-ws operation (subscriptions, and the queries and
 * mutations graphql-ws also executes), reusing their measures: the per-key rate limit (its own
 * buckets: one token per operation started over the socket), the token limit, depth / aliases / cost,
 * and introspection per key. Returns errors to send, or nothing to let graphql-ws go on.
 */
function websocketLimits(deps: HttpServerDeps) {
  const limits = deps.limits ?? {};
  const maxDepth = limits.maxDepth ?? 12;
  const maxAliases = limits.maxAliases ?? 30;
  const maxTokens = limits.maxTokens ?? 5000;
  const maxCost = limits.maxCost ?? 20000;
  const perMinute = limits.requestsPerMinute ?? 600;
  const buckets = deps.rateLimitBuckets ?? new TokenBuckets(deps.now ?? Date.now);

  type WsCaller = NonNullable<ReturnType<ApiKeyRing['authenticate']>>;
  type WsPayload = { query: string; operationName?: string | null; variables?: Record<string, unknown> | null };
  return (caller: WsCaller, payload: WsPayload): readonly GraphQLError[] | void => {
    const errors = refusal(caller, payload);
    // No HTTP response to shape on a socket: drop the status/headers hints of `gatewayError`.
    for (const error of errors ?? []) delete (error.extensions as Record<string, unknown>).http;
    return errors;
  };

  function refusal(caller: WsCaller, payload: WsPayload): GraphQLError[] | void {
    const decision = buckets.take(caller.keyName, caller.requestsPerMinute ?? perMinute);
    if (!decision.allowed) {
      return [rateLimitedError(decision.retryAfterSeconds, caller.keyName)];
    }
    const query = typeof payload.query === 'string' ? payload.query : '';
    const tokens = countTokens(query, maxTokens);
    if (tokens > maxTokens) return [queryTooComplex('maxTokens', maxTokens, tokens, true)];
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens });
    } catch {
      return; // graphql-ws reports the syntax error itself
    }
    const fragments = new Map<string, FragmentDefinitionNode>();
    const operations = [];
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
      else if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
    }
    const operation = payload.operationName
      ? operations.find((o) => o.name?.value === payload.operationName)
      : operations.length === 1
        ? operations[0]
        : undefined;
    if (!operation) return; // graphql-ws reports it
    if (!caller.introspection && usesIntrospection(document, ['__schema', '__type'])) {
      return [gatewayError('FORBIDDEN', 'introspection is disabled for this API key')];
    }
    let measured;
    try {
      measured = measureOperation(deps.schema, operation, fragments, payload.variables ?? {}, {
        listCost: limits.listCost,
        sizeArguments: limits.sizeArguments,
        costCeiling: maxCost,
      });
    } catch {
      return; // invalid documents fail validation in graphql-ws
    }
    if (measured.depth > maxDepth) return [queryTooComplex('maxDepth', maxDepth, measured.depth)];
    if (measured.aliases > maxAliases) return [queryTooComplex('maxAliases', maxAliases, measured.aliases)];
    if (measured.cost > maxCost) return [queryTooComplex('maxCost', maxCost, measured.cost, measured.costIsLowerBound)];
  }
}
