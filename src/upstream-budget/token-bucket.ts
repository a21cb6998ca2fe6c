/**
 * A token bucket on an injectable clock: `capacity` tokens at most, refilled continuously at
 * `refillPerMs`. `take()` spends one token or answers how long until one is there.
 *
 *     const bucket = new TokenBucket({ capacity: 10, refillPerMs: 90 / 1000 }, () => clock.now);
 *     bucket.take(); // 0: spent; otherwise the ms to wait
 */
import type { BucketShape } from './declaration';

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly shape: BucketShape,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = shape.capacity;
    this.updatedAt = now();
  }

  private refill(): void {
    const now = this.now();
    // A clock that steps back never takes tokens away.
    if (now > this.updatedAt) {
      this.tokens = Math.min(this.shape.capacity, this.tokens + (now - this.updatedAt) * this.shape.refillPerMs);
      this.updatedAt = now;
    }
  }

  /** Ms until `count` tokens are there (0 when they are now). */
  waitMs(count = 1): number {
    this.refill();
    const missing = count - this.tokens;
    return missing <= 1e-9 ? 0 : Math.ceil(missing / this.shape.refillPerMs);
  }

  /** Spend `count` tokens when they are there (answers 0); else spend nothing and answer the ms to wait. */
  take(count = 1): number {
    const wait = this.waitMs(count);
    if (wait === 0) this.tokens -= count;
    return wait;
  }

  /** Tokens there now (fractional). */
  available(): number {
    this.refill();
    return this.tokens;
  }
}
