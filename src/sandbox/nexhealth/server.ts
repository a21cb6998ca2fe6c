/**
 * The HTTP server (node:http, no framework) and its request pipeline:
 *
 *   request log → faults → `Nex-Api-Version` (404 without) → route (404) → auth (401) → rate limit (429)
 *   → `subdomain` (400 missing / 403 wrong) → `location_id` on list calls and writes (400 / 403) → handler
 *
 * Every answer is the NexHealth envelope. `/__sandbox/…` is a small control surface for processes
 * that cannot reach the in-process API (no version, no auth, not logged, no faults).
 */
import http from 'node:http';
import { addressUrl, listen } from '../../server/listen';
import { type FaultDecision, type FaultInjector, faultRulesFromJson } from '../shared/fault-injection';
import { logRequest, parseQuery, type ParsedQuery, type RecordedRequest } from '../shared/request-log';
import type { TokenAuthority } from './auth';
import type { RequestContext } from './context';
import { badRequest, failureBody, forbidden, NexHttpError, notFound, ok, type Reply } from './envelope';
import type { InsertionEngine } from './insertion';
import type { RateLimiter } from './rate-limit';
import * as reads from './reads';
import type { NexStore } from './store';
import type { WebhookHub } from './webhooks';
import { acceptedReply, validateWrite } from './writes';
import { readBody, sleep } from '../shared/http-body';
import { resetSocket } from '../shared/reset-socket';

export const API_VERSION = 'v20240412';

/** `institution`: subdomain only; `list` and `write`: subdomain and location_id. */
type Scope = 'public' | 'institution' | 'list' | 'write';

interface Route {
  method: string;
  pattern: RegExp;
  scope: Scope;
  handle: (ctx: RequestContext) => Reply | Promise<Reply>;
}

export interface ServerParts {
  store: NexStore;
  auth: TokenAuthority;
  rateLimiter: RateLimiter | null;
  faults: FaultInjector;
  insertion: InsertionEngine;
  webhooks: WebhookHub;
  log: RecordedRequest[];
}

function routes(parts: ServerParts): Route[] {
  const { insertion, webhooks } = parts;
  const id = '([0-9]+)';
  return [
    { method: 'GET', pattern: /^\/patients$/, scope: 'list', handle: reads.listPatients },
    { method: 'GET', pattern: new RegExp(`^/patients/${id}$`), scope: 'institution', handle: reads.getPatient },
    { method: 'GET', pattern: /^\/guarantor_balances$/, scope: 'list', handle: reads.listGuarantorBalances },
    { method: 'GET', pattern: /^\/insurance_balances$/, scope: 'list', handle: reads.listInsuranceBalances },
    { method: 'GET', pattern: /^\/charges$/, scope: 'list', handle: reads.listCharges },
    { method: 'GET', pattern: new RegExp(`^/charges/${id}$`), scope: 'institution', handle: reads.getCharge },
    { method: 'GET', pattern: /^\/claims$/, scope: 'list', handle: reads.listClaims },
    { method: 'GET', pattern: /^\/payments$/, scope: 'list', handle: reads.listPayments },
    { method: 'GET', pattern: /^\/adjustments$/, scope: 'list', handle: reads.listAdjustments },
    { method: 'GET', pattern: /^\/payment_types$/, scope: 'list', handle: reads.listPaymentTypes },
    { method: 'GET', pattern: /^\/adjustment_types$/, scope: 'list', handle: reads.listAdjustmentTypes },
    { method: 'GET', pattern: new RegExp(`^/providers/${id}$`), scope: 'institution', handle: reads.getProvider },
    { method: 'GET', pattern: new RegExp(`^/procedures/${id}$`), scope: 'institution', handle: reads.getProcedure },
    {
      method: 'POST',
      pattern: /^\/payments$/,
      scope: 'write',
      handle: (ctx) => {
        const write = validateWrite(ctx, 'payment');
        insertion.accept(write);
        return acceptedReply(write);
      },
    },
    {
      method: 'POST',
      pattern: /^\/adjustments$/,
      scope: 'write',
      handle: (ctx) => {
        const write = validateWrite(ctx, 'adjustment');
        insertion.accept(write);
        return acceptedReply(write);
      },
    },
    { method: 'POST', pattern: /^\/webhook_endpoints$/, scope: 'institution', handle: (ctx) => webhooks.createEndpoint(ctx) },
    { method: 'GET', pattern: /^\/webhook_endpoints$/, scope: 'institution', handle: () => webhooks.listEndpoints() },
    {
      method: 'POST',
      pattern: new RegExp(`^/webhook_endpoints/${id}/webhook_subscriptions$`),
      scope: 'institution',
      handle: (ctx) => webhooks.createSubscription(ctx),
    },
  ];
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function send(res: http.ServerResponse, reply: Reply): void {
  write(res, reply, JSON.stringify(reply.body));
}

function write(res: http.ServerResponse, reply: Reply, text: string): void {
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...reply.headers,
  });
  res.end(text);
}

export function createNexServer(parts: ServerParts): http.Server {
  const table = routes(parts);
  const { store, auth, rateLimiter, faults, log } = parts;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const arrived = performance.now();
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const query = parseQuery(url.searchParams);
    const raw = method === 'GET' || method === 'HEAD' ? '' : await readBody(req, () => badRequest('Request body too large'));

    if (path.startsWith('/__sandbox/')) {
      send(res, await admin(method, path, raw, parts));
      return;
    }

    let body: unknown;
    let bodyError = false;
    if (raw.trim() !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        bodyError = true;
      }
    }
    const entry: RecordedRequest = {
      method,
      path,
      query,
      headers: { ...req.headers },
      body,
      time: Date.now(),
      status: null,
      answeredAt: null,
    };
    logRequest(log, entry, res);

    const decision = faults.decide(method, path);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    // Everything after the decision answers through `reply`, so a response time covers errors too.
    // The body is rendered before the wait, so the answer leaves at its time and not after it.
    const reply = async (r: Reply): Promise<void> => {
      const text = JSON.stringify(r.body);
      const wait = arrived + decision.responseTimeMs - performance.now();
      if (wait > 0) await sleep(wait);
      write(res, r, text);
    };
    const effect = decision.effect;
    if (effect?.kind === 'reset') {
      resetSocket(req.socket);
      return;
    }
    if (effect?.kind === 'malformed') {
      const text = '{"code": true, "description": null, "error": [], "data": [{"id": 1, "first_na';
      const wait = arrived + decision.responseTimeMs - performance.now();
      if (wait > 0) await sleep(wait);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    try {
      await reply(await answer(req, method, path, query, body, bodyError, effect));
    } catch (error) {
      if (!(error instanceof NexHttpError)) throw error;
      await reply(error.toReply());
    }
  }

  /** The answer to a request past the fault decision: a forced status, or the route's own. */
  async function answer(
    req: http.IncomingMessage,
    method: string,
    path: string,
    query: ParsedQuery,
    body: unknown,
    bodyError: boolean,
    effect: FaultDecision['effect'],
  ): Promise<Reply> {
    if (effect?.kind === 'status') {
      const message =
        effect.errorText ??
        (effect.status === 429
          ? 'Rate limit exceeded'
          : effect.status >= 500
            ? 'Internal server error'
            : `Injected fault (${effect.status})`);
      return {
        status: effect.status,
        body: failureBody(message),
        headers: effect.retryAfterSeconds !== null ? { 'Retry-After': String(effect.retryAfterSeconds) } : {},
      };
    }

    if (header(req, 'nex-api-version') !== API_VERSION) throw notFound('Not found: the Nex-Api-Version header must be v20240412');

    if (method === 'POST' && path === '/authenticates') {
      const token = auth.authenticate(header(req, 'authorization'));
      rateLimiter?.hit(`key:${store.seed.apiKey}`, path);
      return ok({ token }, 201, 'Authenticated');
    }

    let params: string[] = [];
    const route = table.find((r) => {
      if (r.method !== method) return false;
      const match = r.pattern.exec(path);
      if (match) params = match.slice(1);
      return match !== null;
    });
    if (!route) throw notFound(`Not found: ${method} ${path}`);

    const apiKey = auth.verify(header(req, 'authorization'));
    rateLimiter?.hit(`key:${apiKey}`, path);

    const subdomain = typeof query['subdomain'] === 'string' ? query['subdomain'] : '';
    if (!subdomain) throw badRequest('subdomain is required');
    if (subdomain !== store.institution.subdomain) throw forbidden(`No access to subdomain ${subdomain}`);

    const rawLocation = query['location_id'];
    let locationId: number | null = null;
    if (rawLocation !== undefined && rawLocation !== '') {
      const value = Array.isArray(rawLocation) ? '' : rawLocation;
      if (!/^[0-9]+$/.test(value) || !store.locations.has(Number(value))) throw forbidden(`No access to location ${value}`);
      locationId = Number(value);
    } else if (route.scope === 'list' || route.scope === 'write') {
      throw badRequest('location_id is required');
    }
    if (bodyError) throw badRequest('Request body is not valid JSON');

    return route.handle({ method, path, params, query, body, store, locationId });
  }

  return http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (error instanceof NexHttpError) send(res, error.toReply());
      else
        send(res, {
          status: 500,
          body: failureBody(`Internal server error: ${error instanceof Error ? error.message : String(error)}`),
        });
    });
  });
}

/** The `/__sandbox/…` control surface. */
async function admin(method: string, path: string, raw: string, parts: ServerParts): Promise<Reply> {
  const json = (): unknown => (raw.trim() ? JSON.parse(raw) : {});
  try {
    if (method === 'POST' && path === '/__sandbox/faults') {
      return ok({ ids: faultRulesFromJson(raw || '[]').map((rule) => parts.faults.add(rule)) }, 201);
    }
    if (method === 'DELETE' && path === '/__sandbox/faults') {
      parts.faults.clear();
      return ok(null);
    }
    if (method === 'GET' && path === '/__sandbox/faults')
      return ok(parts.faults.list().map((f) => ({ ...f, rule: { ...f.rule, path: String(f.rule.path ?? '') } })));
    if (method === 'POST' && path === '/__sandbox/insertions/complete') {
      await parts.insertion.completePending();
      return ok(null);
    }
    if (method === 'POST' && path === '/__sandbox/insertions/fail-next') {
      const reason = (json() as { reason?: unknown }).reason;
      parts.insertion.failNext(typeof reason === 'string' ? reason : 'Insertion failed');
      return ok(null);
    }
    if (method === 'POST' && path === '/__sandbox/tokens/expire') {
      parts.auth.expireAll();
      return ok(null);
    }
    if (method === 'GET' && path === '/__sandbox/requests') return ok(parts.log);
    if (method === 'DELETE' && path === '/__sandbox/requests') {
      parts.log.length = 0;
      return ok(null);
    }
    if (method === 'GET' && path === '/__sandbox/deliveries') return ok(parts.webhooks.deliveries);
  } catch (error) {
    return { status: 400, body: failureBody(error instanceof Error ? error.message : String(error)) };
  }
  return { status: 404, body: failureBody(`Not found: ${method} ${path}`) };
}

/** Listens and resolves with the base URL; a taken port rejects with a `ListenError`. */
export async function listenOn(server: http.Server, port: number, host: string): Promise<string> {
  return addressUrl(await listen(server, port, host));
}
