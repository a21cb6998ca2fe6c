/**
 * A claim-level patient balance shared out over the claim's charges, for systems that state what
 * the patient owes per claim but not per charge. Each charge's stated patient amount is chosen so
 * that Σ stated amounts + Σ the charges' own payments and adjustments = the claim's balance, exactly:
 *
 * 1. in order, each charge takes at most what is still open on it (its fee plus its own payments and
 *    adjustments, floored at 0); the last charge takes whatever is left (a credit included);
 * 2. its stated patient amount is that share minus its own payments and adjustments.
 *
 *     allocateClaimBalance(4000, [{ fee: 15000, posted: -11000 }])  // [15000]: 15000 - 11000 = 4000
 */
import type { Cents } from './records';
import { subtractCents, sumCents } from './money';

export interface AllocatableCharge {
  fee: Cents;
  /** Σ the charge's own payments and adjustments, signed as ledger entries. */
  posted: Cents;
}

export function allocateClaimBalance(claimBalance: Cents, charges: readonly AllocatableCharge[]): Cents[] {
  let remaining = claimBalance;
  return charges.map((charge, i) => {
    const open = Math.max(0, sumCents([charge.fee, charge.posted]));
    const last = i === charges.length - 1;
    const share = last ? remaining : Math.min(Math.max(0, remaining), open);
    remaining = subtractCents(remaining, share);
    return subtractCents(share, charge.posted);
  });
}
