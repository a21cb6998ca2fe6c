/**
 * The HTTP server (node:http) and its pipeline:
 *
 *   request log → route (404) → token endpoint | bearer (401 lower-case `3200`) → the user's access
 *   (401 `120`) → faults (forced status, delay, dropped connection) → throttle (429 `3001`) →
 *   `requestid` replay → handler (400 with QBO's code, 200)
 *
 * Every answer is JSON (whatever `Accept` and `minorversion` say) with a top-level `time` and an
 * `intuit_tid` header. A `delayMs` fault delays the answer, not the work, and `drop` with
 * `afterCommit` resets the connection after the work: both are a lost answer to a write that
 * happened (the duplicate-`requestid` case). `/_sandbox/…` is the control surface (`controls.ts`).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { FaultInjector } from '../shared/fault-injection';
import { readBody, sleep } from '../shared/http-body';
import { logRequest, parseQuery as parseSearch, type RecordedRequest } from '../shared/request-log';
import { resetSocket } from '../shared/reset-socket';
import type { TokenAuthority } from './auth';
import type { QboBooks } from './books';
import { changeDataCapture } from './cdc';
import type { SandboxClock } from './clock';
import { isObject } from './fields';
import { parseQuery, runQuery } from './query';
import type { RealmThrottle } from './rate-limit';
import { entityType, type RealmBooks } from './store';
import type { WebhookHub } from './webhooks';
import {
  authenticationFailed,
  authorizationFailed,
  businessValidation,
  faultBody,
  invalidProperty,
  invalidStringLength,
  QboError,
  qboTime,
  systemFault,
  throttled,
} from './wire';

/** One request as the sandbox saw it (controls are not logged). */
export interface QboRecordedRequest extends RecordedRequest {
  /** The realm of a `/v3/company/{realmId}/…` path; `null` for the token endpoint. */
  realmId: string | null;
  /** The raw body text (the query of a `POST /query`, the form of a token request). */
  rawBody: string;
}

/** Per fault rule id: what `/_sandbox/faults` asked beyond a `FaultRule`. */
export interface FaultExtras {
  body?: unknown;
  /** With `drop`: do the work, then reset the connection. */
  afterCommit?: boolean;
}

export interface ServerParts {
  books: QboBooks;
  auth: TokenAuthority;
  throttle: RealmThrottle;
  hub: WebhookHub;
  clock: SandboxClock;
  faults: FaultInjector;
  faultExtras: Map<string, FaultExtras>;
  log: QboRecordedRequest[];
  control(method: string, path: string, raw: string, res: http.ServerResponse): Promise<void>;
}

type Answer = { status: number; text: string };

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    intuit_tid: `1-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
  });
  res.end(text);
}

/** The failure body of a forced status: QBO's own for 401, 429 and 5xx. */
export function defaultFaultError(status: number): QboError {
  if (status === 401) return authenticationFailed('Token expired: injected fault');
  if (status === 429) return throttled();
  if (status >= 500) return systemFault(status);
  return businessValidation(`Injected fault (${status})`);
}

const COMPANY = /^\/v3\/company\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/;
const TOKEN_PATH = '/oauth2/v1/tokens/bearer';
/** Intuit's limit on a `requestid`. */
const MAX_REQUEST_ID = 50;

export function createQboServer(parts: ServerParts): http.Server {
  const { books, auth, throttle, clock, faults, log } = parts;
  const errorAnswer = (error: QboError): Answer => ({
    status: error.status,
    text: JSON.stringify(faultBody(error, clock.now())),
  });
  const ok = (body: Record<string, unknown>): Answer => ({
    status: 200,
    text: JSON.stringify({ ...body, time: qboTime(clock.now()) }),
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
    if (path.startsWith('/_sandbox/')) return parts.control(method, path, raw, res);
    const company = COMPANY.exec(path);
    const realmId = company ? decodeURIComponent(company[1]!) : null;
    let body: unknown;
    try {
      body = raw && !(company?.[2] === 'query') && path !== TOKEN_PATH ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const entry: QboRecordedRequest = {
      method,
      path,
      query: parseSearch(url.searchParams),
      headers: { ...req.headers },
      body,
      rawBody: raw,
      realmId,
      time: clock.now(),
      status: null,
      answeredAt: null,
    };
    logRequest(log, entry, res, () => clock.now());

    if (path === TOKEN_PATH && method === 'POST') {
      const decision = faults.decide(method, path);
      if (await forced(decision, req, res)) return;
      const answer = auth.refresh(req.headers.authorization, new URLSearchParams(raw));
      if (decision.latencyMs > 0) await sleep(decision.latencyMs);
      return sendJson(res, answer.status, answer.body);
    }
    if (!company || !realmId)
      return sendJson(
        res,
        404,
        faultBody(new QboError(404, '404', 'Not Found', `No resource at ${method} ${path}`), clock.now()),
      );

    const why = auth.check(req.headers.authorization, realmId);
    if (why) return send(res, errorAnswer(authenticationFailed(why)));
    const realm = books.realm(realmId);
    if (!realm) return send(res, errorAnswer(authenticationFailed(`Token invalid: no company ${realmId}`)));
    if (!realm.authorized) return send(res, errorAnswer(authorizationFailed(realmId)));

    const decision = faults.decide(method, path);
    if (await forced(decision, req, res)) return;
    const release = throttle.admit(realmId);
    if (!release) return send(res, errorAnswer(throttled()));
    res.on('close', release);

    const requestId = method === 'POST' ? url.searchParams.get('requestid') : null;
    const kept = requestId ? realm.kept.get(requestId) : undefined;
    let answer: Answer;
    if (requestId && requestId.length > MAX_REQUEST_ID) {
      answer = errorAnswer(invalidStringLength('requestid', MAX_REQUEST_ID, requestId.length));
    } else if (kept) {
      answer = { status: kept.status, text: JSON.stringify(kept.body) };
    } else {
      try {
        answer = route(method, realm, company[2]!, company[3], url.searchParams, raw, body);
      } catch (error) {
        if (!(error instanceof QboError)) throw error;
        answer = errorAnswer(error);
      }
      // Only a success is kept: a refused write may be repeated with the same requestid.
      if (requestId && answer.status >= 200 && answer.status < 300) {
        realm.kept.set(requestId, { status: answer.status, body: JSON.parse(answer.text) });
      }
    }
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    const extras = decision.ruleIds.map((id) => parts.faultExtras.get(id));
    if (extras.some((e) => e?.afterCommit)) return resetSocket(req.socket);
    if (decision.effect?.kind === 'malformed') {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.text.slice(0, Math.max(1, Math.floor(answer.text.length / 2))));
      return;
    }
    send(res, answer);
  }

  /** Apply a fault that replaces the work (status, drop without `afterCommit`); true when it answered. */
  async function forced(
    decision: ReturnType<FaultInjector['decide']>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<boolean> {
    const extras = decision.ruleIds.map((id) => parts.faultExtras.get(id));
    const effect = decision.effect;
    if (!effect || effect.kind === 'malformed') return false;
    if (effect.kind === 'reset' && extras.some((e) => e?.afterCommit)) return false;
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (effect.kind === 'reset') {
      resetSocket(req.socket);
      return true;
    }
    const custom = extras.map((e) => e?.body).find((b) => b !== undefined);
    sendJson(res, effect.status, custom ?? faultBody(defaultFaultError(effect.status), clock.now()));
    return true;
  }

  function send(res: http.ServerResponse, answer: Answer): void {
    sendJson(res, answer.status, answer.text);
  }

  function route(
    method: string,
    realm: RealmBooks,
    resource: string,
    id: string | undefined,
    params: URLSearchParams,
    raw: string,
    body: unknown,
  ): Answer {
    const lower = resource.toLowerCase();
    if (lower === 'query' && id === undefined && (method === 'GET' || method === 'POST')) {
      const text = method === 'GET' ? params.get('query') : raw;
      if (!text) throw invalidProperty('query', 'is missing');
      return ok({ QueryResponse: runQuery(realm, parseQuery(text)) });
    }
    if (lower === 'cdc' && id === undefined && method === 'GET') {
      return ok({ CDCResponse: changeDataCapture(realm, params, clock.now()) });
    }
    const type = entityType(resource);
    if (!type) throw new QboError(400, '500', 'Unsupported Operation', `Operation ${method} ${resource} is not supported.`);
    if (method === 'GET' && id !== undefined) return ok({ [type]: books.read(realm, type, decodeURIComponent(id)).data });
    if (method === 'POST' && id === undefined) {
      if (!isObject(body)) throw invalidProperty(type, `expected a JSON object body, got ${raw ? 'unparsable JSON' : 'none'}`);
      const operation = params.get('operation');
      const stored = books.write(realm, type, body, operation);
      if (operation === 'delete') return ok({ [type]: { domain: 'QBO', status: 'Deleted', Id: stored.data.Id } });
      return ok({ [type]: stored.data });
    }
    throw new QboError(
      400,
      '500',
      'Unsupported Operation',
      `Operation ${method} ${resource}${id ? `/${id}` : ''} is not supported.`,
    );
  }

  return http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, faultBody(systemFault(), clock.now()));
      else res.destroy();
      process.stderr.write(`quickbooks sandbox: ${(error as Error).stack ?? String(error)}\n`);
    });
  });
}
