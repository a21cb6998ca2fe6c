/**
 * The split rules checked before a payment or adjustment goes upstream (see `src/ledger/README.md`).
 * Each check returns a typed `Violation` (`violation.ts`) with a stable error code instead of
 * throwing; a caller that cannot go on throws it as a `RuleViolation`.
 *
 *     checkSplits({ amount: -10000, requireSplit: false, chargeSplits: null,
 *                   providerSplits: [{ id: '7', amount: -6000 }, { id: '9', amount: -4000 }] })  // null
 *
 * Splits are value splits: signed like the amount they split, and summing to it exactly.
 */
import type { ErrorCode } from '../errors';
import { formatCents, isCents, sumCents } from './money';
import type { Cents, Split } from './records';
import type { Violation } from './violation';

/** The stable codes of the split rules (`extensions.code`). */
export type SplitViolationCode = Extract<
  ErrorCode,
  'SPLIT_KIND_CONFLICT' | 'SPLIT_SUM_MISMATCH' | 'DEBIT_REQUIRES_SPLIT' | 'BAD_USER_INPUT'
>;

/** A broken split rule: a stable code and a message for the client. */
export type SplitViolation = Violation<SplitViolationCode>;

/** A transaction's amount and splits, as they will be sent upstream (already signed). */
export interface SplitCheckInput {
  /** The signed ledger amount (a payment negative, an adjustment signed as entered). */
  amount: Cents;
  providerSplits: readonly Split[] | null;
  chargeSplits: readonly Split[] | null;
  /** The transaction must carry splits (a debit adjustment, see {@link adjustmentRequiresSplit}). */
  requireSplit: boolean;
}

function violation(code: SplitViolationCode, message: string): SplitViolation {
  return { code, message };
}

/**
 * The first rule `input` breaks, or `null`. In order:
 * 1. provider splits and charge splits both non-empty → `SPLIT_KIND_CONFLICT`
 *    (an empty list counts as no splits);
 * 2. the amount is not a safe integer of cents → `BAD_USER_INPUT`;
 * 3. no splits while `requireSplit` → `DEBIT_REQUIRES_SPLIT`;
 * 4. a split with an empty (or blank) id, a repeated id, an amount that is not a non-zero safe
 *    integer, or a sign other than the amount's → `BAD_USER_INPUT` (with an amount of 0 every split
 *    has the wrong sign);
 * 5. the splits do not sum exactly to the amount → `SPLIT_SUM_MISMATCH`, naming both figures.
 */
export function checkSplits(input: SplitCheckInput): SplitViolation | null {
  const provider = input.providerSplits ?? [];
  const charge = input.chargeSplits ?? [];
  if (provider.length > 0 && charge.length > 0) {
    return violation('SPLIT_KIND_CONFLICT', 'a transaction has provider splits or charge splits, not both');
  }
  if (!isCents(input.amount)) {
    return violation('BAD_USER_INPUT', `expected an amount in whole cents, got ${String(input.amount)}`);
  }
  const kind = provider.length > 0 ? 'provider' : 'charge';
  const splits = provider.length > 0 ? provider : charge;
  if (splits.length === 0) {
    return input.requireSplit
      ? violation('DEBIT_REQUIRES_SPLIT', 'a debit adjustment needs provider splits or charge splits')
      : null;
  }

  const seen = new Set<string>();
  for (const [index, split] of splits.entries()) {
    const where = `${kind} split ${index + 1}`;
    if (typeof split.id !== 'string' || split.id.trim() === '') {
      return violation('BAD_USER_INPUT', `${where} has an empty id`);
    }
    if (seen.has(split.id)) {
      return violation('BAD_USER_INPUT', `${kind} split id ${JSON.stringify(split.id)} appears more than once`);
    }
    seen.add(split.id);
    if (!isCents(split.amount) || split.amount === 0) {
      return violation('BAD_USER_INPUT', `${where} (${JSON.stringify(split.id)}) needs a non-zero amount in whole cents`);
    }
    if (Math.sign(split.amount) !== Math.sign(input.amount)) {
      return violation(
        'BAD_USER_INPUT',
        `${where} (${JSON.stringify(split.id)}) is ${formatCents(split.amount)}, which is not signed like the amount ${formatCents(input.amount)}`,
      );
    }
  }

  const expected = formatCents(input.amount);
  let got: string;
  try {
    const total = sumCents(splits.map((split) => split.amount));
    if (total === input.amount) return null;
    got = formatCents(total);
  } catch {
    // Every split is a safe integer by now, so the only failure is a sum past the safe range.
    got = 'a sum beyond the representable range';
  }
  return violation('SPLIT_SUM_MISMATCH', `${kind} splits must sum to the amount: expected ${expected}, got ${got}`);
}

/** A debit (positive) adjustment needs a split; a credit (negative) one does not. */
export function adjustmentRequiresSplit(amount: Cents): boolean {
  return amount > 0;
}
