/**
 * One HTTP exchange of a coverage adapter: through the practice's upstream budget, reported to
 * `onUpstreamCall` (endpoint template, status, duration; never a body), with a total timeout. It
 * knows no vendor: the Availity and claim-status clients decide what a status means and whether to
 * try again. A request that produced no complete answer throws {@link NoAnswer}, which says only
 * whether it timed out (undici's error text may quote the request, so it is not kept).
 *
 *     const res = await exchange(pool, { method: 'POST', path: '/v1/coverages', endpoint: '/coverages', … });
 */
import type { Pool } from 'undici';
import { parseRetryAfterMs } from '../http';
import type { AdapterOptions } from '../system';

export interface CoverageHttpRequest {
  method: 'GET' | 'POST';
  /** Path and query on the pool's origin, exactly as sent. */
  path: string;
  /** The endpoint template for the budget and metrics (`/coverages/{id}`): no ids, no PHI. */
  endpoint: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** 1 for a first attempt, 2 for its first retry, … */
  attempt: number;
}

export interface CoverageHttpResponse {
  status: number;
  text: string;
  /** A header's first value, case-insensitively. */
  header(name: string): string | undefined;
}

/** No complete answer: the request may or may not have reached the clearinghouse. */
export class NoAnswer extends Error {
  constructor(readonly timedOut: boolean) {
    super(timedOut ? 'timed out' : 'network error');
    this.name = 'NoAnswer';
  }
}

export async function exchange(
  pool: Pool,
  request: CoverageHttpRequest,
  options: Pick<AdapterOptions, 'onUpstreamCall' | 'upstreamBudget'>,
): Promise<CoverageHttpResponse> {
  const done = await options.upstreamBudget?.beforeExchange({ endpoint: request.endpoint, attempt: request.attempt });
  const started = performance.now();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('timeout'));
  }, request.timeoutMs);
  let status: number | null = null;
  let retryAfterMs: number | null = null;
  try {
    const res = await pool.request({
      method: request.method,
      path: request.path,
      headers: request.headers,
      body: request.body,
      signal: controller.signal,
    });
    const text = await res.body.text();
    status = res.statusCode;
    const headers = res.headers;
    const header = (name: string) => {
      const value = headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    };
    if (status === 429) retryAfterMs = parseRetryAfterMs(header('retry-after'));
    return { status, text, header };
  } catch {
    throw new NoAnswer(timedOut);
  } finally {
    clearTimeout(timer);
    void done?.(status, retryAfterMs);
    try {
      options.onUpstreamCall?.({
        endpoint: request.endpoint,
        method: request.method,
        status,
        durationMs: performance.now() - started,
        attempt: request.attempt,
      });
    } catch {
      // an observer's failure is not the upstream's
    }
  }
}

/** JSON text parsed, or `undefined` when it is not JSON (a proxy's HTML page, an empty body). */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
