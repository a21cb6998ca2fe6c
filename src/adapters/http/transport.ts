/**
 * One undici Pool per upstream, with a total timeout per request (headers and body together) and
 * failures sorted into "timeout" and "network". Knows nothing of any vendor's envelope or retries.
 *
 *     const http = new HttpTransport({ baseUrl: 'https://nexhealth.info', connections: 8 });
 *     const res = await http.send({ method: 'GET', path: '/patients/1?subdomain=x', timeoutMs: 10_000 });
 *     res.status; res.text; res.header('retry-after');
 *     await http.close();
 */
import { Pool } from 'undici';

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
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`timed out after ${request.timeoutMs} ms`));
    }, request.timeoutMs);
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    let body: string | undefined = request.body;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] = 'application/json';
    }
    try {
      const res = await this.pool.request({
        method: request.method,
        path: `${this.prefix}${request.path}`,
        headers,
        body,
        signal: controller.signal,
      });
      const text = await res.body.text();
      const resHeaders = res.headers as Record<string, string | string[] | undefined>;
      return {
        status: res.statusCode,
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
      if (timedOut) throw new TransportError(`timed out after ${request.timeoutMs} ms`, 'timeout', durationMs);
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
