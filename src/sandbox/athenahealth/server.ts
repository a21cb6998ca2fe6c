/**
 * An in-process athenahealth athenaOne (v1) simulator over node:http, following
 * the wire format the athenahealth spec gives, to the letter, including every *Decision*.
 *
 *     const sandbox = await startAthenahealthSandbox();
 *     const adapter = createAthenahealthAdapter({
 *       baseUrl: sandbox.url, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret,
 *       practiceId: sandbox.practices.enterprise,
 *     });
 *     sandbox.faults.add({ path: '/collectpayment', kind: '500' });
 *     sandbox.requests;            // [{ method, path, query, time, status }]
 *     await sandbox.close();
 *
 * Wire types are deliberately loose (numbers as strings, booleans as "true"/"false", ids as numbers
 * or strings) so adapters must parse defensively. Card numbers are never logged; the duplicate check
 * keeps only a hash of the card number.
 *
 * This file holds start, listen and close, the request pipeline (log → faults → route) and the
 * router; each route lives in `routes/`, and the state they share (seed, tokens, faults, request log,
 * duplicate check) in one `SandboxContext` (`context.ts`) passed to them explicitly.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { addressUrl, listen } from '../../server/listen';
import type { RequestLogEntry, SandboxContext } from './context';
import { answerFault, type Send } from './fault-answers';
import { FaultRegistry, type FaultControls } from './faults';
import { ATHENA_INVALID_PRACTICE, fail, HttpFailure, readBody, type RequestHeaders, type RouteResult } from './http';
import { appointment } from './routes/appointments';
import { collectPayment } from './routes/collect-payment';
import { departments } from './routes/departments';
import { patient } from './routes/patients';
import { receipts } from './routes/receipts';
import { authorize, issueToken } from './routes/token';
import {
  ATHENA_SEED_CLIENT_ID,
  ATHENA_SEED_CLIENT_SECRET,
  ATHENA_SEED_PRACTICE_ENTERPRISE,
  ATHENA_SEED_PRACTICE_SINGLE,
  buildAthenahealthSeed,
  type SimState,
} from './seed';

export { ATHENA_TOKEN_SCOPE } from './routes/token';
export { ATHENA_PATIENT_NOT_FOUND, ATHENA_INVALID_PRACTICE, ATHENA_APPOINTMENT_NOT_FOUND } from './http';
export type { RequestLogEntry } from './context';

export interface AthenahealthSandboxOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default {@link ATHENA_SEED_CLIENT_ID}. */
  clientId?: string;
  /** Default {@link ATHENA_SEED_CLIENT_SECRET}. */
  clientSecret?: string;
  /** The sandbox clock (token expiry, duplicate window, new-token rate limit, payment dates). */
  now?: () => Date;
  /** Lifetime of an access token, seconds. Default 3600. */
  tokenTtlSeconds?: number;
  /** New-token requests allowed per rolling minute (production 50, preview 5). Default 50. */
  tokenRequestsPerMinute?: number;
  /** Page size of list routes when the request has no `limit`. Default 2 (small, so paging is exercised). */
  defaultPageSize?: number;
}

export interface AthenahealthSandbox {
  /** Base URL, e.g. `http://127.0.0.1:49152` (no trailing slash). */
  url: string;
  clientId: string;
  clientSecret: string;
  practices: { enterprise: string; single: string };
  /** Every request so far (no bodies, so no card data). */
  readonly requests: ReadonlyArray<RequestLogEntry>;
  resetRequestLog(): void;
  faults: FaultControls;
  /** Invalidate every issued access token (the next call answers 401). */
  revokeTokens(): void;
  /** The live simulated data (mutated by collectpayment); for tests that need to look inside. */
  readonly state: SimState;
  close(): Promise<void>;
}

/** Start a sandbox on `host:port` (default 127.0.0.1, a free port). */
export async function startAthenahealthSandbox(options: AthenahealthSandboxOptions = {}): Promise<AthenahealthSandbox> {
  const ctx: SandboxContext = {
    clientId: options.clientId ?? ATHENA_SEED_CLIENT_ID,
    clientSecret: options.clientSecret ?? ATHENA_SEED_CLIENT_SECRET,
    now: options.now ?? (() => new Date()),
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    tokenRequestsPerMinute: options.tokenRequestsPerMinute ?? 50,
    defaultPageSize: options.defaultPageSize ?? 2,
    state: buildAthenahealthSeed(),
    faults: new FaultRegistry(),
    requests: [],
    tokens: new Map(),
    tokenIssueTimes: [],
    duplicates: [],
  };
  const host = options.host ?? '127.0.0.1';

  const server: Server = createServer((req, res) => {
    void handle(ctx, req, res);
  });

  const address = await listen(server, options.port ?? 0, host);

  return {
    url: addressUrl(address),
    clientId: ctx.clientId,
    clientSecret: ctx.clientSecret,
    practices: { enterprise: ATHENA_SEED_PRACTICE_ENTERPRISE, single: ATHENA_SEED_PRACTICE_SINGLE },
    get requests() {
      return ctx.requests;
    },
    resetRequestLog() {
      ctx.requests = [];
    },
    faults: ctx.faults,
    revokeTokens() {
      ctx.tokens.clear();
    },
    state: ctx.state,
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** One request: log it, let the faults that fire delay or answer it, else route it. */
async function handle(ctx: SandboxContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  const method = (req.method ?? 'GET').toUpperCase();
  const entry: RequestLogEntry = {
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams.entries()),
    time: ctx.now(),
    status: null,
  };
  ctx.requests.push(entry);
  const send: Send = (status, body, headers = {}, raw = false) => {
    entry.status = status;
    const text = raw ? String(body) : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': raw ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };
  try {
    const body = await readBody(req);
    for (const rule of ctx.faults.take(method, url.pathname)) {
      if (rule.kind === 'latency') {
        await new Promise((r) => setTimeout(r, rule.latencyMs ?? 100));
        continue;
      }
      if (answerFault(rule, send, res, entry)) return;
    }
    const { status, body: out, headers } = route(ctx, method, url, req.headers, body);
    send(status, out, headers);
  } catch (err) {
    if (err instanceof HttpFailure) {
      send(err.status, err.body, err.headers);
      return;
    }
    send(500, { error: 'Internal Server Error', detailedmessage: 'The sandbox failed to answer.' });
  }
}

/** The token endpoint, then (bearer checked, practice known) the `/v1/{practiceid}/…` routes. */
function route(ctx: SandboxContext, method: string, url: URL, headers: RequestHeaders, body: string): RouteResult {
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '/oauth2/v1/token') {
    if (method !== 'POST') throw fail(405, 'Method not allowed.');
    return issueToken(ctx, headers, body);
  }
  const m = /^\/v1\/([^/]+)(\/.*)?$/.exec(path);
  if (!m) throw fail(404, 'Not found.');
  authorize(ctx, headers);
  const practice = ctx.state.practices.get(decodeURIComponent(m[1]!));
  if (!practice) throw fail(404, ATHENA_INVALID_PRACTICE);
  const rest = m[2] ?? '';
  /** The decoded id when `method` and `rest` match the route, else `null`. */
  const id = (verb: string, pattern: RegExp): string | null => {
    const match = method === verb ? pattern.exec(rest) : null;
    return match ? decodeURIComponent(match[1]!) : null;
  };
  if (method === 'GET' && rest === '/departments') return { status: 200, body: departments(practice, url, ctx.defaultPageSize) };
  let patientId = id('GET', /^\/patients\/([^/]+)$/);
  if (patientId !== null) return { status: 200, body: patient(practice, patientId, url) };
  patientId = id('GET', /^\/patients\/([^/]+)\/receipts$/);
  if (patientId !== null) return { status: 200, body: receipts(practice, patientId, url) };
  patientId = id('POST', /^\/patients\/([^/]+)\/collectpayment$/);
  if (patientId !== null) return { status: 200, body: collectPayment(ctx, practice, patientId, headers, body) };
  const appointmentId = id('GET', /^\/appointments\/([^/]+)$/);
  if (appointmentId !== null) return { status: 200, body: appointment(practice, appointmentId, url) };
  throw fail(404, 'Not found.', `No route for ${method} ${url.pathname}`);
}
