/**
 * The HTTP server (node:http) and its pipeline, under `/availity/v1` and, identically, `/v1`:
 *
 *   request log → route (404) → faults (delay, forced status, malformed body, reset) →
 *   token endpoint | Bearer token (401) → subscription (403) → rate limit (429, no Retry-After) →
 *   content type (415) → validation (400) → handler (200/202/204/404)
 *
 * Fault rules match the path **relative to the base** (`/token`, `/coverages`, `/coverages/0000000001`),
 * so one rule covers both prefixes. `/_sandbox/…` is the control surface (`knobs.ts`).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FaultInjector } from '../shared/fault-injection';
import { readBody } from '../shared/http-body';
import { parseQuery, type RecordedRequest } from '../shared/request-log';
import { handleKnob } from './knobs';
import { DEFAULT_SCOPE, type AvailitySim, TOKEN_LIFETIME_SECONDS } from './sim';
import { parseCoverageForm } from './validate';
import { coverageJson, errorJson, faultJson, isInFlight, postAnswerJson } from './wire';

/** One request as the sandbox saw it: the shared log entry plus the decoded form pairs and the client. */
export interface AvailityRecordedRequest extends RecordedRequest {
  /** The path relative to the base (`/token`, `/coverages`, `/coverages/{id}`); the full path is `path`. */
  route: string;
  /** The decoded form pairs in order (`client_secret` masked). */
  form: Array<[string, string]>;
  /** The client whose token (or credentials) the request carried; `null` when none matched. */
  clientId: string | null;
}

export interface ServerParts {
  sim: AvailitySim;
  faults: FaultInjector;
  log: AvailityRecordedRequest[];
  /** Pending fault delays, so `close()` can end them. */
  timers: Set<NodeJS.Timeout>;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const BASE = /^(\/(?:availity\/)?v1)(\/.*)?$/;

function send(res: http.ServerResponse, { status, body, headers = {} }: Answer): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function resetSocket(socket: Socket): void {
  const s = socket as Socket & { resetAndDestroy?: () => void };
  if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
  else s.destroy();
}

export function createAvailityServer(parts: ServerParts): http.Server {
  const { sim, faults, log } = parts;

  const wait = (ms: number) =>
    ms <= 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            parts.timers.delete(timer);
            resolve();
          }, ms);
          parts.timers.add(timer);
        });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const arrived = Date.now();
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
    if (path.startsWith('/_sandbox/')) {
      const reply = await handleKnob(parts, method, path, raw);
      send(res, reply);
      return;
    }
    const base = BASE.exec(path);
    const route = base?.[2] ?? path;
    const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
    const isForm = contentType.startsWith('application/x-www-form-urlencoded');
    const form: Array<[string, string]> = isForm ? [...new URLSearchParams(raw)] : [];
    const entry: AvailityRecordedRequest = {
      method,
      path,
      route,
      query: parseQuery(url.searchParams),
      headers: { ...req.headers },
      form: form.map(([k, v]) => [k, k === 'client_secret' ? '***' : v]),
      body: isForm ? Object.fromEntries(form.map(([k, v]) => [k, k === 'client_secret' ? '***' : v])) : undefined,
      clientId: null,
      time: sim.clock.now(),
      status: null,
      answeredAt: null,
    };
    log.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.answeredAt = sim.clock.now();
    });
    const transaction = { 'x-availity-transaction-id': randomUUID() };

    const isToken = route === '/token' && method === 'POST';
    const isCreate = route === '/coverages' && method === 'POST';
    const one = /^\/coverages\/([^/]+)$/.exec(route);
    if (!base || (!isToken && !isCreate && !(one && (method === 'GET' || method === 'DELETE')))) {
      send(res, { status: 404, body: errorJson(404, 'Not Found', `No resource ${method} ${path}`), headers: transaction });
      return;
    }

    const decision = faults.decide(method, route);
    await wait(decision.latencyMs);
    if (decision.effect?.kind === 'reset') {
      resetSocket(req.socket);
      return;
    }
    let answer: Answer;
    if (decision.effect?.kind === 'status') {
      const { status, retryAfterSeconds, errorText } = decision.effect;
      answer = {
        status,
        body: faultJson(status, errorText),
        headers: retryAfterSeconds === null ? {} : { 'retry-after': String(retryAfterSeconds) },
      };
    } else if (isToken) {
      answer = token(isForm, form, entry);
    } else {
      const prefix = `http://${req.headers.host ?? 'sandbox.local'}${base[1]}`;
      answer = api(req, method, isForm, form, one ? decodeURIComponent(one[1]!) : null, prefix, entry);
    }
    await wait(decision.responseTimeMs - (Date.now() - arrived));
    if (decision.effect?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json', ...transaction });
      res.end('{"id": "00000');
      return;
    }
    send(res, { ...answer, headers: { ...transaction, ...answer.headers } });
  }

  function token(isForm: boolean, form: Array<[string, string]>, entry: AvailityRecordedRequest): Answer {
    const params = new Map(form);
    if (!isForm)
      return {
        status: 400,
        body: { error: 'invalid_request', error_description: 'Content-Type must be application/x-www-form-urlencoded' },
      };
    if (params.get('grant_type') !== 'client_credentials')
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: `expected grant_type=client_credentials` },
      };
    const client = sim.authenticate(params.get('client_id') ?? '', params.get('client_secret') ?? '');
    if (!client) return { status: 401, body: { error: 'invalid_client', error_description: 'Invalid client credentials' } };
    entry.clientId = client.clientId;
    const scope = params.get('scope');
    if (scope !== undefined && !scope.trim())
      return { status: 400, body: { error: 'invalid_scope', error_description: 'scope must not be empty' } };
    const issued = sim.issueToken(client, scope ?? DEFAULT_SCOPE);
    return {
      status: 200,
      body: { access_token: issued.accessToken, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS, scope: issued.scope },
      headers: { 'cache-control': 'no-store' },
    };
  }

  function api(
    req: http.IncomingMessage,
    method: string,
    isForm: boolean,
    form: Array<[string, string]>,
    id: string | null,
    prefix: string,
    entry: AvailityRecordedRequest,
  ): Answer {
    const auth = String(req.headers.authorization ?? '');
    const live = auth.toLowerCase().startsWith('bearer ') ? sim.token(auth.slice(7).trim()) : null;
    if (!live)
      return {
        status: 401,
        body: errorJson(401, 'Unauthorized', 'Missing, unknown or expired access token'),
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      };
    entry.clientId = live.clientId;
    const client = sim.clients.get(live.clientId);
    if (!client?.subscribed)
      return { status: 403, body: errorJson(403, 'Forbidden', 'The application is not subscribed to the Coverages product') };
    if (!sim.admit(client.clientId)) return { status: 429, body: errorJson(429, 'Too Many Requests', 'Rate limit exceeded') };

    if (id !== null) {
      const coverage = sim.coverage(client.clientId, id);
      if (!coverage) return { status: 404, body: errorJson(404, 'Not Found', `Coverage ${id} was not found or has expired`) };
      if (method === 'DELETE') {
        sim.coverages.delete(coverage.id);
        return { status: 204 };
      }
      sim.answer(coverage);
      return { status: 200, body: coverageJson(coverage) };
    }

    if (!isForm)
      return {
        status: 415,
        body: errorJson(415, 'Unsupported Media Type', 'POST bodies must be application/x-www-form-urlencoded'),
      };
    const parsed = parseCoverageForm(form, (payerId) => payerId === 'SANDBOX1');
    if ('errors' in parsed)
      return {
        status: 400,
        body: errorJson(
          400,
          'The request is invalid.',
          `Invalid fields: ${parsed.errors.map((e) => e.field).join(', ')}`,
          parsed.errors,
        ),
      };
    const scenarioId = req.headers['x-api-mock-scenario-id'];
    let steps = null;
    if (typeof scenarioId === 'string') {
      const scenario = sim.scenarios[scenarioId];
      if (!scenario) {
        const error = { field: 'X-Api-Mock-Scenario-ID', errorMessage: `Unknown scenario ${scenarioId}`, code: 'INVALID' };
        return { status: 400, body: errorJson(400, 'The request is invalid.', 'Unknown mock scenario', [error]) };
      }
      if (scenario.kind === 'badRequest')
        return { status: 400, body: errorJson(400, 'The request is invalid.', 'Mock scenario request error', scenario.errors) };
      steps = scenario.steps;
    }
    const customerId = req.headers['x-availity-customer-id'];
    const coverage = sim.createCoverage(client.clientId, typeof customerId === 'string' ? customerId : null, parsed.form, steps);
    if (isInFlight(coverage))
      return { status: 202, body: postAnswerJson(coverage), headers: { location: `${prefix}/coverages/${coverage.id}` } };
    return { status: 200, body: postAnswerJson(coverage) };
  }

  return http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: errorJson(500, 'Internal Server Error', (error as Error).message) });
      else res.destroy();
    });
  });
}
