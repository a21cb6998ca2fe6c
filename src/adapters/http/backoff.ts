/**
 * Retry timing: jittered exponential backoff and `Retry-After` parsing. Pure functions (the random
 * source and the clock are parameters), shared by every adapter.
 *
 *     backoffDelayMs(0, 200)               // 100..200 ms
 *     backoffDelayMs(3, 200)               // 800..1600 ms
 *     parseRetryAfterMs('2')               // 2000
 *     parseRetryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', new Date(...)) // ms until then, ≥ 0
 */

/** The longest a computed (not upstream-requested) backoff delay may grow to, by default. */
export const DEFAULT_MAX_BACKOFF_MS = 10_000;

/**
 * "Equal jitter" exponential backoff: half of `base · 2^retryIndex` fixed, the other half random, capped
 * at `maxMs`. `retryIndex` is 0 for the first retry.
 */
export function backoffDelayMs(
  retryIndex: number,
  baseDelayMs: number,
  maxMs: number = DEFAULT_MAX_BACKOFF_MS,
  random: () => number = Math.random,
): number {
  if (baseDelayMs <= 0) return 0;
  const ceiling = Math.min(maxMs, baseDelayMs * 2 ** Math.max(0, retryIndex));
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}

/**
 * A `Retry-After` header value in milliseconds: delta-seconds (`"3"`, `"1.5"`) or an HTTP-date.
 * `null` when absent or unreadable (the caller then backs off on its own); never negative.
 */
export function parseRetryAfterMs(value: string | string[] | undefined | null, now: Date = new Date()): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw == null) return null;
  const text = raw.trim();
  if (text === '') return null;
  if (/^\d+(\.\d+)?$/.test(text)) {
    const seconds = Number(text);
    return Number.isFinite(seconds) ? Math.round(seconds * 1000) : null;
  }
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}

/** Resolves after `ms` milliseconds (immediately for 0 or less). */
export function sleep(ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, ms));
}
