/**
 * athenahealth HTTP client: OAuth client credentials, bearer calls, retries for reads, error mapping.
 *
 *     const client = new AthenaClient(connection, resolvedOptions);
 *     const json = await client.read('/departments', '/v1/{practiceid}/departments');   // unknown | NOT_FOUND
 *     const res = await client.postForm('/patients/1/collectpayment', form, '/v1/{practiceid}/patients/{patientid}/collectpayment');
 *
 * - Token: `POST {baseUrl}/oauth2/v1/token`, HTTP Basic `client_id:client_secret`, form body
 *   `grant_type=client_credentials&scope=athena/service/Athenanet.MDP.*`; cached until shortly before
 *   `expires_in`; one in-flight fetch shared by concurrent callers; dropped and re-fetched once on a 401.
 * - Reads are retried (network, timeouts, 429 after `Retry-After`, 5xx, unparseable bodies) with
 *   jittered exponential backoff; POSTs are sent once (a 401 re-token is the only re-send, since the
 *   upstream refused the request before doing anything).
 * - Upstream failures become `UpstreamError`s whose messages hold the method, the endpoint template,
 *   the HTTP status and the upstream's own error text (card-like digit runs redacted); never a body
 *   the gateway sent.
 */
import type { UpstreamCallEvent } from '../../http/upstream-call';
import { Pool } from 'undici';
import type { UpstreamBudget } from '../../../upstream-budget';
import { UpstreamError } from '../port';
import { backoffDelayMs, DEFAULT_MAX_BACKOFF_MS, parseRetryAfterMs, sleep } from '../../http/backoff';
import { errorBodySchema, tokenResponseSchema } from './schemas';

export const ATHENA_TOKEN_PATH = '/oauth2/v1/token';
export const ATHENA_TOKEN_SCOPE = 'athena/service/Athenanet.MDP.*';

import type { AthenahealthConnection } from './connection';

export type { AthenahealthConnection };

export type { UpstreamCallEvent } from '../../http/upstream-call';

export interface ResolvedClientOptions {
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  onUpstreamCall: ((e: UpstreamCallEvent) => void) | undefined;
  /** The credential's upstream budget (call cap, fair token queue, retry budget, 429 pause). */
  upstreamBudget?: UpstreamBudget;
  /** Cap of an upstream-requested `Retry-After` wait. */
  maxRetryAfterMs: number;
  connections: number;
}

/** What a read returns for a 404 on a by-id read (the caller maps it to `null`). */
export const NOT_FOUND: unique symbol = Symbol('athenahealth.notFound');
export type NotFound = typeof NOT_FOUND;

/** A raw HTTP answer. */
export interface RawResponse {
  status: number;
  text: string;
  header(name: string): string | undefined;
}

class NoResponse extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

/** Card-like runs of digits (12–19), wherever an upstream text might echo them. */
const CARD_LIKE = /\d(?:[ -]?\d){11,18}/g;

/** Redacts secrets (and card-like digit runs) from a text that may reach an error message. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 3) out = out.split(secret).join('[redacted]');
  }
  return out.replace(CARD_LIKE, '[redacted]');
}

/** The upstream's own error text out of an error body (JSON `{error, detailedmessage}` or plain text). */
export function upstreamErrorText(body: string, secrets: readonly string[] = []): string {
  let text = '';
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(body));
    if (parsed.success) {
      const { error, detailedmessage, errortext, message } = parsed.data;
      const main = error || errortext || message || '';
      text = detailedmessage && detailedmessage !== main ? (main ? `${main} (${detailedmessage})` : detailedmessage) : main;
    }
  } catch {
    // not JSON: an API-gateway page; keep a short, tag-free excerpt
    text = body
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  }
  text = redact(text, secrets);
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

export class AthenaClient {
  private readonly pool: Pool;
  private readonly prefix: string;
  private readonly practicePath: string;
  private token: { value: string; expiresAt: number } | null = null;
  private tokenInFlight: Promise<string> | null = null;
  private closed = false;

  constructor(
    private readonly connection: AthenahealthConnection,
    private readonly options: ResolvedClientOptions,
  ) {
    let url: URL;
    try {
      url = new URL(connection.baseUrl);
    } catch {
      throw new TypeError('athenahealth: expected an absolute http(s) baseUrl');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`athenahealth: expected an http(s) baseUrl, got protocol ${url.protocol}`);
    }
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, { connections: Math.max(1, options.connections) });
    this.practicePath = `/v1/${encodeURIComponent(connection.practiceId)}`;
  }

  /** `/v1/{practiceid}` + `rest`. */
  practiceUrl(rest: string): string {
    return `${this.practicePath}${rest}`;
  }

  /** Resolve a `next` link (`/v1/195900/departments?offset=2` or an absolute URL) to a request path. */
  resolveNext(next: string): string | null {
    const trimmed = next.trim();
    if (trimmed === '') return null;
    if (/^https?:\/\//i.test(trimmed)) {
      const url = new URL(trimmed);
      const path = url.pathname + url.search;
      return this.prefix && path.startsWith(this.prefix) ? path.slice(this.prefix.length) : path;
    }
    return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  }

  // --- token --------------------------------------------------------------------------------------

  /** A valid access token (cached, or fetched with retries). */
  async accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.expiresAt) return this.token.value;
    if (!this.tokenInFlight) {
      this.tokenInFlight = this.fetchToken().finally(() => {
        this.tokenInFlight = null;
      });
    }
    return this.tokenInFlight;
  }

  /** Forget `used` (when it is still the cached token), so the next call fetches a new one. */
  private dropToken(used: string): void {
    if (this.token?.value === used) this.token = null;
  }

  private async fetchToken(): Promise<string> {
    const endpoint = ATHENA_TOKEN_PATH;
    const basic = Buffer.from(`${this.connection.clientId}:${this.connection.clientSecret}`, 'utf8').toString('base64');
    const body = new URLSearchParams({ grant_type: 'client_credentials', scope: ATHENA_TOKEN_SCOPE }).toString();
    const res = await this.withRetries('POST', endpoint, async (attempt) =>
      this.send('POST', ATHENA_TOKEN_PATH, endpoint, attempt, {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        body,
      }),
    );
    if (res.status < 200 || res.status >= 300) {
      throw this.failure('POST', endpoint, res, [this.connection.clientSecret]);
    }
    const parsed = tokenResponseSchema.safeParse(safeJson(res.text));
    if (!parsed.success) {
      throw new UpstreamError(
        `athenahealth: malformed token response from POST ${endpoint}`,
        'UPSTREAM_UNAVAILABLE',
        res.status,
        endpoint,
      );
    }
    const ttlSeconds = parsed.data.expires_in ?? 3600;
    // Refresh shortly before expiry: a minute early, or 10% early for short-lived tokens.
    const marginSeconds = Math.min(60, ttlSeconds / 10);
    this.token = { value: parsed.data.access_token, expiresAt: Date.now() + (ttlSeconds - marginSeconds) * 1000 };
    return parsed.data.access_token;
  }

  // --- calls --------------------------------------------------------------------------------------

  /**
   * A GET, retried. Answers the parsed JSON, or {@link NOT_FOUND} for a 404 (except "Invalid
   * practice.", which is a rejection of the connection, not of the id).
   */
  async read(path: string, endpoint: string): Promise<unknown | NotFound> {
    const outcome = await this.withRetries('GET', endpoint, async (attempt) => {
      const res = await this.authorized('GET', path, endpoint, attempt);
      if (res.status >= 200 && res.status < 300) {
        const json = safeJson(res.text);
        if (json === INVALID_JSON) {
          return Object.assign(res, { status: 598 }); // retried below as "malformed"
        }
      }
      return res;
    });
    if (outcome.status === 598) {
      throw new UpstreamError(`athenahealth: malformed response from GET ${endpoint}`, 'UPSTREAM_UNAVAILABLE', 200, endpoint);
    }
    if (outcome.status >= 200 && outcome.status < 300) return safeJson(outcome.text);
    if (outcome.status === 404 && !/invalid practice/i.test(upstreamErrorText(outcome.text))) return NOT_FOUND;
    throw this.failure('GET', endpoint, outcome);
  }

  /**
   * A form POST, sent once (never retried; a 401 re-token is the one re-send, the upstream having
   * refused the request). Answers the raw response; network trouble becomes UPSTREAM_UNAVAILABLE
   * (with no request detail in the message: the form may hold card data).
   */
  async postForm(path: string, form: URLSearchParams, endpoint: string): Promise<RawResponse> {
    try {
      return await this.authorized('POST', path, endpoint, 1, {
        'content-type': 'application/x-www-form-urlencoded',
        body: form.toString(),
      });
    } catch (err) {
      // An UpstreamError (the token call) or the budget's refusal: nothing reached the upstream's POST.
      if (!(err instanceof NoResponse)) throw err;
      const timedOut = err instanceof NoResponse && err.timedOut;
      throw new UpstreamError(
        `athenahealth: no answer from POST ${endpoint} (${timedOut ? `timed out after ${this.options.timeoutMs} ms` : 'network error'}); the outcome is unknown`,
        'UPSTREAM_UNAVAILABLE',
        null,
        endpoint,
      );
    }
  }

  /** The UpstreamError for a non-2xx answer. */
  failure(method: string, endpoint: string, res: RawResponse, secrets: readonly string[] = []): UpstreamError {
    const text = upstreamErrorText(res.text, secrets);
    const detail = text ? `: ${text}` : '';
    if (res.status === 429) {
      return new UpstreamError(
        `athenahealth rate-limited ${method} ${endpoint} (HTTP 429)${detail}`,
        'UPSTREAM_UNAVAILABLE',
        429,
        endpoint,
      );
    }
    if (res.status >= 500 || res.status < 200) {
      return new UpstreamError(
        `athenahealth unavailable on ${method} ${endpoint} (HTTP ${res.status})${detail}`,
        'UPSTREAM_UNAVAILABLE',
        res.status,
        endpoint,
      );
    }
    return new UpstreamError(
      `athenahealth rejected ${method} ${endpoint} (HTTP ${res.status})${detail}`,
      'UPSTREAM_REJECTED',
      res.status,
      endpoint,
    );
  }

  /** One exchange with a bearer token; on a 401, drop the token, fetch a new one and re-send once. */
  private async authorized(
    method: 'GET' | 'POST',
    path: string,
    endpoint: string,
    attempt: number,
    extra: { 'content-type'?: string; body?: string } = {},
  ): Promise<RawResponse> {
    let token = await this.accessToken();
    let res = await this.send(method, path, endpoint, attempt, { ...extra, authorization: `Bearer ${token}` });
    if (res.status === 401) {
      this.dropToken(token);
      token = await this.accessToken();
      res = await this.send(method, path, endpoint, attempt, { ...extra, authorization: `Bearer ${token}` });
    }
    return res;
  }

  /**
   * Retry loop for safe requests: `attempt(n)` either answers (any status) or throws NoResponse.
   * Retried: NoResponse, 429 (after Retry-After), 5xx and the internal "malformed" marker (598).
   * Anything else is returned to the caller. When retries run out the last answer is returned, or
   * the network failure thrown as UPSTREAM_UNAVAILABLE.
   */
  private async withRetries(
    method: string,
    endpoint: string,
    attempt: (n: number) => Promise<RawResponse>,
  ): Promise<RawResponse> {
    for (let n = 1; ; n++) {
      let res: RawResponse | null = null;
      let failure: NoResponse | null = null;
      try {
        res = await attempt(n);
      } catch (err) {
        if (!(err instanceof NoResponse)) throw err;
        failure = err;
      }
      const retryable = failure !== null || (res !== null && (res.status === 429 || res.status >= 500));
      if (!retryable || n > this.options.maxRetries || this.closed || !(this.options.upstreamBudget?.mayRetry() ?? true)) {
        if (res) return res;
        throw new UpstreamError(
          `athenahealth: no answer from ${method} ${endpoint} (${failure!.timedOut ? `timed out after ${this.options.timeoutMs} ms` : 'network error'})`,
          'UPSTREAM_UNAVAILABLE',
          null,
          endpoint,
        );
      }
      const requested = res && res.status === 429 ? parseRetryAfterMs(res.header('retry-after')) : null;
      const delay =
        requested !== null
          ? Math.min(requested, this.options.maxRetryAfterMs)
          : backoffDelayMs(n - 1, this.options.retryBaseDelayMs, DEFAULT_MAX_BACKOFF_MS);
      await sleep(delay);
    }
  }

  /** One HTTP exchange with a total timeout; reports it to `onUpstreamCall`. */
  private async send(
    method: 'GET' | 'POST',
    path: string,
    endpoint: string,
    attempt: number,
    headers: { authorization: string; 'content-type'?: string; body?: string },
  ): Promise<RawResponse> {
    if (this.closed) throw new UpstreamError('athenahealth: the adapter is closed', 'UPSTREAM_UNAVAILABLE', null, endpoint);
    // Outside the try below: a refused call (the request's cap) is not a network failure.
    const done = await this.options.upstreamBudget?.beforeExchange({ endpoint, attempt });
    const started = performance.now();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('timeout'));
    }, this.options.timeoutMs);
    const { body, ...rest } = headers;
    let status: number | null = null;
    let retryAfterMs: number | null = null;
    try {
      const res = await this.pool.request({
        method,
        path: `${this.prefix}${path}`,
        headers: { accept: 'application/json', ...rest },
        body,
        signal: controller.signal,
      });
      const text = await res.body.text();
      status = res.statusCode;
      const resHeaders = res.headers;
      const retryAfter = resHeaders['retry-after'];
      if (status === 429) retryAfterMs = parseRetryAfterMs(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
      return {
        status: res.statusCode,
        text,
        header(name: string) {
          const v = resHeaders[name.toLowerCase()];
          return Array.isArray(v) ? v[0] : v;
        },
      };
    } catch {
      // the error text of undici may quote the request; keep only what kind of failure it was
      throw new NoResponse(timedOut ? 'timeout' : 'network error', timedOut);
    } finally {
      clearTimeout(timer);
      void done?.(status, retryAfterMs);
      this.report({ endpoint, method, status, durationMs: performance.now() - started, attempt });
    }
  }

  private report(event: UpstreamCallEvent): void {
    try {
      this.options.onUpstreamCall?.(event);
    } catch {
      // an observer's failure is not the upstream's
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.token = null;
    await this.pool.close();
  }
}

const INVALID_JSON: unique symbol = Symbol('invalidJson');

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return INVALID_JSON;
  }
}
