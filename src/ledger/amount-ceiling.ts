/**
 * The ceiling on every money input of a write (`limits.maxAmount`, README.md here, "Amount rules").
 * No real patient ledger posts a six-figure payment by accident, and a figure near 2^53 cents makes
 * every later sum over that ledger unrepresentable; so an amount whose absolute value is above the
 * ceiling is refused before anything is stored or sent.
 *
 *     checkAmountCeiling([{ field: 'input.amount', cents: 10_000_001 }], 10_000_000)
 *     // { code: 'AMOUNT_OUT_OF_RANGE', message: 'input.amount: expected at most 100000.00 (limits.maxAmount), got 100000.01', details: { field: 'input.amount' } }
 */
import { formatCents } from './money';
import type { Cents } from './records';
import type { Violation } from './violation';

/** One money input, named by its path in the mutation's input (e.g. `input.providerSplits.1.amount`). */
export interface AmountInput {
  field: string;
  cents: Cents;
}

/**
 * The first input (in the order given) whose absolute value is above `maxAmount`, as an
 * AMOUNT_OUT_OF_RANGE violation naming the field, the ceiling and what arrived; `null` when every one
 * is at or below it. A signed amount (an adjustment, a refund's ledger effect) is compared by its
 * absolute value: a credit of 1,000,000.00 is as absurd as a debit of it.
 */
export function checkAmountCeiling(inputs: Iterable<AmountInput>, maxAmount: Cents): Violation<'AMOUNT_OUT_OF_RANGE'> | null {
  for (const { field, cents } of inputs) {
    if (Math.abs(cents) > maxAmount) {
      return {
        code: 'AMOUNT_OUT_OF_RANGE',
        message: `${field}: expected at most ${formatCents(maxAmount)} (limits.maxAmount), got ${formatCents(cents)}`,
        details: { field },
      };
    }
  }
  return null;
}

/** The amount and each split of a payment or adjustment, named by their input paths. */
export function writeAmountInputs(request: {
  amount: Cents;
  providerSplits?: ReadonlyArray<{ amount: Cents }> | null;
  chargeSplits?: ReadonlyArray<{ amount: Cents }> | null;
}): AmountInput[] {
  const splits = (kind: string, list: ReadonlyArray<{ amount: Cents }> | null | undefined) =>
    (list ?? []).map((s, i) => ({ field: `input.${kind}.${i}.amount`, cents: s.amount }));
  return [
    { field: 'input.amount', cents: request.amount },
    ...splits('providerSplits', request.providerSplits),
    ...splits('chargeSplits', request.chargeSplits),
  ];
}
