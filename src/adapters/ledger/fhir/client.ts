/**
 * The FHIR HTTP client: SMART token (discovered, reused, re-fetched once on a 401), bearer calls with
 * `Accept: application/fhir+json`, retries per the adapter README's "Rate limits", and errors in the
 * port's codes.
 *
 *     const client = new FhirClient(connection, options);
 *     const patient = await client.read('Patient/12724066');          // JSON | NOT_FOUND
 *     const res = await client.post('Basic', body, { 'if-none-exist': '…' });   // raw answer
 *     const page = await client.readUrl(nextLinkUrl);                  // a page link, verbatim
 *
 * Every relative request is checked against the profile's allowed list first (`allowed-searches.ts`):
 * a combination Millennium would refuse is never sent. Page links are the server's and are followed
 * exactly as given (never rebuilt).
 */
import { Pool } from 'undici';
import type { UpstreamBudget } from '../../../upstream-budget';
import { parseRetryAfterMs, sleep as realSleep } from '../../http/backoff';
import type { UpstreamCallEvent } from '../../http/upstream-call';
import { createLimiter, type Limiter } from '../../http/limiter';
import { UpstreamError } from '../port';
import { type FhirProfile, isAllowedSearch } from './allowed-searches';
import {
  DEFAULT_SCOPES,
  DISCOVERY_TTL_MS,
  signClientAssertion,
  tokenEndpointFrom,
  tokenEndpointFromMetadata,
  tokenForm,
  tokenResponseSchema,
  tokenReuseUntil,
} from './auth';
import type { FhirConnection } from './connection';
import { classifyStatus, isRetryableStatus, outcomeOf } from './outcome';

export const FHIR_JSON = 'application/fhir+json';

export interface FhirClientOptions {
  /** Total time of one HTTP exchange, in ms. Default 10000. */
  timeoutMs?: number;
  /** Retries after the first attempt on 429/503 (and GET timeouts). Default 3. */
  maxRetries?: number;
  /** Cap of an upstream `Retry-After`, in ms. Default 30000. */
  maxRetryAfterMs?: number;
  /** Requests in flight per practice. Default: oracle-health 4, epic 4, generic 8. */
  concurrency?: number;
  onUpstreamCall?: (e: UpstreamCallEvent) => void;
  upstreamBudget?: UpstreamBudget;
  /** The wait between retries (a fake clock in tests). Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Wall clock in ms (token expiry, JWT times). Default `Date.now`. */
  now?: () => number;
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** What a read answers for a 404. */
export const NOT_FOUND: unique symbol = Symbol('fhir.notFound');
export type NotFound = typeof NOT_FOUND;

export interface RawAnswer {
  status: number;
  text: string;
  header(name: string): string | undefined;
}

class NoAnswer extends Error {
  constructor(readonly timedOut: boolean) {
    super(timedOut ? 'timed out' : 'network error');
  }
}

const CONCURRENCY: Readonly<Record<FhirProfile, number>> = { 'oracle-health': 4, epic: 4, generic: 8 };

export class FhirClient {
  readonly profile: FhirProfile;
  private readonly base: URL;
  private readonly pools = new Map<string, Pool>();
  private readonly limit: Limiter;
  private readonly opts: Required<Omit<FhirClientOptions, 'onUpstreamCall' | 'upstreamBudget' | 'concurrency'>> &
    Pick<FhirClientOptions, 'onUpstreamCall' | 'upstreamBudget'>;
  private tokenUrl: { url: string; until: number } | null = null;
  private token: { value: string; until: number } | null = null;
  private tokenInFlight: Promise<string> | null = null;
  private closed = false;

  constructor(
    private readonly connection: FhirConnection,
    options: FhirClientOptions = {},
  ) {
    this.profile = connection.profile;
    this.base = new URL(connection.baseUrl);
    this.limit = createLimiter(options.concurrency ?? CONCURRENCY[connection.profile]);
    this.opts = {
      timeoutMs: options.timeoutMs ?? 10_000,
      maxRetries: options.maxRetries ?? 3,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
      sleep: options.sleep ?? realSleep,
      now: options.now ?? Date.now,
      random: options.random ?? Math.random,
      onUpstreamCall: options.onUpstreamCall,
      upstreamBudget: options.upstreamBudget,
    };
  }

  private get scopes(): readonly string[] {
    const s = this.connection.scopes;
    if (s === undefined) return DEFAULT_SCOPES[this.profile];
    return typeof s === 'string' ? s.split(/\s+/).filter(Boolean) : s;
  }

  /** `{baseUrl}/{relative}`. */
  urlOf(relative: string): string {
    return `${this.connection.baseUrl}/${relative}`;
  }

  // --- token --------------------------------------------------------------------------------------

  /** A token, reused until `expires_in` − 60 s; one fetch shared by concurrent callers. */
  async accessToken(): Promise<string> {
    if (this.token && this.opts.now() < this.token.until) return this.token.value;
    this.tokenInFlight ??= this.fetchToken().finally(() => {
      this.tokenInFlight = null;
    });
    return this.tokenInFlight;
  }

  private dropToken(used: string): void {
    if (this.token?.value === used) this.token = null;
  }

  private async tokenEndpoint(): Promise<string> {
    if (this.connection.tokenUrl) return this.connection.tokenUrl;
    if (this.tokenUrl && this.opts.now() < this.tokenUrl.until) return this.tokenUrl.url;
    const usesJwt = this.connection.privateKeyPem !== undefined;
    const res = await this.exchange('GET', this.urlOf('.well-known/smart-configuration'), '/.well-known/smart-configuration', {
      accept: 'application/json',
    });
    let url: string;
    try {
      if (res.status === 404) {
        const meta = await this.exchange('GET', this.urlOf('metadata'), '/metadata', { accept: FHIR_JSON });
        if (meta.status !== 200) throw new Error(`metadata answered HTTP ${meta.status}`);
        url = tokenEndpointFromMetadata(JSON.parse(meta.text));
      } else if (res.status !== 200) {
        throw new Error(`smart-configuration answered HTTP ${res.status}`);
      } else {
        url = tokenEndpointFrom(JSON.parse(res.text), usesJwt);
      }
    } catch (err) {
      throw new UpstreamError(
        `FHIR discovery failed: ${err instanceof Error ? err.message : String(err)}`,
        'UPSTREAM_UNAVAILABLE',
        res.status,
        '/.well-known/smart-configuration',
      );
    }
    this.tokenUrl = { url, until: this.opts.now() + DISCOVERY_TTL_MS };
    return url;
  }

  private async fetchToken(): Promise<string> {
    const url = await this.tokenEndpoint();
    const { clientId, privateKeyPem, keyId, clientSecret } = this.connection;
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
    let assertion: string | null = null;
    if (privateKeyPem && keyId) {
      assertion = await signClientAssertion({
        clientId,
        keyId,
        privateKeyPem,
        tokenUrl: url,
        now: Math.floor(this.opts.now() / 1000),
      });
    } else {
      headers.authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret ?? ''}`, 'utf8').toString('base64')}`;
    }
    const res = await this.withRetries('POST', '/token', () =>
      this.exchange('POST', url, '/token', headers, tokenForm({ scopes: this.scopes, assertion })),
    );
    if (res.status !== 200) {
      const err = safeJson(res.text) as { error?: unknown } | undefined;
      const what = typeof err?.error === 'string' ? `: ${err.error}` : '';
      throw new UpstreamError(
        `FHIR token endpoint refused the client (HTTP ${res.status}${what})`,
        res.status === 429 || res.status >= 500 ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_REJECTED',
        res.status,
        '/token',
      );
    }
    const parsed = tokenResponseSchema.safeParse(safeJson(res.text));
    if (!parsed.success)
      throw new UpstreamError('FHIR token endpoint: malformed token response', 'UPSTREAM_UNAVAILABLE', 200, '/token');
    this.token = { value: parsed.data.access_token, until: tokenReuseUntil(this.opts.now(), parsed.data.expires_in) };
    return parsed.data.access_token;
  }

  // --- calls --------------------------------------------------------------------------------------

  /** `GET {baseUrl}/{relative}` (checked against the profile's list): JSON, or NOT_FOUND on a 404. */
  async read(relative: string): Promise<unknown | NotFound> {
    this.assertAllowed('GET', relative);
    return this.readAbsolute(this.urlOf(relative), endpointOf(relative));
  }

  /** A page link, verbatim; it must stay on the service's origin (the token goes with it). */
  async readUrl(url: string): Promise<unknown> {
    if (!url.startsWith(`${this.base.origin}/`)) {
      throw new UpstreamError(
        `FHIR page link leaves the service origin (${safeOrigin(url)})`,
        'UPSTREAM_REJECTED',
        null,
        '(next page)',
      );
    }
    const answer = await this.readAbsolute(url, '(next page)');
    if (answer === NOT_FOUND) throw new UpstreamError('FHIR page link answered 404', 'UPSTREAM_UNAVAILABLE', 404, '(next page)');
    return answer;
  }

  /** `GET metadata` (readiness: the CapabilityStatement). */
  async metadata(): Promise<unknown> {
    const answer = await this.readAbsolute(this.urlOf('metadata'), '/metadata');
    if (answer === NOT_FOUND) throw new UpstreamError('FHIR metadata answered 404', 'UPSTREAM_UNAVAILABLE', 404, '/metadata');
    return answer;
  }

  private async readAbsolute(url: string, endpoint: string): Promise<unknown | NotFound> {
    const res = await this.withRetries('GET', endpoint, () => this.authorized('GET', url, endpoint));
    if (res.status === 200) {
      const json = safeJson(res.text);
      if (json === undefined)
        throw new UpstreamError(`FHIR: malformed JSON from GET ${endpoint}`, 'UPSTREAM_UNAVAILABLE', 200, endpoint);
      return json;
    }
    if (res.status === 404) return NOT_FOUND;
    throw this.failure('GET', endpoint, res);
  }

  /**
   * `POST {baseUrl}/{relative}` with a FHIR JSON body (already serialized); retried only on 429/503.
   * Answers the raw response, whatever its status; a timeout or network failure is thrown as
   * UPSTREAM_UNAVAILABLE (the outcome unknown).
   */
  async post(relative: string, body: string, extraHeaders: Record<string, string> = {}): Promise<RawAnswer> {
    this.assertAllowed('POST', relative);
    const endpoint = `/${relative}`;
    return this.withRetries('POST', endpoint, () =>
      this.authorized('POST', this.urlOf(relative), endpoint, { 'content-type': FHIR_JSON, ...extraHeaders }, body),
    );
  }

  /** The UpstreamError for a non-2xx answer that no retry cured. */
  failure(method: string, endpoint: string, res: RawAnswer): UpstreamError {
    const outcome = outcomeOf(res.text);
    const detail = outcome?.diagnostics ? `: ${outcome.diagnostics}` : '';
    const { code, ourBug } = classifyStatus(res.status);
    const note = ourBug ? ' (a request the adapter should not have sent)' : '';
    return new UpstreamError(
      `FHIR server answered ${method} ${endpoint} with HTTP ${res.status}${note}${detail}`,
      code,
      res.status,
      endpoint,
    );
  }

  private assertAllowed(method: 'GET' | 'POST', relative: string): void {
    if (!isAllowedSearch(this.profile, method, relative)) {
      throw new UpstreamError(
        `FHIR ${this.profile}: ${method} ${endpointOf(relative)} is not a request this profile accepts; not sent`,
        'UPSTREAM_REJECTED',
        null,
        endpointOf(relative),
      );
    }
  }

  /** One exchange with the bearer token; a 401 drops it, fetches a new one and re-sends once. */
  private async authorized(
    method: 'GET' | 'POST',
    url: string,
    endpoint: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<RawAnswer> {
    let token = await this.accessToken();
    const send = (t: string) =>
      this.exchange(method, url, endpoint, { accept: FHIR_JSON, ...headers, authorization: `Bearer ${t}` }, body);
    let res = await send(token);
    if (res.status === 401) {
      this.dropToken(token);
      token = await this.accessToken();
      res = await send(token);
    }
    return res;
  }

  /**
   * Retries: 429/503 after `Retry-After` (capped) or 1 s, 2 s, 4 s plus 0–250 ms jitter; GETs also
   * retry timeouts and network failures. At most `maxRetries` retries.
   */
  private async withRetries(method: 'GET' | 'POST', endpoint: string, attempt: () => Promise<RawAnswer>): Promise<RawAnswer> {
    for (let n = 0; ; n++) {
      let res: RawAnswer | null = null;
      let failure: NoAnswer | null = null;
      try {
        res = await attempt();
      } catch (err) {
        if (!(err instanceof NoAnswer)) throw err;
        failure = err;
      }
      const retryable = res ? isRetryableStatus(res.status) : method === 'GET';
      const budgetAllows = this.opts.upstreamBudget?.mayRetry() ?? true;
      if (!retryable || n >= this.opts.maxRetries || this.closed || !budgetAllows) {
        if (res) return res;
        throw new UpstreamError(
          `FHIR: no answer from ${method} ${endpoint} (${failure!.timedOut ? `timed out after ${this.opts.timeoutMs} ms` : 'network error'})`,
          'UPSTREAM_UNAVAILABLE',
          null,
          endpoint,
        );
      }
      const requested = res ? parseRetryAfterMs(res.header('retry-after'), new Date(this.opts.now())) : null;
      const delay =
        requested !== null
          ? Math.min(requested, this.opts.maxRetryAfterMs)
          : 1000 * 2 ** n + Math.floor(this.opts.random() * 250);
      await this.opts.sleep(delay);
    }
  }

  /** One HTTP exchange through the practice's concurrency limit, reported to `onUpstreamCall`. */
  private exchange(
    method: 'GET' | 'POST',
    url: string,
    endpoint: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<RawAnswer> {
    return this.limit(async () => {
      if (this.closed) throw new UpstreamError('FHIR: the adapter is closed', 'UPSTREAM_UNAVAILABLE', null, endpoint);
      const done = await this.opts.upstreamBudget?.beforeExchange({ endpoint, attempt: 1 });
      const started = performance.now();
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new Error('timeout'));
      }, this.opts.timeoutMs);
      let status: number | null = null;
      let retryAfterMs: number | null = null;
      try {
        const target = new URL(url);
        const res = await this.poolFor(target.origin).request({
          method,
          // Verbatim: the path and query exactly as the URL string has them.
          path: url.slice(target.origin.length),
          headers,
          body,
          signal: controller.signal,
        });
        const text = await res.body.text();
        status = res.statusCode;
        const h = res.headers;
        const header = (name: string) => {
          const v = h[name.toLowerCase()];
          return Array.isArray(v) ? v[0] : v;
        };
        if (status === 429) retryAfterMs = parseRetryAfterMs(header('retry-after'));
        return { status, text, header };
      } catch {
        // undici's error text may quote the request; keep only what kind of failure it was
        throw new NoAnswer(timedOut);
      } finally {
        clearTimeout(timer);
        void done?.(status, retryAfterMs);
        try {
          this.opts.onUpstreamCall?.({ endpoint, method, status, durationMs: performance.now() - started, attempt: 1 });
        } catch {
          // an observer's failure is not the upstream's
        }
      }
    });
  }

  private poolFor(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: 8 });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.token = null;
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}

/** The endpoint template of a relative request: ids and values out (`/Patient/{id}`, `/Encounter?patient&_count`). */
export function endpointOf(relative: string): string {
  const [path = '', query] = relative.split('?', 2);
  const segments = path.split('/').filter(Boolean);
  const tpl = segments.length === 0 ? '/' : `/${segments[0]}${segments.length > 1 ? '/{id}' : ''}`;
  if (query === undefined) return tpl;
  return `${tpl}?${[...new URLSearchParams(query).keys()].join('&')}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'not a URL';
  }
}
