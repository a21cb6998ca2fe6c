/**
 * The request pipeline of a JSON simulator (node:http), shared by the Availity and claim-status
 * simulators; a simulator brings its routes, its vendor's error shapes and its handler:
 *
 *   body → `/_sandbox/…` controls (not logged, no faults) → request log → `screen` (unknown route
 *   404, auth 403, …) → faults (delay, reset, forced status, malformed body, slow answer) →
 *   `answer` → JSON out
 *
 * Fault rules match `route` (the path with any version prefix taken off), so one rule covers every
 * prefix a vendor serves. Delays are real timers, tracked so `close()` ends them; an unexpected
 * throw answers 500 in the vendor's shape (`errorBody`).
 *
 * Usage:
 *
 *     const sim = createSimServer<MyRecordedRequest>({
 *       faults, log, now: () => clock.now(),
 *       controls: (method, path, raw) => handleKnob(parts, method, path, raw),
 *       details: (req, raw) => ({ body: JSON.parse(raw) }),
 *       answer: ({ entry }) => ({ status: 200, body: { ok: true } }),
 *       faultBody: (status, text) => ({ message: text ?? 'fault' }),
 *       malformedBody: '{"id": "0',
 *       errorBody: (message) => ({ message }),
 *     });
 *     await listen(sim.server, 0, '127.0.0.1');
 *     await sim.close();
 */
import http from 'node:http';
import type { FaultInjector } from './fault-injection';
import { readBody } from './http-body';
import { logRequest, parseQuery, type RecordedRequest } from './request-log';
import { resetSocket } from './reset-socket';

/** What a simulator answers: JSON `body` (none: an empty answer, e.g. 204) and extra headers. */
export interface SimAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A log entry that knows the route the faults matched. */
export interface RoutedRecordedRequest extends RecordedRequest {
  /** The path without any version prefix (what fault rules match); the full path is `path`. */
  route: string;
}

/** The fields a simulator adds to its log entries (`body` at least), between `headers` and `time`. */
export type EntryDetails<E extends RoutedRecordedRequest> = Omit<E, Exclude<keyof RoutedRecordedRequest, 'body'>>;

/** One logged request, as `screen` and `answer` see it. */
export interface SimRequest<E extends RoutedRecordedRequest> {
  req: http.IncomingMessage;
  /** Upper-cased. */
  method: string;
  /** The request body as text (`''` for GET and HEAD). */
  raw: string;
  /** Its log entry: a handler may fill in what it learns (e.g. the client). */
  entry: E;
}

export interface SimServerOptions<E extends RoutedRecordedRequest> {
  /** The simulator's fault rules, decided per request on (`method`, `route`). */
  faults: FaultInjector;
  /** The request log every non-control request is pushed to, oldest first. */
  log: E[];
  /** The simulator's clock, for the log's `time` and `answeredAt`. */
  now: () => number;
  /** `/_sandbox/…` requests (the path in full). */
  controls: (method: string, path: string, raw: string) => SimAnswer | Promise<SimAnswer>;
  /** The route of a path (fault rules and handlers match it). Default: the path itself. */
  route?: (path: string) => string;
  /** The simulator's own log fields (`body` at least; secrets masked). */
  details: (req: http.IncomingMessage, raw: string) => EntryDetails<E>;
  /** Answers that come before faults (unknown route, bad credentials); `null` lets the request on. Default: always `null`. */
  screen?: (request: SimRequest<E>) => SimAnswer | null;
  /** The answer to a request no fault forced. */
  answer: (request: SimRequest<E>) => SimAnswer;
  /** The body of a forced status, in the vendor's error shape (`errorText`: the rule's, if any). */
  faultBody: (status: number, errorText: string | null) => unknown;
  /** What a `malformedJson` rule sends with a 200: broken JSON. */
  malformedBody: string;
  /** The body of the 500 an unexpected throw answers, in the vendor's error shape. */
  errorBody: (message: string) => unknown;
  /** Headers on every logged request's answer (e.g. a transaction id), made once per request. Default: none. */
  headers?: () => Record<string, string>;
}

export interface SimServer {
  server: http.Server;
  /** Ends pending fault delays and open connections, then closes the server. */
  close(): Promise<void>;
}

export function sendJson(res: http.ServerResponse, { status, body, headers = {} }: SimAnswer): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function createSimServer<E extends RoutedRecordedRequest>(options: SimServerOptions<E>): SimServer {
  const { faults, log, now } = options;
  const route = options.route ?? ((path: string) => path);
  const screen = options.screen ?? (() => null);
  const timers = new Set<NodeJS.Timeout>();

  const wait = (ms: number) =>
    ms <= 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, ms);
          timers.add(timer);
        });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const arrived = Date.now();
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
    if (path.startsWith('/_sandbox/')) {
      sendJson(res, await options.controls(method, path, raw));
      return;
    }
    const entry = {
      method,
      path,
      route: route(path),
      query: parseQuery(url.searchParams),
      headers: { ...req.headers },
      ...options.details(req, raw),
      time: now(),
      status: null,
      answeredAt: null,
    } as E;
    logRequest(log, entry, res, now);
    const extra = options.headers?.() ?? {};
    const request: SimRequest<E> = { req, method, raw, entry };
    const early = screen(request);
    if (early) {
      sendJson(res, { ...early, headers: { ...extra, ...early.headers } });
      return;
    }

    const decision = faults.decide(method, entry.route);
    await wait(decision.latencyMs);
    if (decision.effect?.kind === 'reset') {
      resetSocket(req.socket);
      return;
    }
    let answer: SimAnswer;
    if (decision.effect?.kind === 'status') {
      const { status, retryAfterSeconds, errorText } = decision.effect;
      answer = {
        status,
        body: options.faultBody(status, errorText),
        headers: retryAfterSeconds === null ? {} : { 'retry-after': String(retryAfterSeconds) },
      };
    } else {
      answer = options.answer(request);
    }
    await wait(decision.responseTimeMs - (Date.now() - arrived));
    if (decision.effect?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json', ...extra });
      res.end(options.malformedBody);
      return;
    }
    sendJson(res, { ...answer, headers: { ...extra, ...answer.headers } });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, { status: 500, body: options.errorBody((error as Error).message) });
      else res.destroy();
    });
  });
  return {
    server,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
