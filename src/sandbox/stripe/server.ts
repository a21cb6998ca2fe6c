/**
 * The HTTP server (node:http) and its pipeline for `/v1/…`:
 *
 *   request log → route (404) → auth (401) → form decoding (400) → idempotency (replay, 400, 409)
 *   → faults (delay, forced status, dropped connection) → handler → answer (saved under the key)
 *
 * `/c/pay/{id}` is the hosted page (logged, no auth, no faults). `/_sandbox/…` is the control
 * surface (JSON, no auth, not logged, no faults): see `README.md` here.
 */
import http from 'node:http';
import type { FaultInjector } from '../shared/fault-injection';
import { logRequest, parseQuery, type RecordedRequest } from '../shared/request-log';
import { type ApiContext, type ApiRoute, apiRoutes, runRoute } from './api';
import { StripeHttpError, invalid } from './errors';
import { decodeForm, flatten, type FormObject, FormError } from './form';
import { closedPage, payPage } from './pay-page';
import { type Account, randomId, sessionJson, intentJson, subscribes, type StripeSim } from './sim';
import type { WebhookHub } from './webhooks';
import { readBody, sleep } from '../shared/http-body';
import { addControlFault } from '../shared/control-fault';
import { resetSocket } from '../shared/reset-socket';

const IDEMPOTENCY_KEY_TTL_S = 24 * 60 * 60;

/** One request as the sandbox saw it: the shared log entry plus the decoded form pairs, for wire-shape checks. */
export interface StripeRecordedRequest extends RecordedRequest {
  /** The decoded `key=value` pairs of the body (POST) or query (GET), keys as sent (brackets decoded), in order. */
  form: Array<[string, string]>;
}

interface SavedAnswer {
  method: string;
  path: string;
  /** The decoded parameter set, order-insensitive. */
  params: string;
  createdAt: number;
  answer: { status: number; body: unknown } | null;
}

export interface ServerParts {
  sim: StripeSim;
  webhooks: WebhookHub;
  faults: FaultInjector;
  /** Bodies of forced statuses, by fault rule id (from `/_sandbox/faults`' `body`). */
  faultBodies: Map<string, unknown>;
  log: StripeRecordedRequest[];
  idempotency: Map<string, SavedAnswer>;
  baseUrl(): string;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `Bearer sk_…` or `Basic base64(sk_…:)`. */
function keyOf(req: http.IncomingMessage): string | null {
  const auth = header(req, 'authorization');
  if (!auth) return null;
  const [scheme, value = ''] = auth.split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.split(':')[0] ?? null;
  }
  return null;
}

const unauthorized = (key: string | null) =>
  new StripeHttpError(401, {
    type: 'invalid_request_error',
    message: key
      ? `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`
      : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
  });

export function defaultFaultBody(status: number): unknown {
  if (status === 429)
    return {
      error: {
        type: 'invalid_request_error',
        code: 'rate_limit',
        message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
      },
    };
  if (status >= 500) return { error: { type: 'api_error', message: `Injected fault (${status}).` } };
  return { error: { type: 'invalid_request_error', message: `Injected fault (${status}).` } };
}

export function createStripeServer(parts: ServerParts): http.Server {
  const routes = apiRoutes();
  const { sim, webhooks, faults, log } = parts;

  sim.setEventSink((account, event) => {
    const targets = [...account.endpoints.values()].filter((e) => subscribes(e, event.type));
    webhooks.enqueue(
      event,
      targets.map((e) => ({ id: e.id, url: e.url, secret: e.secret })),
    );
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);

    if (path.startsWith('/_sandbox/')) {
      await control(method, path, raw, res);
      return;
    }

    const formText = method === 'GET' ? url.search.slice(1) : raw;
    const pairs: Array<[string, string]> = [...new URLSearchParams(formText)];
    const entry: StripeRecordedRequest = {
      method,
      path,
      query: parseQuery(url.searchParams),
      headers: { ...req.headers },
      body: undefined,
      form: pairs,
      time: sim.clock.nowMs(),
      status: null,
      answeredAt: null,
    };
    logRequest(log, entry, res, () => sim.clock.nowMs());
    sim.sweep();

    const page = /^\/c\/pay\/([^/]+)$/.exec(path);
    if (page) {
      hostedPage(method, page[1] ?? '', raw, res);
      return;
    }

    const requestId = randomId('req', 7);
    const headers: Record<string, string> = { 'request-id': requestId };
    let match: { route: ApiRoute; params: string[] } | null = null;
    for (const route of routes) {
      const m = route.method === method ? route.pattern.exec(path) : null;
      if (m) {
        match = { route, params: m.slice(1).map(decodeURIComponent) };
        break;
      }
    }
    if (!match) {
      sendJson(
        res,
        404,
        { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` } },
        headers,
      );
      return;
    }
    const key = keyOf(req);
    const account = key ? sim.accountForKey(key) : undefined;
    if (!account) {
      sendJson(res, 401, unauthorized(key).body(), headers);
      return;
    }
    let form: FormObject;
    try {
      form = decodeForm(formText);
      entry.body = form;
    } catch (error) {
      const param = error instanceof FormError ? error.param : '';
      sendJson(res, 400, invalid((error as Error).message, param).body(), headers);
      return;
    }

    const idempotencyKey = method === 'POST' ? (header(req, 'idempotency-key') ?? null) : null;
    let slot: string | null = null;
    if (idempotencyKey !== null) {
      if (idempotencyKey.length > 255) {
        sendJson(res, 400, invalid('Idempotency-Key must be at most 255 characters.', 'Idempotency-Key').body(), headers);
        return;
      }
      slot = `${account.id}\u0000${idempotencyKey}`;
      const params = JSON.stringify(flatten(form));
      const saved = parts.idempotency.get(slot);
      const fresh = saved && sim.clock.nowSeconds() - saved.createdAt < IDEMPOTENCY_KEY_TTL_S ? saved : undefined;
      if (fresh) {
        const differs = fresh.method !== method || fresh.path !== path;
        if (differs || fresh.params !== params) {
          const message = differs
            ? `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${fresh.method} ${fresh.path}' vs '${method} ${path}'). Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`
            : `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`;
          sendJson(res, 400, { error: { type: 'idempotency_error', message } }, headers);
          return;
        }
        if (fresh.answer === null) {
          sendJson(
            res,
            409,
            {
              error: {
                type: 'idempotency_error',
                code: 'idempotency_key_in_use',
                message:
                  'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ' +
                  `${idempotencyKey}. Please try again later.`,
              },
            },
            headers,
          );
          return;
        }
        sendJson(res, fresh.answer.status, fresh.answer.body, {
          ...headers,
          'idempotent-replayed': 'true',
          'original-request': 'req_replayed',
        });
        return;
      }
      parts.idempotency.set(slot, { method, path, params, createdAt: sim.clock.nowSeconds(), answer: null });
    }
    const release = () => {
      if (slot) parts.idempotency.delete(slot);
    };

    const decision = faults.decide(method, path);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.effect?.kind === 'reset') {
      release();
      resetSocket(req.socket);
      return;
    }
    if (decision.effect?.kind === 'status') {
      release();
      const status = decision.effect.status;
      const custom = decision.ruleIds.map((id) => parts.faultBodies.get(id)).find((b) => b !== undefined);
      const retry = decision.effect.retryAfterSeconds;
      sendJson(res, status, custom ?? defaultFaultBody(status), {
        ...headers,
        ...(retry !== null ? { 'retry-after': String(retry) } : {}),
      });
      return;
    }
    if (decision.effect?.kind === 'malformed') {
      release();
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.end('{"id": "cs_test_trunc');
      return;
    }

    const ctx: ApiContext = {
      sim,
      account,
      form,
      params: match.params,
      baseUrl: parts.baseUrl(),
      cause: { requestId, idempotencyKey },
    };
    let answer: { status: number; body: unknown };
    try {
      answer = runRoute(match.route, ctx);
    } catch (error) {
      if (!(error instanceof StripeHttpError)) throw error;
      if (error.validation) {
        release();
        sendJson(res, error.status, error.body(), headers);
        return;
      }
      answer = { status: error.status, body: error.body() };
    }
    const saved = slot ? parts.idempotency.get(slot) : undefined;
    if (saved) saved.answer = answer;
    sendJson(res, answer.status, answer.body, headers);
  }

  function hostedPage(method: string, sessionId: string, raw: string, res: http.ServerResponse): void {
    const found = sim.findSession(sessionId);
    if (!found) {
      sendHtml(res, 404, '<!doctype html><html><body><p id="session-missing">No such checkout session.</p></body></html>');
      return;
    }
    const { account, session } = found;
    if (method === 'GET') {
      sendHtml(res, 200, session.status === 'open' ? payPage(session) : closedPage(session));
      return;
    }
    if (method !== 'POST') {
      sendHtml(res, 405, '<!doctype html><html><body>Method not allowed</body></html>');
      return;
    }
    const fields = Object.fromEntries(new URLSearchParams(raw)) as Record<string, string | undefined>;
    const values = {
      email: fields['email'],
      billingName: fields['billingName'],
      billingCountry: fields['billingCountry'],
      billingPostalCode: fields['billingPostalCode'],
    };
    const outcome = sim.pay(
      account,
      session,
      { card: { number: fields['cardNumber'] ?? '', expiry: fields['cardExpiry'] ?? '', cvc: fields['cardCvc'] ?? '' } },
      fields['email'] || null,
    );
    switch (outcome.kind) {
      case 'succeeded':
        res.writeHead(303, { location: session.success_url.replaceAll('{CHECKOUT_SESSION_ID}', session.id) });
        res.end();
        return;
      case 'declined':
        sendHtml(res, 200, payPage(session, values, outcome.error.message));
        return;
      case 'invalid':
        sendHtml(res, 200, payPage(session, values, outcome.error.message));
        return;
      default:
        sendHtml(res, 200, closedPage(session));
    }
  }

  async function control(method: string, path: string, raw: string, res: http.ServerResponse): Promise<void> {
    let body: Record<string, unknown> = {};
    if (raw.trim()) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        sendJson(res, 400, { error: 'body must be JSON' });
        return;
      }
    }
    const fail = (status: number, message: string) => sendJson(res, status, { error: message });
    const pay = method === 'POST' ? /^\/_sandbox\/checkout\/sessions\/([^/]+)\/pay$/.exec(path) : null;
    const settle = method === 'POST' ? /^\/_sandbox\/payment_intents\/([^/]+)\/settle$/.exec(path) : null;
    const resend = method === 'POST' ? /^\/_sandbox\/events\/([^/]+)\/resend$/.exec(path) : null;
    if (pay) {
      const found = sim.findSession(decodeURIComponent(pay[1] ?? ''));
      if (!found) return fail(404, 'no such checkout session');
      const email = typeof body['email'] === 'string' ? body['email'] : null;
      let payment: { card: { number: string; expiry?: string; cvc?: string } } | { async: true };
      if (body['outcome'] === 'async') payment = { async: true };
      else if (typeof body['card'] === 'string') {
        payment = {
          card: {
            number: body['card'],
            ...(typeof body['expiry'] === 'string' ? { expiry: body['expiry'] } : {}),
            ...(typeof body['cvc'] === 'string' ? { cvc: body['cvc'] } : {}),
          },
        };
      } else return fail(400, 'expected {"card":"4242…"} or {"outcome":"async"}');
      const outcome = sim.pay(found.account, found.session, payment, email);
      if (outcome.kind === 'closed') return fail(400, `the session is ${found.session.status}`);
      const intent = found.session.payment_intent ? found.account.intents.get(found.session.payment_intent) : undefined;
      sendJson(res, 200, {
        outcome: outcome.kind,
        error: 'error' in outcome ? outcome.error : null,
        redirect:
          outcome.kind === 'succeeded' ? found.session.success_url.replaceAll('{CHECKOUT_SESSION_ID}', found.session.id) : null,
        session: sessionJson(found.session, found.account, false, parts.baseUrl()),
        payment_intent: intent ? intentJson(intent) : null,
      });
      return;
    }
    if (settle) {
      const found = sim.findIntent(decodeURIComponent(settle[1] ?? ''));
      if (!found) return fail(404, 'no such payment intent');
      if (found.intent.status !== 'processing') return fail(400, `the payment intent is ${found.intent.status}, not processing`);
      if (typeof body['succeeded'] !== 'boolean') return fail(400, 'expected {"succeeded":true|false}');
      sim.settle(found.account, found.intent, body['succeeded']);
      sendJson(res, 200, { payment_intent: intentJson(found.intent) });
      return;
    }
    if (method === 'POST' && path === '/_sandbox/clock') {
      const seconds = body['advanceSeconds'];
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0)
        return fail(400, 'expected {"advanceSeconds": N ≥ 0}');
      sim.clock.advance(seconds);
      sim.sweep();
      sendJson(res, 200, { now: sim.clock.nowSeconds() });
      return;
    }
    if (method === 'POST' && path === '/_sandbox/webhooks') {
      webhooks.hold(body['hold'] === true);
      sendJson(res, 200, { holding: webhooks.isHolding });
      return;
    }
    if (method === 'GET' && path === '/_sandbox/webhooks') {
      sendJson(res, 200, { holding: webhooks.isHolding, deliveries: webhooks.deliveries });
      return;
    }
    if (method === 'POST' && path === '/_sandbox/webhooks/release') {
      const order = body['order'] === 'reverse' || body['order'] === 'shuffle' ? body['order'] : 'fifo';
      const seed = typeof body['seed'] === 'number' && Number.isInteger(body['seed']) ? body['seed'] : undefined;
      const released = await webhooks.release({ order, duplicate: body['duplicate'] === true, seed });
      sendJson(res, 200, { released });
      return;
    }
    if (resend) {
      const eventId = decodeURIComponent(resend[1] ?? '');
      const exists = [...sim.accounts.values()].some((a: Account) => a.events.some((e) => e.id === eventId));
      if (!exists) return fail(404, 'no such event');
      sendJson(res, 200, { sent: await webhooks.resend(eventId) });
      return;
    }
    if (method === 'POST' && path === '/_sandbox/faults') {
      try {
        const id = addFaultFromJson(parts, body);
        sendJson(res, 200, { id });
      } catch (error) {
        fail(400, (error as Error).message);
      }
      return;
    }
    if (method === 'DELETE' && path === '/_sandbox/faults') {
      faults.clear();
      parts.faultBodies.clear();
      sendJson(res, 200, { cleared: true });
      return;
    }
    if (method === 'GET' && path === '/_sandbox/requests') {
      sendJson(
        res,
        200,
        log.map(({ method, path, query, headers, body, form, time, status }) => ({
          method,
          path,
          query,
          headers,
          body,
          form,
          time,
          status,
        })),
      );
      return;
    }
    if (method === 'POST' && path === '/_sandbox/reset') {
      resetAll(parts);
      sendJson(res, 200, { reset: true });
      return;
    }
    fail(404, `unknown control ${method} ${path}`);
  }

  return http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { type: 'api_error', message: (error as Error).message } });
      else res.destroy();
    });
  });
}

/** `{"method","path","status","body"?,"delayMs"?,"times"?:1,"drop"?:false}`; `path` may end in `*` (a prefix). */
export function addFaultFromJson(parts: Pick<ServerParts, 'faults' | 'faultBodies'>, json: Record<string, unknown>): string {
  return addControlFault(parts, json);
}

export function resetAll(parts: ServerParts): void {
  parts.sim.reset();
  parts.sim.clock.reset();
  parts.webhooks.reset();
  parts.faults.clear();
  parts.faultBodies.clear();
  parts.idempotency.clear();
  parts.log.length = 0;
}
