/**
 * One vendor credential's budget, shared by every practice (and adapter) calling with it: each call
 * waits for a token of every limit its endpoint counts against, served fairly from a `FairQueue`; a
 * 429 pauses the whole credential; retries are bounded by a `RetryBudget`.
 *
 *     const budget = new CredentialBudget({ limits, source: new LocalTokenSource(limits) });
 *     const answered = await budget.acquire({ practiceId: 'smile-dental', apiKey: 'kiosk', endpoint: '/patients/{id}' });
 *     // … the HTTP exchange …
 *     answered();               // the call leaves the in-flight count (see sliding-window.ts)
 *     budget.settle(429, 2000); // every practice on the credential waits 2 s
 */
import { limitsFor, type RateLimit } from './declaration';
import { FairQueue } from './fair-queue';
import { RetryBudget, type RetryBudgetOptions } from './retry-budget';
import type { TokenSource } from './token-source';

export interface CredentialBudgetOptions {
  limits: readonly RateLimit[];
  /** Where tokens come from (a promise while a store-backed source opens). */
  source: TokenSource | Promise<TokenSource>;
  /** The retry budget's tuning (its defaults: 20 % of first attempts over 10 s, at least 10). */
  retries?: RetryBudgetOptions;
  /** The pause after a 429 that names no `Retry-After`, in ms. Default `1000`. */
  pauseWithoutRetryAfterMs?: number;
  /** The longest pause a 429 may impose, in ms. Default `60000` (the adapters' cap of `Retry-After`). */
  maxPauseMs?: number;
  /** Clock in ms. Default `Date.now` (timers are `setTimeout`, so fake timers drive both). */
  now?: () => number;
}

/** A budget closed under a waiting call: the gateway is shutting down. */
export class UpstreamBudgetClosed extends Error {
  constructor() {
    super('the upstream budget was closed while this call waited for a token (the gateway is shutting down)');
    this.name = 'UpstreamBudgetClosed';
  }
}

/** Tell the budget a granted call was answered (or failed); calling it again does nothing. */
export type Answered = () => void;

interface Waiter {
  names: readonly string[];
  resolve(answered: Answered): void;
  reject(error: Error): void;
}

export class CredentialBudget {
  private readonly queue = new FairQueue<Waiter>();
  private readonly retries: RetryBudget;
  private readonly now: () => number;
  private pumping = false;
  private wake: (() => void) | null = null;
  private closed = false;
  private readonly source: Promise<TokenSource>;

  constructor(private readonly options: CredentialBudgetOptions) {
    this.now = options.now ?? Date.now;
    this.source = Promise.resolve(options.source);
    // Unhandled until the first call awaits it; that call fails with the error then.
    this.source.catch(() => {});
    this.retries = new RetryBudget(options.retries, this.now);
  }

  /** Calls waiting for a token now. */
  get waiting(): number {
    return this.queue.size;
  }

  /**
   * Wait until the call may be sent: a token of each limit `endpoint` counts against is spent for
   * it. Resolves with `answered`, to call once the exchange is over (answer, error or timeout).
   */
  acquire(call: { practiceId: string; apiKey: string; endpoint: string; firstAttempt?: boolean }): Promise<Answered> {
    if (this.closed) return Promise.reject(new UpstreamBudgetClosed());
    if (call.firstAttempt !== false) this.retries.recordFirstAttempt();
    const names = limitsFor(this.options.limits, call.endpoint);
    return new Promise<Answered>((resolve, reject) => {
      this.queue.push(call.practiceId, call.apiKey, { names, resolve, reject });
      if (this.pumping) this.wake?.();
      else void this.pump();
    });
  }

  /** The answer of a sent call: a 429 pauses the credential for `Retry-After` (or a default pause). */
  async settle(status: number | null, retryAfterMs: number | null = null): Promise<void> {
    if (status !== 429) return;
    const pause = Math.min(retryAfterMs ?? this.options.pauseWithoutRetryAfterMs ?? 1000, this.options.maxPauseMs ?? 60_000);
    await (await this.source).pause(this.now() + pause);
  }

  /** Spend one retry if the credential's retry budget allows it; false: fail with the last error. */
  mayRetry(): boolean {
    return this.retries.trySpend();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.queue.drain()) waiter.reject(new UpstreamBudgetClosed());
    this.wake?.();
    await (await this.source.catch(() => null))?.close();
  }

  /**
   * Serve waiting calls in their fair turn for as long as tokens last, then sleep until the earliest
   * moment one could be served (or until a new call arrives, which may count against other limits).
   * One pump per budget, so turns are never taken out of order.
   */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      const source = await this.source;
      while (this.queue.size > 0 && !this.closed) {
        let soonest = Number.POSITIVE_INFINITY;
        let served = false;
        // Calls against the same limits as one that had to wait would wait too: ask once per set.
        const blocked = new Set<string>();
        for (const entry of [...this.queue.inTurn()]) {
          const set = entry.item.names.join('\u0000');
          if (blocked.has(set)) continue;
          const wait = await source.take(entry.item.names);
          if (this.closed) break;
          if (wait === 0) {
            this.queue.take(entry);
            entry.item.resolve(this.answeredFor(source, entry.item.names));
            served = true;
            break;
          }
          blocked.add(set);
          soonest = Math.min(soonest, wait);
        }
        if (!served && !this.closed) await this.sleep(soonest);
      }
    } catch (error) {
      // The source failed (e.g. the store is unreachable): fail the waiting calls rather than hang them.
      for (const waiter of this.queue.drain()) waiter.reject(error as Error);
    } finally {
      this.pumping = false;
    }
  }

  /** The `answered` of one granted call: frees its place once, and wakes the pump (a place may be free now). */
  private answeredFor(source: TokenSource, names: readonly string[]): Answered {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      source.finish(names);
      this.wake?.();
    };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, Math.min(ms, 60_000)));
      this.wake = done;
    });
  }
}
