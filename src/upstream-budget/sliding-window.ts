/**
 * A sliding window on an injectable clock that bounds what the vendor RECEIVES: at most `planned`
 * calls arrive in any interval of `windowMs`, however late each one arrives. A call occupies the
 * window from the moment it is granted (`take`) until a full window after its answer (`finish`):
 * it may arrive upstream at any time in between, so counting it for that long keeps every interval
 * of arrivals within the plan — whatever the network, the event loop or a slow upstream do to the
 * gap between sending and arriving. All of a window's calls may still go at once.
 *
 *     const window = new SlidingWindow({ planned: 90, windowMs: 1_000 }, () => clock.now);
 *     window.take();   // 0: granted (in flight); otherwise the ms worth waiting before asking again
 *     window.finish(); // its answer arrived: it leaves the window one window from now
 *
 * Why it holds: take the calls arriving in any interval [x, x + W]. Each was answered at or after
 * its arrival, so after x; the last of them to be granted was granted at some t ≤ x + W, when every
 * other one was in flight or answered after x ≥ t − W — all occupying the window, which then held
 * fewer than `planned`. So the interval holds at most `planned` arrivals.
 *
 * Why not a token bucket here: a bucket that never lets a window exceed the limit keeps its burst
 * small (capacity C refilling over the window admits C + the refill in one window), so a page of 40
 * reads would trickle out although the vendor allows all 40 at once. The store-shared budget
 * (`pg-token-source.ts`) keeps the token bucket: one row per limit, no per-call state.
 */
export interface WindowShape {
  /** Calls allowed to arrive upstream in any interval of `windowMs`. */
  planned: number;
  windowMs: number;
}

export class SlidingWindow {
  private inFlight = 0;
  /** Answer times still inside the window, oldest first, from `head` on (pruned lazily). */
  private answered: number[] = [];
  private head = 0;

  constructor(
    private readonly shape: WindowShape,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(shape.planned) || shape.planned < 1) {
      throw new RangeError(`expected a positive integer number of calls per window, got ${shape.planned}`);
    }
  }

  /**
   * Ms until one more call fits (0 when it fits now). When every place is held by a call still in
   * flight, the answer is a full window: its `finish` frees a place sooner, and the caller is told.
   */
  waitMs(): number {
    const now = this.now();
    this.prune(now);
    const recent = this.answered.length - this.head;
    const over = this.inFlight + recent - this.shape.planned; // ≥ 0: this many must leave, plus one
    if (over < 0) return 0;
    if (over >= recent) return this.shape.windowMs;
    const leaves = this.answered[this.head + over]! + this.shape.windowMs - now;
    return Math.max(1, Math.ceil(leaves));
  }

  /** Grant a call when it fits (answers 0: it is in flight now); else grant nothing and answer the ms to wait. */
  take(): number {
    const wait = this.waitMs();
    if (wait === 0) this.inFlight++;
    return wait;
  }

  /** A granted call was answered (or failed): it stays in the window for one more window. */
  finish(): void {
    if (this.inFlight === 0) return;
    this.inFlight--;
    this.answered.push(this.now());
  }

  /** Calls granted and not yet answered. */
  get pending(): number {
    return this.inFlight;
  }

  private prune(now: number): void {
    const cutoff = now - this.shape.windowMs;
    while (this.head < this.answered.length && this.answered[this.head]! <= cutoff) this.head++;
    if (this.head > 1024 && this.head * 2 > this.answered.length) {
      this.answered = this.answered.slice(this.head);
      this.head = 0;
    }
  }
}
