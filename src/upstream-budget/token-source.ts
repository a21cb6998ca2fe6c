/**
 * Where a credential's tokens come from. `LocalTokenSource` keeps the buckets in this process
 * (memory:// and pglite:// stores: one process); `PgTokenSource` (`pg-token-source.ts`) leases them
 * from rows every instance on a postgres:// store shares.
 */
import { bucketShape, plannedCalls, type RateLimit } from './declaration';
import { SlidingWindow } from './sliding-window';
import { TokenBucket } from './token-bucket';

export interface TokenSource {
  /** Spend one token of each named limit: answers 0 when spent, else the ms until worth trying again (nothing spent). */
  take(names: readonly string[]): Promise<number>;
  /**
   * The call granted by `take(names)` was answered (or failed). Limits that count calls until a
   * window after their answer (`sliding-window.ts`) start that count now; others ignore it.
   */
  finish(names: readonly string[]): void;
  /** Spend nothing until `untilMs` (a 429: the vendor wants the whole credential to slow down). */
  pause(untilMs: number): Promise<void>;
  close(): Promise<void>;
}

/** What a local limit needs: how long until a call fits, counting one, and (a window) its answer. */
interface LocalLimit {
  waitMs(): number;
  take(): number;
  finish?(): void;
}

/**
 * The in-process source: a sliding window per limit (all of a window's calls may go at once), or a
 * token bucket where the vendor publishes a burst rule (`RateLimit.burst`).
 */
export class LocalTokenSource implements TokenSource {
  private readonly buckets = new Map<string, LocalLimit>();
  private pausedUntil = 0;

  constructor(
    limits: readonly RateLimit[],
    private readonly now: () => number = Date.now,
  ) {
    for (const limit of limits) {
      this.buckets.set(
        limit.name,
        limit.burst === undefined
          ? new SlidingWindow({ planned: plannedCalls(limit), windowMs: limit.windowMs }, now)
          : new TokenBucket(bucketShape(limit), now),
      );
    }
  }

  async take(names: readonly string[]): Promise<number> {
    const paused = this.pausedUntil - this.now();
    if (paused > 0) return paused;
    const buckets = names.map((name) => this.buckets.get(name)!);
    // All or nothing: a call that can have one limit's token but not another's spends neither.
    const wait = Math.max(0, ...buckets.map((b) => b.waitMs()));
    if (wait > 0) return wait;
    for (const bucket of buckets) bucket.take();
    return 0;
  }

  finish(names: readonly string[]): void {
    for (const name of names) this.buckets.get(name)?.finish?.();
  }

  async pause(untilMs: number): Promise<void> {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs);
  }

  async close(): Promise<void> {}
}
