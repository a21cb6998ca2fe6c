/**
 * Reconciliation: the balances the ledger computes for a guarantor's patients, compared with the
 * guarantor portion the system reports (README.md here, "Reconciliation"). A difference is reported
 * with its amount, never hidden or "fixed".
 *
 *     reconcile([3000, 1500], 4000)  // { computed: 4500, reported: 4000, difference: 500, consistent: false }
 *     reconcile([3000], null)        // { computed: 3000, reported: null, difference: null, consistent: false }
 */
import type { Cents } from './records';
import { sumCents, subtractCents } from './money';

export interface Reconciliation {
  /** Σ of the computed patient balances. */
  computed: Cents;
  /** The system's reported figure; `null` when it reports none. */
  reported: Cents | null;
  /** `computed − reported`: 0 when consistent, `null` when nothing was reported. */
  difference: Cents | null;
  /**
   * `true` exactly when a figure was reported and equals the computed one. Nothing reported is
   * not consistent: there is nothing to agree with, and `true` would claim a check that never ran.
   */
  consistent: boolean;
}

/** Compare Σ `computedBalances` with `reported`. Exact; a MoneyError on non-cent input. */
export function reconcile(computedBalances: readonly Cents[], reported: Cents | null): Reconciliation {
  const computed = sumCents(computedBalances);
  if (reported === null) return { computed, reported: null, difference: null, consistent: false };
  const difference = subtractCents(computed, reported);
  return { computed, reported, difference, consistent: difference === 0 };
}
