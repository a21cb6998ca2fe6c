/**
 * The NexHealth HTTP client: one undici pool, the version header and `subdomain` on every call, the
 * bearer token (re-authenticating once on a 401), the envelope, retries of reads, and the mapping of
 * failures to `UpstreamError`:
 *
 * - 4xx other than 404/429 → `UPSTREAM_REJECTED` with the upstream's error text;
 * - 404 on a by-id read → `null` (the caller asked for `notFound: 'null'`);
 * - 429 (honouring `Retry-After`), 5xx, timeouts, network errors, malformed JSON and shape mismatches
 *   are retried on reads, then → `UPSTREAM_UNAVAILABLE` naming the endpoint.
 *
 * Writes are sent once (plus the single re-authentication on a 401, when nothing was accepted).
 * Messages carry endpoints, ids and the upstream's own error text, never patient data from payloads.
 *
 *     const client = new NexhealthClient(connection, resolveOptions({}));
 *     const env = await client.read({ endpoint: '/patients/{id}', path: '/patients/42' }, (e) => e.data, 'null');
 */
import { z } from 'zod';
import { HttpTransport, TransportError, retry, createLimiter, withQuery, parseRetryAfterMs } from '../../http';
import type { AttemptOutcome, HttpMethod, HttpResponse, Limiter, Query } from '../../http';
import { UpstreamError } from '../port';
import { TokenCache } from './auth';
import { authDataSchema, envelopeSchema, safeParseRow, type Envelope } from './schemas';
import { NEXHEALTH_API_VERSION, type NexhealthConnection, type ResolvedNexhealthOptions } from './types';

export interface CallSpec {
  /** Endpoint template for metrics and messages, e.g. `/patients/{id}`. */
  endpoint: string;
  /** The concrete path, e.g. `/patients/42` (ids only, never names). */
  path: string;
  /** Query parameters besides `subdomain` (always added). */
  query?: Query;
}

export interface WriteResponse {
  status: number;
  envelope: Envelope | null;
  /** The upstream's error text (`error[]` joined, else `description`), `''` when none. */
  errorText: string;
}

/** The upstream's own words: `error[]` joined, else `description`. */
export function upstreamErrorText(envelope: Envelope | null): string {
  if (!envelope) return '';
  if (envelope.error.length > 0) return envelope.error.join('; ');
  return envelope.description ?? '';
}

/** A human summary of zod issues: paths and expectations, never the offending values. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/**
 * A 429 (waiting its `Retry-After`) or a 5xx as a retryable attempt outcome; `null` for any other
 * status. Reads and the token call share it, so both back off the same way.
 */
function transientFailure(res: HttpResponse, unavailable: (why: string, status: number) => Error): AttemptOutcome<never> | null {
  if (res.status === 429) {
    return {
      done: false,
      error: unavailable('rate limited (HTTP 429)', 429),
      retryable: true,
      retryAfterMs: parseRetryAfterMs(res.header('retry-after')),
    };
  }
  if (res.status >= 500) return { done: false, error: unavailable(`HTTP ${res.status}`, res.status), retryable: true };
  return null;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function parseEnvelope(text: string): Envelope | null {
  const json = parseJson(text);
  if (!json.ok) return null;
  const env = safeParseRow(envelopeSchema, json.value);
  return env.success ? env.data : null;
}

/** Shape problems found while reading a 2xx body (retried on reads, like a 5xx). */
class ShapeError extends Error {}

export class NexhealthClient {
  private readonly transport: HttpTransport;
  private readonly limit: Limiter;
  private readonly tokens: TokenCache;

  constructor(
    private readonly connection: NexhealthConnection,
    private readonly options: ResolvedNexhealthOptions,
  ) {
    this.transport = new HttpTransport({ baseUrl: connection.baseUrl, connections: options.concurrency });
    this.limit = createLimiter(options.concurrency);
    this.tokens = new TokenCache(() => this.authenticate());
  }

  /** Authenticate now (or reuse the cached token). */
  async connect(): Promise<void> {
    await this.tokens.get();
  }

  async close(): Promise<void> {
    this.tokens.clear();
    await this.transport.close();
  }

  // -------------------------------------------------------------------------------------------
  // Reads
  // -------------------------------------------------------------------------------------------

  /**
   * GET with retries. `parse` turns the envelope into the caller's value (at once or as a promise)
   * and may throw a ZodError (a shape mismatch: retried, then UPSTREAM_UNAVAILABLE). With
   * `notFound: 'null'` a 404 is `null`.
   */
  read<T>(spec: CallSpec, parse: (envelope: Envelope) => T | Promise<T>, notFound: 'null'): Promise<T | null>;
  read<T>(spec: CallSpec, parse: (envelope: Envelope) => T | Promise<T>, notFound?: 'error'): Promise<T>;
  // Not `async`: it returns retry's promise as is (an async wrapper would add a promise and two
  // microtask turns to every upstream read).
  read<T>(
    spec: CallSpec,
    parse: (envelope: Envelope) => T | Promise<T>,
    notFound: 'null' | 'error' = 'error',
  ): Promise<T | null> {
    const label = `GET ${spec.endpoint}`;
    const maxAttempts = this.options.maxRetries + 1;
    let reauthenticated = false;
    return retry<T | null>(
      async (attempt): Promise<AttemptOutcome<T | null>> => {
        const unavailable = (why: string, status: number | null = null) =>
          new UpstreamError(
            `NexHealth ${label} (${spec.path}) unavailable: ${why} (attempt ${attempt} of ${maxAttempts})`,
            'UPSTREAM_UNAVAILABLE',
            status,
            spec.endpoint,
          );
        let res: HttpResponse;
        try {
          let token = this.tokens.current() ?? (await this.tokens.get());
          res = await this.exchange('GET', spec, attempt, { authorization: `Bearer ${token}` });
          if (res.status === 401 && !reauthenticated) {
            reauthenticated = true;
            this.tokens.invalidate(token);
            token = await this.tokens.get();
            res = await this.exchange('GET', spec, attempt, { authorization: `Bearer ${token}` });
          }
        } catch (err) {
          if (err instanceof TransportError) return { done: false, error: unavailable(err.message), retryable: true };
          throw err; // an UpstreamError from authentication: already retried and classified
        }
        const { status } = res;
        if (status >= 200 && status < 300) {
          const json = parseJson(res.text);
          if (!json.ok) {
            return {
              done: false,
              error: unavailable(`expected a JSON body, got malformed JSON (HTTP ${status})`, status),
              retryable: true,
            };
          }
          const env = safeParseRow(envelopeSchema, json.value);
          if (!env.success) {
            return {
              done: false,
              error: unavailable(
                `expected the envelope { code, error, data }, got a mismatch: ${describeIssues(env.error)}`,
                status,
              ),
              retryable: true,
            };
          }
          if (env.data.code === false) {
            return { done: false, error: this.rejected(label, spec, status, upstreamErrorText(env.data)), retryable: false };
          }
          try {
            const parsed = parse(env.data); // most parses are synchronous: no await (and no tick) for those
            return { done: true, value: parsed instanceof Promise ? await parsed : parsed };
          } catch (err) {
            if (err instanceof z.ZodError) {
              return {
                done: false,
                error: unavailable(`unexpected payload shape: ${describeIssues(err)}`, status),
                retryable: true,
              };
            }
            if (err instanceof ShapeError) return { done: false, error: unavailable(err.message, status), retryable: true };
            throw err;
          }
        }
        if (status === 404 && notFound === 'null') return { done: true, value: null };
        const transient = transientFailure(res, unavailable);
        if (transient) return transient;
        if (status >= 400) {
          return {
            done: false,
            error: this.rejected(label, spec, status, upstreamErrorText(parseEnvelope(res.text))),
            retryable: false,
          };
        }
        return { done: false, error: unavailable(`unexpected HTTP ${status}`, status), retryable: false };
      },
      { maxRetries: this.options.maxRetries, baseDelayMs: this.options.retryBaseDelayMs, mayRetry: this.mayRetry },
    );
  }

  // -------------------------------------------------------------------------------------------
  // Writes
  // -------------------------------------------------------------------------------------------

  /**
   * POST once. Answers any HTTP response (the caller decides what a 202 or a 400 means); throws
   * UPSTREAM_UNAVAILABLE only when no response arrived. A 401 re-authenticates and resends once
   * (a 401 means nothing was accepted).
   */
  async write(spec: CallSpec, body: unknown): Promise<WriteResponse> {
    const label = `POST ${spec.endpoint}`;
    try {
      let token = this.tokens.current() ?? (await this.tokens.get());
      let res = await this.exchange('POST', spec, 1, { authorization: `Bearer ${token}` }, body);
      if (res.status === 401) {
        this.tokens.invalidate(token);
        token = await this.tokens.get();
        res = await this.exchange('POST', spec, 2, { authorization: `Bearer ${token}` }, body);
      }
      const envelope = parseEnvelope(res.text);
      return { status: res.status, envelope, errorText: upstreamErrorText(envelope) };
    } catch (err) {
      if (err instanceof TransportError) {
        throw new UpstreamError(
          `NexHealth ${label} (${spec.path}) unavailable: ${err.message}; not retried (a write may have been accepted)`,
          'UPSTREAM_UNAVAILABLE',
          null,
          spec.endpoint,
        );
      }
      throw err;
    }
  }

  /** The UpstreamError for a write's non-2xx answer: 4xx → rejected, else unavailable. */
  writeError(spec: CallSpec, res: WriteResponse): UpstreamError {
    const label = `POST ${spec.endpoint}`;
    if (res.status >= 400 && res.status < 500 && res.status !== 429) {
      return this.rejected(label, spec, res.status, res.errorText);
    }
    const text = res.errorText ? `: ${res.errorText}` : '';
    return new UpstreamError(
      `NexHealth ${label} (${spec.path}) unavailable: HTTP ${res.status}${text}; not retried`,
      'UPSTREAM_UNAVAILABLE',
      res.status,
      spec.endpoint,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing
  // -------------------------------------------------------------------------------------------

  private rejected(label: string, spec: CallSpec, status: number, text: string): UpstreamError {
    return new UpstreamError(
      `NexHealth rejected ${label} (${spec.path}) with HTTP ${status}: ${text || 'no error text'}`,
      'UPSTREAM_REJECTED',
      status,
      spec.endpoint,
    );
  }

  /** `POST /authenticates` with the raw key, retried like a read. */
  private async authenticate(): Promise<string> {
    const spec: CallSpec = { endpoint: '/authenticates', path: '/authenticates' };
    const label = 'POST /authenticates';
    const maxAttempts = this.options.maxRetries + 1;
    return retry<string>(
      async (attempt) => {
        const unavailable = (why: string, status: number | null = null) =>
          new UpstreamError(
            `NexHealth ${label} unavailable: ${why} (attempt ${attempt} of ${maxAttempts})`,
            'UPSTREAM_UNAVAILABLE',
            status,
            spec.endpoint,
          );
        let res: HttpResponse;
        try {
          res = await this.exchange('POST', spec, attempt, { authorization: this.connection.apiKey });
        } catch (err) {
          if (err instanceof TransportError) return { done: false, error: unavailable(err.message), retryable: true };
          throw err;
        }
        const { status } = res;
        if (status >= 200 && status < 300) {
          const env = parseEnvelope(res.text);
          const data = authDataSchema.safeParse(env?.data);
          if (!env || !data.success) {
            return {
              done: false,
              error: unavailable(`expected { data: { token } }, got an unreadable body (HTTP ${status})`, status),
              retryable: true,
            };
          }
          return { done: true, value: data.data.token };
        }
        const transient = transientFailure(res, unavailable);
        if (transient) return transient;
        const text = upstreamErrorText(parseEnvelope(res.text));
        return {
          done: false,
          error: new UpstreamError(
            `NexHealth rejected the API key at ${label} with HTTP ${status}: ${text || 'no error text'}`,
            'UPSTREAM_REJECTED',
            status,
            spec.endpoint,
          ),
          retryable: false,
        };
      },
      { maxRetries: this.options.maxRetries, baseDelayMs: this.options.retryBaseDelayMs, mayRetry: this.mayRetry },
    );
  }

  /** The credential's retry budget, when there is one. */
  private readonly mayRetry = () => this.options.upstreamBudget?.mayRetry() ?? true;

  /**
   * One HTTP exchange under the concurrency limit, reported to `onUpstreamCall`. The upstream budget
   * is asked first (the request's call cap, then a token in the credential's fair queue) and told the
   * answer (a 429 pauses every practice on the credential).
   */
  private exchange(
    method: HttpMethod,
    spec: CallSpec,
    attempt: number,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<HttpResponse> {
    const path = withQuery(spec.path, { subdomain: this.connection.subdomain, ...spec.query });
    const budget = this.options.upstreamBudget;
    return this.limit(async () => {
      const done = await budget?.beforeExchange({ endpoint: spec.endpoint, attempt });
      let status: number | null = null;
      let retryAfterMs: number | null = null;
      const started = performance.now();
      try {
        const res = await this.transport.send({
          method,
          path,
          headers: { 'Nex-Api-Version': NEXHEALTH_API_VERSION, ...headers },
          json: body,
          timeoutMs: this.options.timeoutMs,
        });
        status = res.status;
        if (status === 429) retryAfterMs = parseRetryAfterMs(res.header('retry-after'));
        return res;
      } finally {
        void done?.(status, retryAfterMs);
        this.report({ endpoint: spec.endpoint, method, status, durationMs: performance.now() - started, attempt });
      }
    });
  }

  private report(event: { endpoint: string; method: string; status: number | null; durationMs: number; attempt: number }): void {
    const hook = this.options.onUpstreamCall;
    if (!hook) return;
    try {
      hook(event);
    } catch {
      // metrics must never break a call
    }
  }
}

export { ShapeError };
