/**
 * The bookkeeping every simulator's webhook (or callback) hub needs, whatever it signs and however it
 * retries: the list of deliveries, the attempts in flight, the retry timers, and the two waits tests
 * use instead of sleeping (`idle()`: nothing in flight or scheduled; `waitFor()`: an attempt matching a
 * predicate is recorded). A hub keeps its wire format, its signing, its retry policy and its
 * hold/release knobs; it hands this tracker each delivery, each send and each retry. `takeHeld()`
 * plans a release for the hubs that hold deliveries back in their list (state `held`).
 *
 * Retry timers are tracked as promises that settle when the timer fires or is cancelled, so `idle()`
 * waits for a scheduled retry without polling, and `reset()` (which cancels the timers) can never
 * leave an `idle()` waiting forever. A timer on a hub's own sandbox clock (advanced by hand in tests)
 * must stay outside: `idle()` would otherwise wait for a clock nobody advances.
 *
 * Usage:
 *
 *     const tracker = new DeliveryTracker<MyDelivery, MyAttempt>({ idPrefix: 'wh_' });
 *     const delivery = tracker.add({ id: tracker.nextId(), url, body, state: 'pending', attempts: [] });
 *     void tracker.track(send(delivery));        // send() ends with tracker.record(delivery, attempt)
 *     tracker.schedule(1_000, () => void tracker.track(send(delivery)));   // a retry
 *     await tracker.idle();                      // in a test: the send and the retry are done
 *     await tracker.waitFor((d, a) => a.status === 200);
 *     // release: every held delivery becomes pending; send each planned item (a copy: no retries)
 *     for (const { delivery, copy } of takeHeld(tracker.deliveries, { order: 'reverse', duplicate: true })) …
 */
import { seededShuffle } from './seeded-rng';

/** The least a delivery must have: the attempts recorded for it, oldest first. */
export interface TrackedDelivery<A> {
  attempts: A[];
}

export interface DeliveryTrackerOptions {
  /** What `nextId()` puts before its counter (`wh_1`, `wh_2`, …). Default: `'dlv_'`. */
  idPrefix?: string;
}

/** A timer made by `schedule()`, for `cancel()`. */
export type ScheduledRetry = NodeJS.Timeout;

/** How a release sends what was held. */
export interface ReleaseOptions {
  /** `fifo`: oldest first; `reverse`: newest first; `shuffle`: an order only `seed` decides. Default: `'fifo'`. */
  order?: 'fifo' | 'reverse' | 'shuffle';
  /** Send each delivery twice: its copy right after it (shuffled in too with `shuffle`). Default: `false`. */
  duplicate?: boolean;
  /** The seed of `shuffle`. Default: `1`. */
  seed?: number;
}

/** One send of a release: the delivery itself (`copy: false`, retried as usual) or its duplicate. */
export interface HeldSend<D> {
  delivery: D;
  copy: boolean;
}

type Waiter<D, A> = { match: (delivery: D, attempt: A) => boolean; resolve: (delivery: D) => void };

/** Whether a receiver's answer acknowledges a delivery (any 2xx; `null` is a network error or a timeout). */
export function isAcknowledged(status: number | null): boolean {
  return status !== null && status >= 200 && status < 300;
}

/**
 * Take every `held` delivery for sending: each becomes `pending` (oldest first, or newest first with
 * `reverse`), and the sends come back in the order to start them.
 */
export function takeHeld<D extends { state: string }>(
  deliveries: ReadonlyArray<D>,
  options: ReleaseOptions = {},
): Array<HeldSend<D>> {
  const held = deliveries.filter((d) => d.state === 'held');
  if (options.order === 'reverse') held.reverse();
  // Every hub that holds deliveries has `pending` among its states; the constraint cannot say so.
  for (const delivery of held) (delivery as { state: string }).state = 'pending';
  const plan = held.flatMap((delivery) =>
    options.duplicate
      ? [
          { delivery, copy: false },
          { delivery, copy: true },
        ]
      : [{ delivery, copy: false }],
  );
  return options.order === 'shuffle' ? seededShuffle(plan, options.seed ?? 1) : plan;
}

export class DeliveryTracker<D extends TrackedDelivery<A>, A> {
  private readonly list: D[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Each pending timer with the function that settles its tracked promise. */
  private readonly timers = new Map<ScheduledRetry, () => void>();
  private waiters: Array<Waiter<D, A>> = [];
  private readonly idPrefix: string;
  private counter = 1;

  constructor(options: DeliveryTrackerOptions = {}) {
    this.idPrefix = options.idPrefix ?? 'dlv_';
  }

  /** Every delivery added since the last `reset()`, oldest first. */
  get deliveries(): ReadonlyArray<D> {
    return this.list;
  }

  /** A fresh delivery id; the counter runs on across `reset()` so an id is never reused. */
  nextId(): string {
    return `${this.idPrefix}${this.counter++}`;
  }

  add(delivery: D): D {
    this.list.push(delivery);
    return delivery;
  }

  /** Whether a delivery is still listed (a `reset()` forgets every one: late work for it should stop). */
  has(delivery: D): boolean {
    return this.list.includes(delivery);
  }

  /** Count `promise` as in flight until it settles (for `idle()`); returns it unchanged. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
    return promise;
  }

  /** Run `run` after `delayMs` unless cancelled first; `idle()` waits for it either way. */
  schedule(delayMs: number, run: () => void): ScheduledRetry {
    let settle: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // `run` tracks the work it starts before the timer's own promise settles: `idle()` sees no gap.
      try {
        run();
      } finally {
        settle();
      }
    }, delayMs);
    this.timers.set(timer, settle);
    void this.track(done);
    return timer;
  }

  /** Drop one scheduled timer without running it (no-op when it already ran or was cancelled). */
  cancel(timer: ScheduledRetry): void {
    const settle = this.timers.get(timer);
    if (!settle) return;
    clearTimeout(timer);
    this.timers.delete(timer);
    settle();
  }

  cancelTimers(): void {
    for (const timer of [...this.timers.keys()]) this.cancel(timer);
  }

  /** Record an attempt on its delivery and resolve every `waitFor()` it matches. */
  record(delivery: D, attempt: A): void {
    delivery.attempts.push(attempt);
    const still: Array<Waiter<D, A>> = [];
    for (const waiter of this.waiters) {
      if (waiter.match(delivery, attempt)) waiter.resolve(delivery);
      else still.push(waiter);
    }
    this.waiters = still;
  }

  /** Resolves with the delivery once an attempt matching `match` is recorded (already, or later). */
  waitFor(match: (delivery: D, attempt: A) => boolean): Promise<D> {
    for (const delivery of this.list) {
      if (delivery.attempts.some((a) => match(delivery, a))) return Promise.resolve(delivery);
    }
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Resolves when nothing tracked is in flight and no timer is scheduled. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Cancel every timer and forget every delivery (the id counter runs on). */
  reset(): void {
    this.cancelTimers();
    this.list.length = 0;
  }

  /** `reset()`, and drop the pending `waitFor()`s: they will never resolve. */
  close(): void {
    this.reset();
    this.waiters = [];
  }
}
