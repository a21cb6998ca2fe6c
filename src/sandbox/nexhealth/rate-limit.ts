/**
 * Rate limits per api key, as the spec states them: 100 requests/s, 1,000/min on patient endpoints,
 * 2,000/min on the others. Over a limit → 429 with `Retry-After` (whole seconds until the window
 * frees). Fixed windows; every figure is configurable so tests can provoke (or avoid) a 429.
 */
import { NexHttpError } from './envelope';

export interface RateLimits {
  /** Requests per second per key (default 100). */
  perSecond?: number;
  /** Requests per minute per key on `/patients…` (default 1,000). */
  patientsPerMinute?: number;
  /** Requests per minute per key on every other endpoint (default 2,000). */
  othersPerMinute?: number;
}

export const DEFAULT_RATE_LIMITS: Required<RateLimits> = { perSecond: 100, patientsPerMinute: 1000, othersPerMinute: 2000 };

interface Window {
  start: number;
  count: number;
}

export class RateLimiter {
  private readonly limits: Required<RateLimits>;
  private readonly windows = new Map<string, Window>();

  constructor(
    limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_RATE_LIMITS, ...limits };
  }

  /** Count one request by `key` on `path`; throws a 429 when a limit is exceeded. */
  hit(key: string, path: string): void {
    const minuteClass = path.startsWith('/patients') ? 'patients' : 'others';
    const perMinute = minuteClass === 'patients' ? this.limits.patientsPerMinute : this.limits.othersPerMinute;
    const now = this.now();
    const second = this.check(`${key}|s`, 1000, this.limits.perSecond, now);
    const minute = this.check(`${key}|m|${minuteClass}`, 60_000, perMinute, now);
    const waitMs = Math.max(second, minute);
    if (waitMs > 0) {
      throw new NexHttpError(429, 'Rate limit exceeded', { 'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))) });
    }
    this.windows.get(`${key}|s`)!.count++;
    this.windows.get(`${key}|m|${minuteClass}`)!.count++;
  }

  /** 0 when there is room, else the milliseconds until the window frees. */
  private check(id: string, span: number, limit: number, now: number): number {
    const start = now - (now % span);
    let window = this.windows.get(id);
    if (!window || window.start !== start) {
      window = { start, count: 0 };
      this.windows.set(id, window);
    }
    return window.count >= limit ? start + span - now : 0;
  }

  reset(): void {
    this.windows.clear();
  }
}
