/**
 * The sandbox's clock: token lifetimes (3,600 s), the 24 h grace of a rotated refresh token, the
 * 500/min window, `MetaData` times, change data capture and the webhook retry schedule all read it.
 * It runs with real time plus an offset that tests move forward (`advance`), so an expiry or a retry
 * is reached without sleeping; a timer scheduled on it fires when real time reaches its due time or
 * when `advance` passes it, whichever comes first.
 *
 *     const clock = new SandboxClock();
 *     clock.schedule(1_000, () => retry());   // due 1 s of sandbox time from now
 *     clock.advance(3_600_000);                // an hour later: every access token has expired
 */

interface Timer {
  id: number;
  dueAt: number;
  run: () => void;
  handle: NodeJS.Timeout | null;
}

export interface SandboxClockOptions {
  /** The sandbox time at creation, epoch ms. Default: `Date.now()`. */
  startAt?: number;
  /** Keep sandbox time still except for `advance` (tests that compare exact times). Default false. */
  frozen?: boolean;
  /**
   * Fire timers only on `advance`, never as real time passes: a test that counts webhook retries
   * then sees exactly the ones its `advance` calls made due, however slow the machine. Default
   * false (sandbox mode, where nobody advances the clock, retries in real time).
   */
  manualTimers?: boolean;
}

export class SandboxClock {
  private offset: number;
  private readonly frozenAt: number | null;
  private readonly manualTimers: boolean;
  private timers = new Map<number, Timer>();
  private nextId = 1;

  constructor(options: SandboxClockOptions = {}) {
    const start = options.startAt ?? Date.now();
    this.frozenAt = options.frozen ? start : null;
    this.offset = options.frozen ? 0 : start - Date.now();
    this.manualTimers = options.manualTimers ?? false;
  }

  /** Sandbox time, epoch ms. */
  now(): number {
    return (this.frozenAt ?? Date.now()) + this.offset;
  }

  /** Move sandbox time forward by `ms` and fire every timer that became due, in due order. */
  advance(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new Error(`clock: advance needs a non-negative number of ms, got ${ms}`);
    this.offset += ms;
    this.fireDue();
  }

  /** Run `run` once `delayMs` of sandbox time has passed; returns an id for `cancel`. */
  schedule(delayMs: number, run: () => void): number {
    const id = this.nextId++;
    const dueAt = this.now() + delayMs;
    // Real time also reaches it (sandbox mode, where nobody advances the clock).
    const handle = this.manualTimers ? null : setTimeout(() => this.fire(id), Math.max(0, delayMs));
    handle?.unref?.();
    this.timers.set(id, { id, dueAt, run, handle });
    return id;
  }

  cancel(id: number): void {
    const timer = this.timers.get(id);
    if (!timer) return;
    if (timer.handle) clearTimeout(timer.handle);
    this.timers.delete(id);
  }

  /** How many timers wait (webhook retries), for `idle()` checks. */
  get pending(): number {
    return this.timers.size;
  }

  cancelAll(): void {
    for (const id of [...this.timers.keys()]) this.cancel(id);
  }

  private fireDue(): void {
    const now = this.now();
    const due = [...this.timers.values()].filter((t) => t.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
    for (const timer of due) this.fire(timer.id);
  }

  private fire(id: number): void {
    const timer = this.timers.get(id);
    if (!timer) return;
    this.cancel(id);
    timer.run();
  }
}
