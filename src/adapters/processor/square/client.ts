/**
 * The Square client: the official `square` SDK (46.0.0) pointed at the connection's `baseUrl`, with
 * the house's rules around it:
 *
 * - the SDK never retries (`maxRetries: 0`): writes are sent once, and reads are retried here, with
 *   jittered backoff honouring `Retry-After`, under the credential's retry budget;
 * - at most {@link SQUARE_MAX_CONCURRENT_CALLS} calls in flight per seller (base URL + token), shared
 *   by every adapter of that seller in this process;
 * - every exchange is reported (`onUpstreamCall`) and counted against the upstream budget;
 * - failures become `UpstreamError`: 404 → `NOT_FOUND`; 429, 5xx, timeouts, network errors and
 *   unreadable answers → `UPSTREAM_UNAVAILABLE` (429 keeps its status); any other 4xx →
 *   `UPSTREAM_REJECTED` with its status and Square's error codes and details (never a body).
 *
 *     const client = new SquareApi(connection, {});
 *     const answer = await client.write('POST /v2/online-checkout/payment-links', createPaymentLinkResponseSchema,
 *       (sq) => sq.checkout.paymentLinks.create(body));
 *
 * The SDK itself is imported on the first call (`sdk.ts`), not when the adapter is built.
 *
 * Endpoints are named `<METHOD> <template>` (`GET /v2/payments/{payment_id}`): the template alone is
 * what metrics and the budget see.
 */
import { createHash } from 'node:crypto';
import type { SquareClient, SquareError } from 'square';
import { z } from 'zod';
import { createLimiter, type Limiter, parseRetryAfterMs, retry } from '../../http';
import { UpstreamError } from '../../ledger/port';
import type { AdapterOptions } from '../../system';
import type { SquareConnection } from './connection';
import { SQUARE_MAX_CONCURRENT_CALLS } from './rate-limits';
import { squareSdk } from './sdk';

/** The API version every call sends (`Square-Version`); the SDK's default, written down here. */
export const SQUARE_API_VERSION = '2026-09-16' as const;

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_READ_RETRIES = 2;
const DEFAULT_RETRY_BASE_MS = 250;

const sellerLimiters = new Map<string, Limiter>();

function sellerLimiter(connection: SquareConnection): Limiter {
  const key = `${connection.baseUrl}\n${createHash('sha256').update(connection.accessToken).digest('hex')}`;
  let limiter = sellerLimiters.get(key);
  if (!limiter) {
    limiter = createLimiter(SQUARE_MAX_CONCURRENT_CALLS);
    sellerLimiters.set(key, limiter);
  }
  return limiter;
}

/** A human summary of zod issues: paths and expectations, never the values. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Square's error codes and details (`INVALID_LOCATION: …`), or the SDK's message when the body has none. */
function squareErrorText(error: SquareError): string {
  const parts = error.errors.map((e) => [e.code, e.detail, e.field ? `(field ${e.field})` : null].filter(Boolean).join(': '));
  return parts.length > 0 ? parts.join('; ') : error.message;
}

/** Any failure of one exchange as the port's `UpstreamError`. */
export function toUpstreamError(error: unknown, endpoint: string): UpstreamError {
  if (error instanceof UpstreamError) return error;
  // `isInstance` is false until the SDK is loaded, when no error of its classes can exist yet.
  if (squareSdk.isInstance((sq) => sq.SquareTimeoutError, error))
    return new UpstreamError(`Square timed out on ${endpoint}`, 'UPSTREAM_UNAVAILABLE', null, endpoint);
  if (isSquareError(error)) {
    const status = error.statusCode ?? null;
    if (status === null)
      return new UpstreamError(`Square unreachable on ${endpoint}: ${error.message}`, 'UPSTREAM_UNAVAILABLE', null, endpoint);
    const text = squareErrorText(error);
    if (status === 404) return new UpstreamError(`Square: not found on ${endpoint}: ${text}`, 'NOT_FOUND', 404, endpoint);
    if (status === 429)
      return new UpstreamError(`Square rate limited ${endpoint} (HTTP 429)`, 'UPSTREAM_UNAVAILABLE', 429, endpoint);
    if (status >= 400 && status < 500)
      return new UpstreamError(`Square refused ${endpoint} (HTTP ${status}): ${text}`, 'UPSTREAM_REJECTED', status, endpoint);
    return new UpstreamError(`Square failed on ${endpoint} (HTTP ${status})`, 'UPSTREAM_UNAVAILABLE', status, endpoint);
  }
  if (error instanceof z.ZodError)
    return new UpstreamError(
      `Square answered ${endpoint} in an unexpected shape: ${describeIssues(error)}`,
      'UPSTREAM_UNAVAILABLE',
      null,
      endpoint,
    );
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamError(`Square call failed on ${endpoint}: ${message}`, 'UPSTREAM_UNAVAILABLE', null, endpoint);
}

function isSquareError(error: unknown): error is SquareError {
  return squareSdk.isInstance((sq) => sq.SquareError, error);
}

function retryAfterOf(error: unknown): number | null {
  if (!isSquareError(error) || error.statusCode !== 429) return null;
  return parseRetryAfterMs(error.rawResponse?.headers.get('retry-after') ?? null);
}

export class SquareApi {
  private readonly limit: Limiter;
  /** The SDK's client, built on the first call (that is when the SDK is imported), then reused. */
  private client: Promise<SquareClient> | undefined;

  constructor(
    readonly connection: SquareConnection,
    private readonly options: AdapterOptions,
  ) {
    this.limit = sellerLimiter(connection);
  }

  /** The client, built once; a failed import is not cached, so the next call tries again. */
  sdk(): Promise<SquareClient> {
    this.client ??= squareSdk.load().then(
      ({ SquareClient }) =>
        new SquareClient({
          token: this.connection.accessToken,
          baseUrl: this.connection.baseUrl.replace(/\/+$/, ''),
          version: SQUARE_API_VERSION,
          maxRetries: 0,
          timeoutInSeconds: (this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000,
        }),
      (error: unknown) => {
        this.client = undefined;
        throw error;
      },
    );
    return this.client;
  }

  /** A read: retried on `UPSTREAM_UNAVAILABLE` (429 after its `Retry-After`), then thrown. */
  read<S extends z.ZodType>(endpoint: string, schema: S, call: (sdk: SquareClient) => Promise<unknown>): Promise<z.output<S>> {
    const budget = this.options.upstreamBudget;
    return retry(
      async (attempt) => {
        try {
          return { done: true, value: await this.exchange(endpoint, attempt, schema, call) };
        } catch (error) {
          const mapped = toUpstreamError(error, endpoint);
          return {
            done: false,
            error: mapped,
            retryable: mapped.code === 'UPSTREAM_UNAVAILABLE',
            retryAfterMs: retryAfterOf(error),
          };
        }
      },
      {
        maxRetries: this.options.maxRetries ?? DEFAULT_READ_RETRIES,
        baseDelayMs: this.options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_MS,
        mayRetry: budget ? () => budget.mayRetry() : undefined,
      },
    );
  }

  /** A write: sent once, whatever happens (its `idempotency_key` lets the caller repeat it safely). */
  async write<S extends z.ZodType>(
    endpoint: string,
    schema: S,
    call: (sdk: SquareClient) => Promise<unknown>,
  ): Promise<z.output<S>> {
    try {
      return await this.exchange(endpoint, 1, schema, call);
    } catch (error) {
      throw toUpstreamError(error, endpoint);
    }
  }

  /** One HTTP exchange under the seller's concurrency limit and the budget, reported, then parsed. */
  private async exchange<S extends z.ZodType>(
    endpoint: string,
    attempt: number,
    schema: S,
    call: (sdk: SquareClient) => Promise<unknown>,
  ): Promise<z.output<S>> {
    // The SDK is loaded before the slot and the clock: its import is no part of the exchange's time.
    const sdk = await this.sdk();
    return this.limit(async () => {
      const budget = this.options.upstreamBudget;
      const [method = '', template = endpoint] = endpoint.split(' ');
      const done = await budget?.beforeExchange({ endpoint: template, attempt });
      const started = performance.now();
      let status: number | null = null;
      let retryAfterMs: number | null = null;
      try {
        const data = await call(sdk);
        status = 200;
        return schema.parse(data) as z.output<S>;
      } catch (error) {
        if (isSquareError(error)) status = error.statusCode ?? null;
        retryAfterMs = retryAfterOf(error);
        throw error;
      } finally {
        this.options.onUpstreamCall?.({
          endpoint: template,
          method,
          status,
          durationMs: performance.now() - started,
          attempt,
        });
        void done?.(status, retryAfterMs);
      }
    });
  }
}
