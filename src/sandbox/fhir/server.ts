/**
 * The HTTP server (node:http, no framework) and its request pipeline:
 *
 *   `/_sandbox/…` knobs (no auth, not logged) | request log → faults → mount by path (404)
 *   → token endpoint (form, OAuth errors) | discovery and metadata (no auth)
 *   → `Accept` (406, empty body) → bearer token (401) → `Content-Type` on writes (415) → REST
 *
 * FHIR answers are `application/fhir+json`; failures are OperationOutcomes (`outcome.ts`).
 */
import http from 'node:http';
import { addressUrl, listen } from '../../server/listen';
import { logRequest, parseQuery } from '../shared/request-log';
import type { FhirRecordedRequest, MountState, SandboxParts } from './context';
import { capabilityStatement, smartConfiguration } from './discovery';
import { handleKnob } from './knobs';
import { FhirHttpError, notFound, OAuthError, operationOutcome, type Reply } from './outcome';
import { handleRest } from './rest';
import { readBody, sleep } from '../shared/http-body';
import { resetSocket } from '../shared/reset-socket';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

function write(res: http.ServerResponse, reply: Reply, contentType: string): void {
  const text = reply.body === null || reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...(text ? { 'content-type': contentType } : {}),
    'content-length': Buffer.byteLength(text),
    ...reply.headers,
  });
  res.end(text);
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** `Accept` a FHIR server answers: FHIR JSON, plain JSON, anything, or none. */
function acceptable(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => /^\s*(application\/(fhir\+)?json|\*\/\*|application\/\*)\s*(;|$)/i.test(part));
}

export function createFhirServer(parts: SandboxParts): http.Server {
  const { faults, log, auth } = parts;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const arrived = performance.now();
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const raw =
      method === 'GET' || method === 'HEAD' ? '' : await readBody(req, () => new FhirHttpError(413, 'request body too large'));

    if (path.startsWith('/_sandbox/')) {
      write(res, await handleKnob(parts, method, path, raw), 'application/json');
      return;
    }

    const state = parts.mounts.find(
      (m) => path === m.mount.tokenPath || path === m.mount.basePath || path.startsWith(`${m.mount.basePath}/`),
    );
    const isToken = state !== undefined && path === state.mount.tokenPath;
    const contentType = single(req.headers['content-type']) ?? '';
    let body: unknown;
    let bodyError = false;
    if (raw.trim() !== '' && !isToken) {
      try {
        body = JSON.parse(raw);
      } catch {
        bodyError = true;
      }
    }
    const entry: FhirRecordedRequest = {
      method,
      path,
      query: parseQuery(url.searchParams),
      headers: { ...req.headers },
      body: isToken ? Object.fromEntries(new URLSearchParams(raw)) : body,
      time: Date.now(),
      status: null,
      answeredAt: null,
      profile: state?.mount.profile ?? null,
    };
    logRequest(log, entry, res);

    const decision = faults.decide(method, path);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    const reply = async (r: Reply, type = FHIR_JSON): Promise<void> => {
      const wait = arrived + decision.responseTimeMs - performance.now();
      if (wait > 0) await sleep(wait);
      write(res, r, type);
    };
    const effect = decision.effect;
    if (effect?.kind === 'reset') {
      resetSocket(req.socket);
      return;
    }
    if (effect?.kind === 'malformed') {
      const text = '{"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {"resourceTy';
      const wait = arrived + decision.responseTimeMs - performance.now();
      if (wait > 0) await sleep(wait);
      res.writeHead(200, { 'content-type': FHIR_JSON, 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (effect?.kind === 'status') {
      const code = effect.status === 429 ? 'throttled' : 'business-rule';
      const message = effect.errorText ?? (effect.status === 429 ? 'Too many requests' : `Injected fault (${effect.status})`);
      await reply({
        status: effect.status,
        body: operationOutcome(message, code, effect.status >= 500 ? 'fatal' : 'error'),
        headers: effect.retryAfterSeconds !== null ? { 'Retry-After': String(effect.retryAfterSeconds) } : {},
      });
      return;
    }

    try {
      if (!state) throw notFound(`no FHIR server at ${path}`);
      if (isToken) {
        if (method !== 'POST') throw new FhirHttpError(405, 'the token endpoint takes POST');
        try {
          const form = new URLSearchParams(raw);
          await reply(
            { status: 200, body: await auth.issue(state.mount, state.tokenUrl, form, single(req.headers.authorization)) },
            'application/json',
          );
        } catch (error) {
          if (!(error instanceof OAuthError)) throw error;
          await reply(error.toReply(), 'application/json');
        }
        return;
      }
      await reply(await answer(state, method, path, url, req, body, bodyError, contentType));
    } catch (error) {
      if (!(error instanceof FhirHttpError)) throw error;
      await reply(error.toReply());
    }
  }

  async function answer(
    state: MountState,
    method: string,
    path: string,
    url: URL,
    req: http.IncomingMessage,
    body: unknown,
    bodyError: boolean,
    contentType: string,
  ): Promise<Reply> {
    const relative = path.slice(state.mount.basePath.length + 1);
    if (method === 'GET' && relative === '.well-known/smart-configuration')
      return { status: 200, body: smartConfiguration(state.mount, state.tokenUrl) };
    if (method === 'GET' && relative === 'metadata')
      return { status: 200, body: capabilityStatement(state.mount, state.tokenUrl, parts.settings.batchEnabled) };
    // Oracle answers an unacceptable Accept with an empty 406.
    if (!acceptable(single(req.headers.accept)))
      throw new FhirHttpError(406, 'not acceptable', 'business-rule', {}, { empty: true });
    const token = auth.verify(state.mount, single(req.headers.authorization));
    if (method === 'POST' || method === 'PUT') {
      if (!/^application\/(fhir\+)?json\s*(;|$)/i.test(contentType))
        throw new FhirHttpError(415, `Content-Type must be application/fhir+json, got ${contentType || 'none'}`);
      if (bodyError) throw new FhirHttpError(400, 'the request body is not valid JSON');
    }
    const headers: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(req.headers)) headers[key] = single(value);
    return handleRest(state, auth, token, parts.settings, {
      method,
      relative,
      params: url.searchParams,
      selfUrl: `${state.baseUrl}${path.slice(state.mount.basePath.length)}${url.search}`,
      headers,
      body,
    });
  }

  return http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      const reply =
        error instanceof FhirHttpError
          ? error.toReply()
          : {
              status: 500,
              body: operationOutcome(
                `internal error: ${error instanceof Error ? error.message : String(error)}`,
                'business-rule',
                'fatal',
              ),
            };
      write(res, reply, FHIR_JSON);
    });
  });
}

/** Listens and resolves with the base URL; a taken port rejects with a `ListenError`. */
export async function listenOn(server: http.Server, port: number, host: string): Promise<string> {
  return addressUrl(await listen(server, port, host));
}
