/**
 * Intuit's throttles per realm (per app): at most 500 requests in any 60 s of sandbox time and at
 * most 10 in flight at once; one more → 429 `3001` ThrottleExceeded. A refused request does not count
 * against the minute, so a client that backs off gets through once the window moves on.
 */

export interface RateLimits {
  /** Requests per realm per 60 s. Default 500. */
  perMinute: number;
  /** Requests per realm in flight at once. Default 10. */
  concurrent: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perMinute: 500, concurrent: 10 };

export class RealmThrottle {
  private readonly recent = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();
  private readonly peaks = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    readonly limits: RateLimits = DEFAULT_RATE_LIMITS,
  ) {}

  /** Admit one request: a release function, or `null` when it is over a limit (answer 429). */
  admit(realmId: string): (() => void) | null {
    const now = this.now();
    const window = (this.recent.get(realmId) ?? []).filter((t) => t > now - 60_000);
    this.recent.set(realmId, window);
    const flying = this.inFlight.get(realmId) ?? 0;
    if (window.length >= this.limits.perMinute || flying >= this.limits.concurrent) return null;
    window.push(now);
    this.inFlight.set(realmId, flying + 1);
    this.peaks.set(realmId, Math.max(this.peaks.get(realmId) ?? 0, flying + 1));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight.set(realmId, (this.inFlight.get(realmId) ?? 1) - 1);
    };
  }

  /** Requests of a realm counted in the current minute. */
  countInWindow(realmId: string): number {
    const now = this.now();
    return (this.recent.get(realmId) ?? []).filter((t) => t > now - 60_000).length;
  }

  /** The most requests of a realm ever in flight at once (a client's queue keeps it ≤ its own limit). */
  peak(realmId: string): number {
    return this.peaks.get(realmId) ?? 0;
  }

  reset(): void {
    this.recent.clear();
    this.inFlight.clear();
    this.peaks.clear();
  }
}
