/**
 * The HTTP server (node:http) and its pipeline for `POST /change/medicalnetwork/claimstatus/v2`
 * (also under `/2024-04-01/…`):
 *
 *   request log → route (404) → API key (403) → faults (delay, forced status, malformed body,
 *   reset) → JSON only (400) → validation (400 ValidationException) → payer (404) → the payer's
 *   answer (200: claims, or `errorResponse`)
 *
 * Fault rules match the path without the `/2024-04-01` prefix (`/change/medicalnetwork/claimstatus/v2`).
 * `/_sandbox/…` is the control surface (`knobs.ts`).
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FaultInjector } from '../shared/fault-injection';
import { readBody } from '../shared/http-body';
import { parseQuery, type RecordedRequest } from '../shared/request-log';
import { handleKnob } from './knobs';
import type { ClaimStatusSim } from './sim';
import { parseInquiry } from './validate';
import { accessDeniedJson, claimsAnswerJson, faultJson, rejectionJson, validationJson } from './wire';

export const CLAIM_STATUS_PATH = '/change/medicalnetwork/claimstatus/v2';

/** One request as the sandbox saw it (the parsed body without any `x12`). */
export interface ClaimStatusRecordedRequest extends RecordedRequest {
  /** The path without the `/2024-04-01` prefix. */
  route: string;
}

export interface ServerParts {
  sim: ClaimStatusSim;
  faults: FaultInjector;
  log: ClaimStatusRecordedRequest[];
  apiKey: string;
  timers: Set<NodeJS.Timeout>;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function send(res: http.ServerResponse, { status, body, headers = {} }: Answer): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function resetSocket(socket: Socket): void {
  const s = socket as Socket & { resetAndDestroy?: () => void };
  if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
  else s.destroy();
}

function withoutX12(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const { x12: _x12, ...rest } = value as Record<string, unknown>;
  return rest;
}

export function createClaimStatusServer(parts: ServerParts): http.Server {
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
      send(res, await handleKnob(parts, method, path, raw));
      return;
    }
    const route = path.startsWith('/2024-04-01/') ? path.slice('/2024-04-01'.length) : path;
    const isJson = String(req.headers['content-type'] ?? '')
      .toLowerCase()
      .startsWith('application/json');
    let body: unknown;
    let parseError: string | null = null;
    try {
      body = raw.trim() ? JSON.parse(raw) : undefined;
    } catch (error) {
      parseError = (error as Error).message;
    }
    const entry: ClaimStatusRecordedRequest = {
      method,
      path,
      route,
      query: parseQuery(url.searchParams),
      headers: { ...req.headers },
      body: withoutX12(body),
      time: sim.now(),
      status: null,
      answeredAt: null,
    };
    log.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.answeredAt = sim.now();
    });

    if (route !== CLAIM_STATUS_PATH || method !== 'POST') {
      send(res, { status: 404, body: { message: `No route ${method} ${path}` } });
      return;
    }
    // Stedi's scheme is `Key <apiKey>`; the spec's simulators also take the bare key.
    const auth = String(req.headers.authorization ?? '').trim();
    const key = auth.toLowerCase().startsWith('key ') ? auth.slice(4).trim() : auth;
    if (key !== parts.apiKey) {
      send(res, { status: 403, body: accessDeniedJson() });
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
    } else if (!isJson) {
      answer = { status: 400, body: validationJson('Content-Type must be application/json') };
    } else if (parseError !== null || body === undefined) {
      answer = { status: 400, body: validationJson(`The body is not valid JSON: ${parseError ?? 'empty body'}`) };
    } else {
      answer = inquire(body);
    }
    await wait(decision.responseTimeMs - (Date.now() - arrived));
    if (decision.effect?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"controlNumber": "1');
      return;
    }
    send(res, answer);
  }

  function inquire(body: unknown): Answer {
    const parsed = parseInquiry(body);
    if ('message' in parsed) return { status: 400, body: validationJson(parsed.message) };
    const { inquiry } = parsed;
    if (!sim.knownPayer(inquiry.tradingPartnerServiceId)) return { status: 404, body: { message: 'Payer not found' } };
    const outcome = sim.inquire(inquiry);
    if (outcome.kind === 'rejected') return { status: 200, body: rejectionJson(inquiry, outcome.rejection) };
    return { status: 200, body: claimsAnswerJson(inquiry, outcome.answers) };
  }

  return http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { message: (error as Error).message } });
      else res.destroy();
    });
  });
}
