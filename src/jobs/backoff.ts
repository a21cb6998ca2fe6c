/**
 * The wait before a retry, from a kind's `BackoffOptions`.
 *
 *     retryDelayMs({ delaysMs: [1_000, 5_000, 15_000] }, 4, () => 0.5) // 15 000 (the last repeats)
 *     retryDelayMs({ baseMs: 1_000, maxMs: 60_000, jitter: 0.5 }, 3, () => 1) // 4 000 * (1 - 0.5) = 2 000
 */
import type { BackoffOptions } from './types';

/** Exponential from 1 s, doubling, capped at 5 min, each wait shortened by up to 20 % at random. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, factor: 2, maxMs: 300_000, jitter: 0.2 };

/** Throws a message naming the field when the options cannot describe a wait. */
export function checkBackoff(options: BackoffOptions, where: string): BackoffOptions {
  const fail = (what: string, got: unknown) => {
    throw new TypeError(`${where}: backoff.${what}, got ${JSON.stringify(got)}`);
  };
  const jitter = options.jitter ?? 0;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) fail('jitter must be a number from 0 to 1', options.jitter);
  if ('delaysMs' in options) {
    const list = options.delaysMs;
    if (!Array.isArray(list) || list.length === 0) fail('delaysMs must be a non-empty list of milliseconds', list);
    for (const ms of list) if (!Number.isFinite(ms) || ms < 0) fail('delaysMs must hold non-negative milliseconds', list);
    return options;
  }
  if (!Number.isFinite(options.baseMs) || options.baseMs < 0) fail('baseMs must be non-negative milliseconds', options.baseMs);
  if (!Number.isFinite(options.maxMs) || options.maxMs < options.baseMs) fail('maxMs must be at least baseMs', options.maxMs);
  const factor = options.factor ?? 2;
  if (!Number.isFinite(factor) || factor < 1) fail('factor must be at least 1', options.factor);
  return options;
}

/**
 * The wait after the `failures`-th failed attempt (1 = the first). `random` returns [0, 1); with
 * `jitter` j the wait is `w * (1 - j * random())`, so it never exceeds the configured `w`.
 */
export function retryDelayMs(options: BackoffOptions, failures: number, random: () => number = Math.random): number {
  const n = Math.max(1, Math.trunc(failures));
  let wait: number;
  if ('delaysMs' in options) {
    wait = options.delaysMs[Math.min(n, options.delaysMs.length) - 1]!;
  } else {
    const factor = options.factor ?? 2;
    // Cap the exponent: factor^n overflows to Infinity long before it matters, and min() handles it,
    // but a huge n would still be wasted work.
    wait = Math.min(options.maxMs, options.baseMs * factor ** Math.min(n - 1, 64));
  }
  const jitter = options.jitter ?? 0;
  return Math.round(wait * (1 - jitter * random()));
}
