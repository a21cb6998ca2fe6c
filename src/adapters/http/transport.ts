/**
 * One undici Pool per upstream, with a total timeout per request (headers and body together) and
 * failures sorted into "timeout" and "network". Knows nothing of any vendor's envelope or retries.
 *
 *     const http = new HttpTransport({ baseUrl: 'https://nexhealth.info', connections: 8 });
 *     const res = await http.send({ method: 'GET', path: '/patients/1?subdomain=x', timeoutMs: 10_000 });
 *     res.status; res.text; res.header('retry-after');
 *     await http.close();
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Pool, type Dispatcher } from 'undici';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  /** Path and query, relative to the base URL's path (e.g. `/patients/1?subdomain=x`). */
  path: string;
  headers?: Record<string, string>;
  /** A JSON body is serialized and sent with `content-type: application/json`. */
  json?: unknown;
  /** A body sent as is (a form, say), its `content-type` given in `headers`; ignored when `json` is given. */
  body?: string;
  /** Total time for the exchange (until the body has been read), in ms. */
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  durationMs: number;
  /** A header's first value, case-insensitively. */
  header(name: string): string | undefined;
}

/** The request never produced a complete response. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'network',
    readonly durationMs: number,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface HttpTransportOptions {
  /** Origin plus an optional path prefix, e.g. `https://nexhealth.info` or `http://127.0.0.1:9000/api`. */
  baseUrl: string;
  /** Sockets the pool may open to the origin. */
  connections: number;
}

export class HttpTransport {
  private readonly pool: Pool;
  private readonly prefix: string;
  private closed = false;

  constructor(options: HttpTransportOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`expected an absolute http(s) base URL, got ${JSON.stringify(options.baseUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`expected an http(s) base URL, got protocol ${url.protocol}`);
    }
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, { connections: Math.max(1, options.connections) });
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    if (this.closed) throw new TransportError('the HTTP pool is closed', 'network', 0);
    const started = performance.now();
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    let body: string | undefined = request.body;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] = 'application/json';
    }
    const collector = new TextCollector();
    const timer = setTimeout(() => collector.timeOut(request.timeoutMs), request.timeoutMs);
    try {
      this.pool.dispatch({ method: request.method, path: `${this.prefix}${request.path}`, headers, body }, collector);
      const { status, headers: resHeaders, text } = await collector.answer;
      return {
        status,
        headers: resHeaders,
        text,
        durationMs: performance.now() - started,
        header(name: string) {
          const v = resHeaders[name.toLowerCase()];
          return Array.isArray(v) ? v[0] : v;
        },
      };
    } catch (err) {
      const durationMs = performance.now() - started;
      if (collector.timedOut) throw new TransportError(`timed out after ${request.timeoutMs} ms`, 'timeout', durationMs);
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      throw new TransportError(`network error (${reason})`, 'network', durationMs);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }
}

/**
 * One exchange's answer, collected straight from undici's dispatcher: status, headers and the body
 * as text, without the stream object, the abort signal and its listeners `pool.request` makes per
 * call (profiled per request in test/bench/gateway-overhead.ts). The transport's deadline aborts it
 * through undici's own controller, at once or as soon as a queued request is started.
 */
class TextCollector implements Dispatcher.DispatchHandler {
  readonly answer: Promise<{ status: number; headers: IncomingHttpHeaders; text: string }>;
  timedOut = false;
  private resolve!: (value: { status: number; headers: IncomingHttpHeaders; text: string }) => void;
  private reject!: (error: Error) => void;
  private controller: Dispatcher.DispatchController | null = null;
  private abortReason: Error | null = null;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private chunks: Buffer[] = [];
  private settled = false;

  constructor() {
    this.answer = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  timeOut(ms: number): void {
    if (this.settled) return;
    this.timedOut = true;
    this.abortReason = new Error(`timed out after ${ms} ms`);
    this.controller?.abort(this.abortReason);
    this.onResponseError(null, this.abortReason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortReason) controller.abort(this.abortReason);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // an informational answer (100 Continue): the real one follows
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    let text = (this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks)).toString('utf8');
    // As undici's body.text(): a UTF-8 byte order mark is not part of the text.
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    this.resolve({ status: this.status, headers: this.headers, text });
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }
}
