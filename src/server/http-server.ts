/**
 * The gateway's one HTTP port: `POST|GET /graphql` (Apollo Server), the graphql-ws websocket on the
 * same path, the GraphiQL playground at `/graphiql`, `/healthz`, `/readyz` and the webhook routes.
 * Plain `node:http`: Apollo Server 5 is driven through `executeHTTPGraphQLRequest`, so no web
 * framework sits between the socket and the gateway.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { ApiKeyRing } from '../auth/api-keys';
import type { Logger } from '../logging/logger';
import { createContext, type GatewayContext, type GatewayServices } from '../graphql/context';
import { BodyTooLarge, readBody } from './body';
import { graphiqlPage, serveGraphiqlAsset, type GraphiQLOptions } from './graphiql';
import { handleWebhook, type WebhookRouteDeps } from './webhook-route';

export interface HttpServerDeps {
  apollo: ApolloServer<GatewayContext>;
  schema: GraphQLSchema;
  keys: ApiKeyRing;
  services: GatewayServices;
  webhooks: WebhookRouteDeps;
  /** True once the store is open and every practice's connection has been tried. */
  ready: () => boolean;
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
  close(): Promise<void>;
}

export async function startHttpServer(deps: HttpServerDeps, port: number, host: string): Promise<RunningHttpServer> {
  const server = createServer((req, res) => {
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
      const ready = deps.ready();
      return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'starting' });
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

  const wss = new WebSocketServer({ server, path: '/graphql' });
  const ws = useServer<Record<string, unknown>, { caller?: ReturnType<ApiKeyRing['authenticate']> }>(
    {
      schema: deps.schema,
      onConnect: (ctx) => {
        const params = ctx.connectionParams ?? {};
        const header = params.Authorization ?? params.authorization;
        const caller = deps.keys.authenticate(typeof header === 'string' ? header : null);
        if (!caller) return false; // closes with 4403 Forbidden
        ctx.extra.caller = caller;
        return true;
      },
      context: (ctx) => createContext(ctx.extra.caller!, deps.services),
    },
    wss,
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const printableHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${printableHost}:${address.port}`,
    async close() {
      await ws.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
