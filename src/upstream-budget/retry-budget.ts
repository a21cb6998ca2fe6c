/**
 * How many retries a credential may spend: at most `ratio` of the first attempts seen in the last
 * `windowMs` (plus a small floor, so a quiet credential can still retry a blip). When it is spent, a
 * failing call fails with its last error instead of retrying: retries then cannot feed an overload.
 *
 *     const budget = new RetryBudget({ ratio: 0.2, windowMs: 10_000, minRetries: 10 }, () => clock.now);
 *     budget.recordFirstAttempt();
 *     if (!budget.trySpend()) throw lastError;
 */

export interface RetryBudgetOptions {
  /** Retries allowed per first attempt in the window. Default `0.2` (20 %). */
  ratio?: number;
  /** The window first attempts and retries are counted over, in ms. Default `10000`. */
  windowMs?: number;
  /** Retries always allowed per window, whatever the traffic. Default `10`. */
  minRetries?: number;
}

/** Counts in slots of a tenth of the window: old slots drop out as the clock moves. */
const SLOTS = 10;

export class RetryBudget {
  private readonly ratio: number;
  private readonly windowMs: number;
  private readonly minRetries: number;
  private readonly slotMs: number;
  private readonly firsts = new Array<number>(SLOTS).fill(0);
  private readonly retries = new Array<number>(SLOTS).fill(0);
  private slot: number;

  constructor(
    options: RetryBudgetOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.ratio = options.ratio ?? 0.2;
    this.windowMs = options.windowMs ?? 10_000;
    this.minRetries = options.minRetries ?? 10;
    this.slotMs = this.windowMs / SLOTS;
    this.slot = Math.floor(now() / this.slotMs);
  }

  /** Clear the slots the clock has moved past. */
  private advance(): number {
    const slot = Math.floor(this.now() / this.slotMs);
    for (let s = Math.max(this.slot + 1, slot - SLOTS + 1); s <= slot; s++) {
      this.firsts[s % SLOTS] = 0;
      this.retries[s % SLOTS] = 0;
    }
    if (slot > this.slot) this.slot = slot;
    return this.slot % SLOTS;
  }

  recordFirstAttempt(): void {
    this.firsts[this.advance()]!++;
  }

  /** Spend one retry when the budget allows it (answers true), else false and nothing is spent. */
  trySpend(): boolean {
    const at = this.advance();
    const firsts = this.firsts.reduce((a, b) => a + b, 0);
    const retries = this.retries.reduce((a, b) => a + b, 0);
    if (retries >= Math.max(this.minRetries, Math.floor(firsts * this.ratio))) return false;
    this.retries[at]!++;
    return true;
  }
}
