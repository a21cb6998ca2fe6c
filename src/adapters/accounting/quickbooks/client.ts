/**
 * The QuickBooks Online HTTP client: the company's API over a pooled undici transport, with the
 * rules every call follows (the port's header, `src/adapters/README.md`):
 *
 * - `Accept: application/json` and `minorversion=75` on every call; `Authorization: Bearer`.
 * - A 401 other than `120` (the user lost access) drops the access token, refreshes once and sends
 *   once more; a second 401 is `UPSTREAM_UNAVAILABLE` (credentials a refresh did not fix).
 * - Reads are retried (network, timeouts, 429 after `Retry-After`, 5xx) with jittered backoff under
 *   the credential's retry budget. Writes are sent once, except after a 429 or a 401, which Intuit
 *   answers before doing anything (and the write's `requestid` would replay it anyway).
 * - At most {@link QUICKBOOKS_MAX_CONCURRENT_PER_REALM} calls in flight per realm in this process,
 *   and each exchange waits for the upstream budget (`beforeExchange` / the done callback).
 * - Answers: 2xx → the parsed JSON; another 4xx → its fault (either casing) for the adapter to read
 *   as a refusal; anything else → `UpstreamError`. Messages carry the endpoint template, the status,
 *   Intuit's codes and `intuit_tid`, never a body the gateway sent.
 */
import { createLimiter, HttpTransport, type Limiter, parseRetryAfterMs, retry, TransportError } from '../../http';
import { UpstreamError } from '../../ledger/port';
import type { AdapterOptions } from '../../system';
import type { QuickbooksTokens } from './auth';
import type { QuickbooksConnection } from './connection';
import { QUICKBOOKS_MAX_CONCURRENT_PER_REALM } from './rate-limits';
import { faultSchema, type QboFault } from './schemas';

/** The minor version every call sends (74 and below were retired in August 2025). */
export const QUICKBOOKS_MINOR_VERSION = 75;

/** Defaults of the client's tuning (`AdapterOptions`). */
export const QUICKBOOKS_DEFAULTS = { timeoutMs: 15_000, maxRetries: 2, retryBaseDelayMs: 250, maxRetryAfterMs: 60_000 } as const;

export interface QboCall {
  method: 'GET' | 'POST';
  /** Below `/v3/company/{realmId}`, e.g. `/salesreceipt`. */
  path: string;
  query?: Record<string, string>;
  json?: unknown;
  /** The template below `/v3/company/{realmId}` for metrics and the budget, e.g. `/customer/{id}`. */
  template: string;
  /** A write: sent once (see the header). */
  write: boolean;
}

export type QboAnswer =
  | { ok: true; status: number; body: unknown }
  | { ok: false; status: number; fault: QboFault; tid: string | null };

const realmLimiters = new Map<string, Limiter>();

function realmLimiter(connection: QuickbooksConnection): Limiter {
  const key = `${connection.baseUrl}\n${connection.realmId}`;
  let limiter = realmLimiters.get(key);
  if (!limiter) {
    limiter = createLimiter(QUICKBOOKS_MAX_CONCURRENT_PER_REALM);
    realmLimiters.set(key, limiter);
  }
  return limiter;
}

/** A fault's codes and texts for a message: `6190: Invalid Company Status (detail)`. */
export function faultText(fault: QboFault): string {
  return fault.errors
    .map((e) => [e.code, e.message].filter(Boolean).join(': ') + (e.detail && e.detail !== e.message ? ` (${e.detail})` : ''))
    .join('; ')
    .slice(0, 500);
}

/** The fault of an error body, or a bare one naming the status when the body is not one. */
export function parseFault(text: string, status: number): QboFault {
  try {
    const parsed = faultSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: described by its status below
  }
  return { type: null, errors: [{ code: null, message: `HTTP ${status}`, detail: '' }] };
}

class Retryable extends Error {
  constructor(
    readonly upstream: UpstreamError,
    readonly retryAfterMs: number | null,
  ) {
    super(upstream.message);
  }
}

export class QuickbooksClient {
  private readonly http: HttpTransport;
  private readonly limit: Limiter;
  private readonly companyPath: string;
  private readonly tune: Required<Pick<AdapterOptions, 'timeoutMs' | 'maxRetries' | 'retryBaseDelayMs'>>;

  constructor(
    readonly connection: QuickbooksConnection,
    private readonly tokens: QuickbooksTokens,
    private readonly options: AdapterOptions,
  ) {
    this.http = new HttpTransport({ baseUrl: connection.baseUrl, connections: QUICKBOOKS_MAX_CONCURRENT_PER_REALM });
    this.limit = realmLimiter(connection);
    this.companyPath = `/v3/company/${encodeURIComponent(connection.realmId)}`;
    this.tune = {
      timeoutMs: options.timeoutMs ?? QUICKBOOKS_DEFAULTS.timeoutMs,
      maxRetries: options.maxRetries ?? QUICKBOOKS_DEFAULTS.maxRetries,
      retryBaseDelayMs: options.retryBaseDelayMs ?? QUICKBOOKS_DEFAULTS.retryBaseDelayMs,
    };
  }

  /** One call (see the header): the answer, or an `UpstreamError` when QuickBooks could not be asked. */
  call(call: QboCall): Promise<QboAnswer> {
    const budget = this.options.upstreamBudget;
    const endpoint = `${call.method} /v3/company/{realmId}${call.template}`;
    return retry<QboAnswer>(
      async (attempt) => {
        try {
          return { done: true, value: await this.authorized(call, attempt) };
        } catch (error) {
          if (!(error instanceof Retryable)) throw error;
          // A write goes once more only after a 429: nothing was done upstream.
          const retryable = !call.write || error.upstream.status === 429;
          return { done: false, error: error.upstream, retryable, retryAfterMs: error.retryAfterMs };
        }
      },
      {
        maxRetries: this.tune.maxRetries,
        baseDelayMs: this.tune.retryBaseDelayMs,
        maxRetryAfterMs: QUICKBOOKS_DEFAULTS.maxRetryAfterMs,
        mayRetry: budget ? () => budget.mayRetry() : undefined,
      },
    ).catch((error: unknown) => {
      if (error instanceof UpstreamError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new UpstreamError(`QuickBooks call ${endpoint} failed: ${message}`, 'UPSTREAM_UNAVAILABLE', null, endpoint);
    });
  }

  /** One attempt with the current token; a 401 (not `120`) refreshes and sends once more. */
  private async authorized(call: QboCall, attempt: number): Promise<QboAnswer> {
    const endpoint = `${call.method} /v3/company/{realmId}${call.template}`;
    const first = await this.exchange(call, attempt, () => this.tokens.accessToken());
    const revoked = (a: QboAnswer) => !a.ok && a.fault.errors.some((e) => e.code === '120');
    if (first.answer.ok || first.answer.status !== 401 || revoked(first.answer)) return first.answer;
    const { answer } = await this.exchange(call, attempt, () => this.tokens.replace(first.token));
    if (!answer.ok && answer.status === 401 && !revoked(answer)) {
      throw new UpstreamError(
        `QuickBooks refused the credentials on ${endpoint} even after a token refresh (HTTP 401: ${faultText(answer.fault)})`,
        'UPSTREAM_UNAVAILABLE',
        401,
        endpoint,
      );
    }
    return answer;
  }

  /**
   * One HTTP exchange under the realm's limiter and the budget, reported; throws `Retryable` for
   * what may be retried. The token is taken once the call has its place, so calls that queued
   * behind an expiry carry the refreshed one rather than meeting the same 401.
   */
  private exchange(call: QboCall, attempt: number, bearer: () => Promise<string>): Promise<{ answer: QboAnswer; token: string }> {
    return this.limit(async () => {
      const token = await bearer();
      const template = `/v3/company/{realmId}${call.template}`;
      const endpoint = `${call.method} ${template}`;
      const query = new URLSearchParams({ ...call.query, minorversion: String(QUICKBOOKS_MINOR_VERSION) });
      const done = await this.options.upstreamBudget?.beforeExchange({ endpoint: template, attempt });
      const started = performance.now();
      let status: number | null = null;
      let retryAfterMs: number | null = null;
      try {
        let res: Awaited<ReturnType<HttpTransport['send']>>;
        try {
          res = await this.http.send({
            method: call.method,
            path: `${this.companyPath}${call.path}?${query}`,
            headers: { authorization: `Bearer ${token}` },
            json: call.json,
            timeoutMs: this.tune.timeoutMs,
          });
        } catch (error) {
          const kind = error instanceof TransportError ? error.kind : 'network';
          const what = kind === 'timeout' ? `timed out after ${this.tune.timeoutMs} ms` : 'network error';
          const outcome = call.write ? '; the outcome is unknown (the same requestid replays it)' : '';
          throw new Retryable(
            new UpstreamError(
              `QuickBooks: no answer from ${endpoint} (${what})${outcome}`,
              'UPSTREAM_UNAVAILABLE',
              null,
              endpoint,
            ),
            null,
          );
        }
        status = res.status;
        const tid = res.header('intuit_tid') ?? null;
        const tidText = tid ? ` [intuit_tid ${tid}]` : '';
        if (status === 429) {
          retryAfterMs = parseRetryAfterMs(res.header('retry-after'));
          throw new Retryable(
            new UpstreamError(`QuickBooks throttled ${endpoint} (HTTP 429)${tidText}`, 'UPSTREAM_UNAVAILABLE', 429, endpoint),
            retryAfterMs,
          );
        }
        if (status >= 500 || status < 200) {
          const fault = faultText(parseFault(res.text, status));
          throw new Retryable(
            new UpstreamError(
              `QuickBooks failed on ${endpoint} (HTTP ${status}: ${fault})${tidText}`,
              'UPSTREAM_UNAVAILABLE',
              status,
              endpoint,
            ),
            null,
          );
        }
        if (status >= 300) {
          const fault = parseFault(res.text, status);
          // Dropped before the place is freed, so the calls queued behind this one do not meet the same 401.
          if (status === 401 && !fault.errors.some((e) => e.code === '120')) this.tokens.invalidate(token);
          return { answer: { ok: false, status, fault, tid }, token };
        }
        try {
          return { answer: { ok: true, status, body: JSON.parse(res.text) as unknown }, token };
        } catch {
          throw new Retryable(
            new UpstreamError(
              `QuickBooks answered ${endpoint} with a body that is not JSON${tidText}`,
              'UPSTREAM_UNAVAILABLE',
              status,
              endpoint,
            ),
            null,
          );
        }
      } finally {
        void done?.(status, retryAfterMs);
        try {
          this.options.onUpstreamCall?.({
            endpoint: template,
            method: call.method,
            status,
            durationMs: performance.now() - started,
            attempt,
          });
        } catch {
          // an observer's failure is not the upstream's
        }
      }
    });
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
