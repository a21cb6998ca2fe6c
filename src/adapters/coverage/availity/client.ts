/**
 * Availity's HTTP client: the OAuth2 client-credentials token (one fetch shared by concurrent
 * callers, reused until 240 s of its 300, fetched again once on a 401) and bearer calls with
 * Availity's 429 rule: `Retry-After` when present, else 1 s, 2 s, 4 s (+0–250 ms jitter), 3 retries.
 * Nothing else is retried here: a POST that timed out may have created a coverage, so it is never
 * sent again (the adapter answers with what it knows); the adapter decides what each status means.
 */
import {
  type HttpMethod,
  type HttpResponse,
  HttpTransport,
  parseRetryAfterMs,
  retry,
  sendReported,
  TransportError,
} from '../../http';
import { UpstreamError } from '../../ledger/port';
import type { AdapterOptions } from '../../system';
import { safeJson } from '../safe-json';
import type { AvailityConnection } from './connection';
import { tokenResponseSchema } from './schemas';

export interface AvailityClientOptions extends AdapterOptions {
  /** Wall clock in ms (token reuse). Default `Date.now`. */
  now?: () => number;
  /** Waits between 429 retries. Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** A token is reused until this long after it was issued (Availity's live 300 s). */
export const TOKEN_REUSE_MS = 240_000;
/** Retries of a 429 before the call fails `UPSTREAM_UNAVAILABLE`. */
export const MAX_429_RETRIES = 3;
/** The longest `Retry-After` honoured; a longer one fails the call instead of holding it. */
export const MAX_RETRY_AFTER_MS = 60_000;
/** Default total time of one exchange. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export class AvailityClient {
  private readonly api: HttpTransport;
  private readonly tokenHttp: HttpTransport;
  private readonly tokenPath: string;
  private token: { value: string; until: number } | null = null;
  private tokenInFlight: Promise<string> | null = null;
  private closed = false;
  readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    private readonly connection: AvailityConnection,
    private readonly options: AvailityClientOptions = {},
  ) {
    const token = new URL(connection.tokenUrl);
    this.api = new HttpTransport({ baseUrl: connection.baseUrl, connections: 8 });
    // The token URL is taken whole (its own path and query), so its transport is rooted at the origin.
    this.tokenHttp = new HttpTransport({ baseUrl: token.origin, connections: 2 });
    this.tokenPath = `${token.pathname}${token.search}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** A bearer token, reused until {@link TOKEN_REUSE_MS} after issue (or 80 % of a shorter life). */
  async accessToken(): Promise<string> {
    if (this.token && this.now() < this.token.until) return this.token.value;
    this.tokenInFlight ??= this.fetchToken().finally(() => {
      this.tokenInFlight = null;
    });
    return this.tokenInFlight;
  }

  private async fetchToken(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.connection.clientId,
      client_secret: this.connection.clientSecret,
      scope: this.connection.scope,
    }).toString();
    const res = await this.send(this.tokenHttp, 'POST', this.tokenPath, '/token', body, {});
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      throw new UpstreamError(
        `Availity token endpoint refused the client credentials (HTTP ${res.status})`,
        'UPSTREAM_REJECTED',
        res.status,
        '/token',
      );
    }
    if (res.status !== 200) {
      throw new UpstreamError(
        `Availity token endpoint answered HTTP ${res.status}`,
        'UPSTREAM_UNAVAILABLE',
        res.status,
        '/token',
      );
    }
    const parsed = tokenResponseSchema.safeParse(safeJson(res.text));
    if (!parsed.success) {
      throw new UpstreamError(
        'Availity token endpoint answered 200 without an access_token',
        'UPSTREAM_UNAVAILABLE',
        200,
        '/token',
      );
    }
    const lifeMs = (parsed.data.expires_in ?? 300) * 1000;
    this.token = { value: parsed.data.access_token, until: this.now() + Math.min(TOKEN_REUSE_MS, lifeMs * 0.8) };
    return parsed.data.access_token;
  }

  /**
   * One API call (`path` relative to `baseUrl`): bearer token, a new token once on a 401, the 429
   * rule. Answers whatever status came back; a 401 after a fresh token and a 429 past its retries are
   * `UPSTREAM_UNAVAILABLE`; no answer at all is `UPSTREAM_UNAVAILABLE` (never re-sent).
   */
  async call(method: 'GET' | 'POST', path: string, endpoint: string, form?: string): Promise<HttpResponse> {
    let retokened = false;
    let sent = 0;
    const authorized = async (): Promise<HttpResponse> => {
      for (;;) {
        const token = await this.accessToken();
        const headers: Record<string, string> = { authorization: `Bearer ${token}` };
        if (this.connection.customerId) headers['x-availity-customer-id'] = this.connection.customerId;
        const res = await this.send(this.api, method, path, endpoint, form, headers, ++sent);
        if (res.status !== 401) return res;
        if (retokened) {
          throw new UpstreamError(
            `Availity refused a fresh token on ${method} ${endpoint} (HTTP 401)`,
            'UPSTREAM_UNAVAILABLE',
            401,
            endpoint,
          );
        }
        retokened = true;
        if (this.token?.value === token) this.token = null;
      }
    };
    // Only a 429 is retried: Availity refused it before doing anything, so even a POST is safe to resend.
    return retry<HttpResponse>(
      async (attempt) => {
        const res = await authorized();
        if (res.status !== 429) return { done: true, value: res };
        const requested = parseRetryAfterMs(res.header('retry-after'), new Date(this.now()));
        return {
          done: false,
          error: new UpstreamError(
            `Availity throttled ${method} ${endpoint} (HTTP 429) ${attempt} times${transactionOf(res)}`,
            'UPSTREAM_UNAVAILABLE',
            429,
            endpoint,
          ),
          // A longer wait than the bound fails the call instead of holding it.
          retryable: !this.closed && (requested === null || requested <= MAX_RETRY_AFTER_MS),
          retryAfterMs: requested,
        };
      },
      {
        maxRetries: MAX_429_RETRIES,
        baseDelayMs: 1000,
        delayMs: (retryIndex) => 1000 * 2 ** retryIndex + Math.floor(this.random() * 250),
        maxRetryAfterMs: MAX_RETRY_AFTER_MS,
        mayRetry: () => this.options.upstreamBudget?.mayRetry() ?? true,
        sleep: this.options.sleep,
      },
    );
  }

  private async send(
    http: HttpTransport,
    method: HttpMethod,
    path: string,
    endpoint: string,
    form: string | undefined,
    headers: Record<string, string>,
    attempt = 1,
  ): Promise<HttpResponse> {
    if (this.closed) throw new UpstreamError('Availity: the adapter is closed', 'UPSTREAM_UNAVAILABLE', null, endpoint);
    const all: Record<string, string> = { accept: 'application/json', ...headers };
    if (form !== undefined) all['content-type'] = 'application/x-www-form-urlencoded';
    try {
      return await sendReported(
        http,
        { method, path, headers: all, body: form, timeoutMs: this.timeoutMs },
        { endpoint, attempt },
        this.options,
      );
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      // The transport's text may quote the request; only the kind of failure is kept.
      throw new UpstreamError(
        `Availity: no answer to ${method} ${endpoint} (${err.kind === 'timeout' ? `timed out after ${this.timeoutMs} ms` : 'network error'})`,
        'UPSTREAM_UNAVAILABLE',
        null,
        endpoint,
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.token = null;
    await Promise.all([this.api.close(), this.tokenHttp.close()]);
  }
}

/** ` (transaction …)` from `X-Availity-Transaction-ID`, for the operator's log; empty when absent. */
export function transactionOf(res: HttpResponse): string {
  const id = res.header('x-availity-transaction-id');
  return id ? ` (transaction ${id.slice(0, 64)})` : '';
}
