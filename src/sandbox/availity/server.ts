/**
 * The HTTP server (node:http) and its pipeline, under `/availity/v1` and, identically, `/v1`:
 *
 *   request log → route (404) → faults (delay, forced status, malformed body, reset) →
 *   token endpoint | Bearer token (401) → subscription (403) → rate limit (429, no Retry-After) →
 *   content type (415) → validation (400) → handler (200/202/204/404)
 *
 * Fault rules match the path **relative to the base** (`/token`, `/coverages`, `/coverages/0000000001`),
 * so one rule covers both prefixes. `/_sandbox/…` is the control surface (`knobs.ts`).
 * The pipeline itself (log, faults, delays, JSON out) is the shared one, `../shared/sim-server.ts`;
 * this file brings the routes, the vendor's error shapes and the handlers.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { FaultInjector } from '../shared/fault-injection';
import { createSimServer, type RoutedRecordedRequest, type SimAnswer, type SimServer } from '../shared/sim-server';
import { handleKnob } from './knobs';
import { DEFAULT_SCOPE, type AvailitySim, TOKEN_LIFETIME_SECONDS } from './sim';
import { parseCoverageForm } from './validate';
import { coverageJson, errorJson, faultJson, isInFlight, postAnswerJson } from './wire';

/** One request as the sandbox saw it: the shared log entry plus the decoded form pairs and the client. */
export interface AvailityRecordedRequest extends RoutedRecordedRequest {
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
}

type Answer = SimAnswer;

const BASE = /^(\/(?:availity\/)?v1)(\/.*)?$/;
const ONE = /^\/coverages\/([^/]+)$/;

/** The request's form pairs in order; none unless it is form-encoded. */
function formOf(req: http.IncomingMessage, raw: string): { isForm: boolean; form: Array<[string, string]> } {
  const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
  const isForm = contentType.startsWith('application/x-www-form-urlencoded');
  return { isForm, form: isForm ? [...new URLSearchParams(raw)] : [] };
}

export function createAvailityServer(parts: ServerParts): SimServer {
  const { sim, faults, log } = parts;

  return createSimServer<AvailityRecordedRequest>({
    faults,
    log,
    now: () => sim.clock.now(),
    controls: (method, path, raw) => handleKnob(parts, method, path, raw),
    route: (path) => BASE.exec(path)?.[2] ?? path,
    details: (req, raw) => {
      const { isForm, form } = formOf(req, raw);
      return {
        form: form.map(([k, v]) => [k, k === 'client_secret' ? '***' : v]),
        body: isForm ? Object.fromEntries(form.map(([k, v]) => [k, k === 'client_secret' ? '***' : v])) : undefined,
        clientId: null,
      };
    },
    headers: () => ({ 'x-availity-transaction-id': randomUUID() }),
    screen: ({ method, entry: { path, route } }) => {
      const isToken = route === '/token' && method === 'POST';
      const isCreate = route === '/coverages' && method === 'POST';
      const one = ONE.exec(route);
      if (!BASE.test(path) || (!isToken && !isCreate && !(one && (method === 'GET' || method === 'DELETE'))))
        return { status: 404, body: errorJson(404, 'Not Found', `No resource ${method} ${path}`) };
      return null;
    },
    answer: ({ req, method, raw, entry }) => {
      const { isForm, form } = formOf(req, raw);
      if (entry.route === '/token') return token(isForm, form, entry);
      const one = ONE.exec(entry.route);
      const prefix = `http://${req.headers.host ?? 'sandbox.local'}${BASE.exec(entry.path)![1]}`;
      return api(req, method, isForm, form, one ? decodeURIComponent(one[1]!) : null, prefix, entry);
    },
    faultBody: faultJson,
    malformedBody: '{"id": "00000',
    errorBody: (message) => errorJson(500, 'Internal Server Error', message),
  });

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
}
