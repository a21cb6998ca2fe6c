/**
 * The per-key rate of the operation guard (`limits.requestsPerMinute` in `src/config.ts`, per-key
 * `requestsPerMinute`): a token bucket per key, in memory. Each key's bucket holds up to one minute's
 * allowance (`rpm` tokens) and refills continuously at `rpm` per minute; every operation takes one
 * token, whichever transport carries it (one guard, so one budget per key). An empty bucket refuses
 * with `RATE_LIMITED` and the whole seconds until a token is back.
 *
 * Memory is bounded: a bucket idle for a minute is full again, i.e. the same as no bucket, and is
 * dropped; beyond `maxKeys` buckets the least recently used is dropped. Buckets live in one process:
 * with several gateway instances each enforces its own limit.
 */

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  updatedAt: number;
}

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

const MINUTE_MS = 60_000;

export class TokenBuckets {
  /** In least-recently-used order: a touched bucket is moved to the end. */
  private readonly buckets = new Map<string, Bucket>();
  /** The key touched last: already at the end, so touching it again moves nothing. */
  private newest: string | undefined;
  /**
   * No bucket was touched before this: a lower bound of the oldest `updatedAt`, exact after each
   * sweep. Until a minute past it no bucket can be idle, so no sweep walks the map.
   */
  private oldestAt = Number.POSITIVE_INFINITY;

  /**
   * @param now clock in milliseconds
   * @param maxKeys most buckets kept; the least recently used is dropped beyond it
   */
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
    if (now - this.oldestAt >= MINUTE_MS) this.evictIdle(now);
    if (now < this.oldestAt) this.oldestAt = now;
    const existing = this.buckets.get(key);
    const bucket = existing ?? { tokens: perMinute, updatedAt: now };
    const elapsed = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(perMinute, bucket.tokens + (elapsed * perMinute) / MINUTE_MS);
    bucket.updatedAt = now;
    if (key !== this.newest || existing === undefined) {
      this.buckets.delete(key);
      this.buckets.set(key, bucket);
      this.newest = key;
    }
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
    this.oldestAt = Number.POSITIVE_INFINITY;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updatedAt < MINUTE_MS) {
        this.oldestAt = bucket.updatedAt; // LRU order: the rest are more recent
        break;
      }
      this.buckets.delete(key);
    }
  }
}
