/**
 * Rate limit per API key (DESIGN.md §3 `limits.requestsPerMinute`, per-key `requestsPerMinute`):
 * a token bucket per key, in memory. Each key's bucket holds up to one minute's allowance (`rpm`
 * tokens) and refills continuously at `rpm` per minute; every GraphQL operation takes one token.
 * An empty bucket refuses with `RATE_LIMITED`, HTTP 429, a `Retry-After` header (whole seconds until
 * a token is back) and the same number as `extensions.retryAfterSeconds`.
 *
 *     new ApolloServer({ plugins: [rateLimit({ requestsPerMinute: config.limits.requestsPerMinute }), ...] })
 *
 * The decision is taken when the request starts, so a refused request is charged no token and does
 * not reach execution; every operation counts, including ones that fail to parse (each operation of
 * an HTTP batch counts once). Apollo cannot be stopped before parsing by a plugin, so a refused
 * request's response is replaced in `willSendResponse` whatever it was. Put this plugin before the
 * metrics and logging plugins so they see the final response.
 *
 * Memory is bounded: a bucket idle for a minute is full again, i.e. the same as no bucket, and is
 * dropped; beyond `maxKeys` buckets the least recently used is dropped. Buckets live in one process:
 * with several gateway instances each enforces its own limit.
 *
 * Only operations over HTTP pass through Apollo's plugins; the graphql-ws server applies the same
 * limit in its `onSubscribe` with the same `TokenBuckets` (see `buckets`), so a key has one budget.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import { gatewayError } from '../graphql/errors';
import { respondWithError } from './error-response';

export interface RateLimitOptions {
  /** Requests per minute for a key that sets none of its own. Default 600. */
  requestsPerMinute?: number;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Most buckets kept; the least recently used is dropped beyond it. Default 10 000. */
  maxKeys?: number;
  /**
   * The buckets to draw from. Default: the plugin's own. Pass the same instance to every transport
   * (HTTP and graphql-ws) so a key has one budget, not one per transport.
   */
  buckets?: TokenBuckets;
}

/** What the plugin needs from the context: `caller.keyName` and the optional per-key override. */
export interface RateLimitedContext extends BaseContext {
  caller?: { keyName: string; requestsPerMinute?: number | null } | null;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  updatedAt: number;
}

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

const MINUTE_MS = 60_000;

/** The token buckets, usable without Apollo (e.g. for the websocket path). */
export class TokenBuckets {
  /** In least-recently-used order: a touched bucket is moved to the end. */
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  /** Take one token from `key`'s bucket of `perMinute` capacity, if there is one. */
  take(key: string, perMinute: number): RateDecision {
    const now = this.now();
    this.evictIdle(now);
    const existing = this.buckets.get(key);
    const bucket = existing ?? { tokens: perMinute, updatedAt: now };
    const elapsed = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(perMinute, bucket.tokens + (elapsed * perMinute) / MINUTE_MS);
    bucket.updatedAt = now;
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    while (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (oldest.done) break;
      this.buckets.delete(oldest.value);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens) };
    }
    const msUntilToken = ((1 - bucket.tokens) * MINUTE_MS) / perMinute;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(msUntilToken / 1000)) };
  }

  /** Drop buckets untouched for a minute: they have refilled, so they are no different from none. */
  private evictIdle(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updatedAt < MINUTE_MS) break; // LRU order: the rest are more recent
      this.buckets.delete(key);
    }
  }
}

export function rateLimitedError(retryAfterSeconds: number, keyName: string): GraphQLError {
  const error = gatewayError('RATE_LIMITED', `rate limit exceeded for API key "${keyName}"; retry after ${retryAfterSeconds} s`, {
    retryAfterSeconds,
  });
  // gatewayError sets the 429; add the header Apollo copies from `extensions.http` to the response.
  const http = error.extensions.http as { status?: number; headers?: HeaderMap };
  error.extensions.http = { ...http, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) };
  return error;
}

export function rateLimit<TContext extends RateLimitedContext = RateLimitedContext>(
  options: RateLimitOptions = {},
): ApolloServerPlugin<TContext> {
  const defaultPerMinute = options.requestsPerMinute ?? 600;
  const buckets = options.buckets ?? new TokenBuckets(options.now ?? Date.now, options.maxKeys ?? 10_000);

  return {
    async requestDidStart({ contextValue }) {
      const keyName = contextValue.caller?.keyName ?? '(anonymous)';
      const perMinute = contextValue.caller?.requestsPerMinute ?? defaultPerMinute;
      const decision = buckets.take(keyName, perMinute);
      if (decision.allowed) return;
      const refusal = rateLimitedError(decision.retryAfterSeconds, keyName);
      return {
        async didResolveOperation() {
          throw refusal;
        },
        async willSendResponse(requestContext) {
          respondWithError(requestContext, refusal);
        },
      };
    },
  };
}
