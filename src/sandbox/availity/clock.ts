/**
 * The simulator's clock: real time plus an offset a test moves forward, so token expiry (300 s),
 * coverage expiry and the rate-limit windows are reached without sleeping.
 *
 *     const clock = new SandboxClock();
 *     clock.advance(301_000); // every token issued before now has expired
 */
export class SandboxClock {
  private offsetMs = 0;

  /** @param base the underlying time source. Default `Date.now`. */
  constructor(private readonly base: () => number = Date.now) {}

  /** Milliseconds since the epoch, as the simulator sees them. */
  readonly now = (): number => this.base() + this.offsetMs;

  /** Move the simulator's time forward by `ms` (≥ 0); returns the new time. */
  advance(ms: number): number {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new Error(`clock.advance expects a non-negative number of ms, got ${ms}`);
    this.offsetMs += ms;
    return this.now();
  }

  /** Back to real time (`reset`). */
  reset(): void {
    this.offsetMs = 0;
  }
}

/** `YYYY-MM-DD` of an epoch time, in UTC. */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
