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
 * The pipeline itself (log, faults, delays, JSON out) is the shared one, `../shared/sim-server.ts`;
 * this file brings the routes, the vendor's error shapes and the handlers.
 */
import type { FaultInjector } from '../shared/fault-injection';
import { createSimServer, type RoutedRecordedRequest, type SimAnswer, type SimServer } from '../shared/sim-server';
import { handleKnob } from './knobs';
import type { ClaimStatusSim } from './sim';
import { parseInquiry } from './validate';
import { accessDeniedJson, claimsAnswerJson, faultJson, rejectionJson, validationJson } from './wire';

export const CLAIM_STATUS_PATH = '/change/medicalnetwork/claimstatus/v2';

/** One request as the sandbox saw it (the parsed body without any `x12`). */
export interface ClaimStatusRecordedRequest extends RoutedRecordedRequest {
  /** The path without the `/2024-04-01` prefix. */
  route: string;
}

export interface ServerParts {
  sim: ClaimStatusSim;
  faults: FaultInjector;
  log: ClaimStatusRecordedRequest[];
  apiKey: string;
}

type Answer = SimAnswer;

function withoutX12(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const { x12: _x12, ...rest } = value as Record<string, unknown>;
  return rest;
}

/** The body parsed; `parseError` says why it is not JSON (an empty body is `undefined`, no error). */
function readJson(raw: string): { body: unknown; parseError: string | null } {
  try {
    return { body: raw.trim() ? JSON.parse(raw) : undefined, parseError: null };
  } catch (error) {
    return { body: undefined, parseError: (error as Error).message };
  }
}

export function createClaimStatusServer(parts: ServerParts): SimServer {
  const { sim, faults, log } = parts;

  return createSimServer<ClaimStatusRecordedRequest>({
    faults,
    log,
    now: () => sim.now(),
    controls: (method, path, raw) => handleKnob(parts, method, path, raw),
    route: (path) => (path.startsWith('/2024-04-01/') ? path.slice('/2024-04-01'.length) : path),
    details: (_req, raw) => ({ body: withoutX12(readJson(raw).body) }),
    screen: ({ req, method, entry: { path, route } }) => {
      if (route !== CLAIM_STATUS_PATH || method !== 'POST')
        return { status: 404, body: { message: `No route ${method} ${path}` } };
      // Stedi's scheme is `Key <apiKey>`; the spec's simulators also take the bare key.
      const auth = String(req.headers.authorization ?? '').trim();
      const key = auth.toLowerCase().startsWith('key ') ? auth.slice(4).trim() : auth;
      return key === parts.apiKey ? null : { status: 403, body: accessDeniedJson() };
    },
    answer: ({ req, raw }) => {
      const isJson = String(req.headers['content-type'] ?? '')
        .toLowerCase()
        .startsWith('application/json');
      const { body, parseError } = readJson(raw);
      if (!isJson) return { status: 400, body: validationJson('Content-Type must be application/json') };
      if (parseError !== null || body === undefined)
        return { status: 400, body: validationJson(`The body is not valid JSON: ${parseError ?? 'empty body'}`) };
      return inquire(body);
    },
    faultBody: faultJson,
    malformedBody: '{"controlNumber": "1',
    errorBody: (message) => ({ message }),
  });

  function inquire(body: unknown): Answer {
    const parsed = parseInquiry(body);
    if ('message' in parsed) return { status: 400, body: validationJson(parsed.message) };
    const { inquiry } = parsed;
    if (!sim.knownPayer(inquiry.tradingPartnerServiceId)) return { status: 404, body: { message: 'Payer not found' } };
    const outcome = sim.inquire(inquiry);
    if (outcome.kind === 'rejected') return { status: 200, body: rejectionJson(inquiry, outcome.rejection) };
    return { status: 200, body: claimsAnswerJson(inquiry, outcome.answers) };
  }
}
