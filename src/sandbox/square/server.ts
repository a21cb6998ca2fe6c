/**
 * The HTTP server (node:http, no framework) and its pipeline:
 *
 *   `/_sandbox/…` controls (JSON, no auth, not logged) | `/pay/{id}` hosted page (logged)
 *   API: request log → faults → route (404) → `Authorization: Bearer` (401) → `Square-Version`
 *   (400 `INVALID_SQUARE_VERSION_FORMAT`; missing means 2026-09-16) → JSON body (400) → handler
 *
 * Every API answer is JSON in Square's snake_case; errors are Square's envelope.
 */
import http from 'node:http';
import type { FaultDecision, FaultInjector } from '../shared/fault-injection';
import { logRequest, parseQuery, type ParsedQuery, type RecordedRequest } from '../shared/request-log';
import { controls } from './controls';
import { faultErrors, invalid, notFound, type Reply, SquareHttpError, unauthorized } from './errors';
import { payPageReply } from './hosted-page';
import { apiRoutes } from './routes';
import type { SquareStore } from './store';
import type { Json } from './validate';
import type { SquareWebhookHub } from './webhooks';
import { readBody, sleep } from '../shared/http-body';
import { resetSocket } from '../shared/reset-socket';

export const SQUARE_VERSION = '2026-09-16';

export interface ServerParts {
  store: SquareStore;
  hub: SquareWebhookHub;
  faults: FaultInjector;
  /** Bodies of fault rules added through the control (`body`), by rule id. */
  faultBodies: Map<string, unknown>;
  log: RecordedRequest[];
  reset(): void;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(res: http.ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...reply.headers,
  });
  res.end(text);
}

function sendHtml(res: http.ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), ...headers });
  res.end(html);
}

export function createSquareServer(parts: ServerParts): http.Server {
  const { store, faults, log } = parts;
  const table = apiRoutes(store);

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const query = parseQuery(url.searchParams);
    const raw =
      method === 'GET' || method === 'HEAD' ? '' : await readBody(req, () => invalid('BAD_REQUEST', 'Request body too large.'));

    if (path.startsWith('/_sandbox/')) {
      sendJson(res, await controls(method, path, raw, parts));
      return;
    }

    let body: unknown;
    let bodyError = false;
    const isForm = (header(req, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded');
    if (raw.trim() !== '') {
      if (isForm) body = Object.fromEntries(new URLSearchParams(raw));
      else
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

    const payMatch = /^\/pay\/([^/]+)$/.exec(path);
    if (payMatch) {
      const page = payPageReply(store, method, payMatch[1]!, (body ?? {}) as Record<string, string>);
      sendHtml(res, page.status, page.html, page.headers);
      return;
    }

    const decision = faults.decide(method, path);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (res.destroyed) return;
    if (decision.effect?.kind === 'reset') {
      resetSocket(req.socket);
      return;
    }
    if (decision.effect?.kind === 'malformed') {
      const text = '{"payment": {"id": "trunc';
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    try {
      sendJson(res, answer(req, method, path, query, body, bodyError, decision));
    } catch (error) {
      if (!(error instanceof SquareHttpError)) throw error;
      sendJson(res, error.toReply());
    }
  }

  function answer(
    req: http.IncomingMessage,
    method: string,
    path: string,
    query: ParsedQuery,
    body: unknown,
    bodyError: boolean,
    decision: FaultDecision,
  ): Reply {
    const effect = decision.effect;
    if (effect?.kind === 'status') {
      const custom = decision.ruleIds.map((id) => parts.faultBodies.get(id)).find((b) => b !== undefined);
      return {
        status: effect.status,
        body: custom ?? { errors: faultErrors(effect.status) },
        headers: effect.status === 429 ? { 'Retry-After': String(effect.retryAfterSeconds ?? 1) } : {},
      };
    }
    let params: string[] = [];
    const route = table.find((r) => {
      if (r.method !== method) return false;
      const match = r.pattern.exec(path);
      if (match) params = match.slice(1).map(decodeURIComponent);
      return match !== null;
    });
    if (!route) throw notFound(`No route for ${method} ${path}.`);

    const authorization = header(req, 'authorization') ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
    if (!token) throw unauthorized('This request could not be authorized: missing access token.');
    const seller = store.sellerByToken(token);
    if (!seller) throw unauthorized('This request could not be authorized.');

    const version = header(req, 'square-version');
    if (version !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(version))
      throw invalid('INVALID_SQUARE_VERSION_FORMAT', `Square-Version ${version} is not a YYYY-MM-DD date.`);

    if (bodyError) throw invalid('BAD_REQUEST', 'The request body is not valid JSON.');
    if (method !== 'GET' && method !== 'DELETE' && (body === undefined || typeof body !== 'object' || Array.isArray(body)))
      throw invalid('BAD_REQUEST', 'The request body must be a JSON object.');
    return route.handle({ seller, params, query, body: (body ?? {}) as Json });
  }

  return http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (error instanceof SquareHttpError) sendJson(res, error.toReply());
      else
        sendJson(res, {
          status: 500,
          body: {
            errors: [
              {
                category: 'API_ERROR',
                code: 'INTERNAL_SERVER_ERROR',
                detail: error instanceof Error ? error.message : String(error),
              },
            ],
          },
        });
    });
  });
}
