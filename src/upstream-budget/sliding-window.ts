/**
 * A sliding-window log on an injectable clock: at most `planned` calls in ANY interval of `windowMs`,
 * and all of them at once if they come at once. It remembers the send time of the last `planned`
 * calls (a ring buffer); a call may go when the oldest of them is a full window old.
 *
 *     const window = new SlidingWindow({ planned: 90, windowMs: 1_000 }, () => clock.now);
 *     window.take(); // 0: counted; otherwise the ms until the oldest call leaves the window
 *
 * Why not a token bucket here: a bucket that never lets a sliding window exceed the limit must keep
 * its burst small (a bucket of capacity C refilling over the window admits up to C + the refill in one
 * window), so a page of 40 reads would trickle out at the refill rate although the vendor allows all 40
 * at once. The log admits exactly what the vendor's own counting (fixed or sliding) admits, minus the
 * headroom, at the cost of `planned` numbers of memory per limit (1,800 for NexHealth's 2,000/min).
 * The store-shared budget (`pg-token-source.ts`) keeps the token bucket: one row per limit.
 */
export interface WindowShape {
  /** Calls allowed in any interval of `windowMs`. */
  planned: number;
  windowMs: number;
}

export class SlidingWindow {
  private readonly sentAt: Float64Array;
  /** Index of the oldest remembered call (the next to be overwritten once the ring is full). */
  private head = 0;
  private count = 0;

  constructor(
    private readonly shape: WindowShape,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(shape.planned) || shape.planned < 1) {
      throw new RangeError(`expected a positive integer number of calls per window, got ${shape.planned}`);
    }
    this.sentAt = new Float64Array(shape.planned);
  }

  /** Ms until one more call fits in the window (0 when it fits now). */
  waitMs(): number {
    if (this.count < this.shape.planned) return 0;
    const wait = this.sentAt[this.head]! + this.shape.windowMs - this.now();
    return wait > 0 ? Math.ceil(wait) : 0;
  }

  /** Count a call when it fits (answers 0); else count nothing and answer the ms to wait. */
  take(): number {
    const wait = this.waitMs();
    if (wait > 0) return wait;
    const at = this.now();
    if (this.count < this.shape.planned) {
      this.sentAt[(this.head + this.count) % this.shape.planned] = at;
      this.count++;
    } else {
      this.sentAt[this.head] = at;
      this.head = (this.head + 1) % this.shape.planned;
    }
    return 0;
  }
}
