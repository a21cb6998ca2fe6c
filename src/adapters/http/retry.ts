/**
 * A generic retry loop. Each attempt reports whether it is done, or failed and whether that failure
 * may be retried (and after how long, when the upstream said so). The loop owns the timing.
 *
 *     const value = await retry(async (attempt) => {
 *       const res = await send();
 *       if (res.status === 429) return { done: false, error: new Error('429'), retryable: true, retryAfterMs: 1000 };
 *       return { done: true, value: res };
 *     }, { maxRetries: 3, baseDelayMs: 200 });
 */
import { backoffDelayMs, DEFAULT_MAX_BACKOFF_MS, sleep } from './backoff';

export type AttemptOutcome<T> =
  | { done: true; value: T }
  | {
      done: false;
      /** Thrown as is when the attempt is not retried or the retries run out. */
      error: Error;
      retryable: boolean;
      /** The upstream's own wait (e.g. `Retry-After`), honoured instead of the computed backoff. */
      retryAfterMs?: number | null;
    };

export interface RetryPolicy {
  /** Retries after the first attempt (so at most `maxRetries + 1` attempts). */
  maxRetries: number;
  /** Base of the jittered exponential backoff. */
  baseDelayMs: number;
  /**
   * The wait before retry `retryIndex` (0 for the first) when the upstream named none: for a vendor
   * that documents its own schedule. Default: the jittered exponential backoff of `baseDelayMs`.
   */
  delayMs?: (retryIndex: number) => number;
  /** Cap of a computed backoff delay. Default 10 s. */
  maxBackoffMs?: number;
  /** Cap of an upstream-requested wait (`Retry-After`). Default 60 s. */
  maxRetryAfterMs?: number;
  /** Asked before each retry (the credential's retry budget); false → the last error is thrown. Default: always. */
  mayRetry?: () => boolean;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Run `attempt(1)`, `attempt(2)`, … until one is done, one fails for good, or the retries run out. */
export async function retry<T>(attempt: (attemptNumber: number) => Promise<AttemptOutcome<T>>, policy: RetryPolicy): Promise<T> {
  const wait = policy.sleep ?? sleep;
  for (let n = 1; ; n++) {
    const outcome = await attempt(n);
    if (outcome.done) return outcome.value;
    if (!outcome.retryable || n > policy.maxRetries || (policy.mayRetry && !policy.mayRetry())) throw outcome.error;
    const requested = outcome.retryAfterMs;
    const delay =
      requested != null
        ? Math.min(requested, policy.maxRetryAfterMs ?? 60_000)
        : policy.delayMs
          ? policy.delayMs(n - 1)
          : backoffDelayMs(n - 1, policy.baseDelayMs, policy.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS, policy.random);
    await wait(delay);
  }
}
