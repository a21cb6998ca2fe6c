/**
 * What may still be refunded to a patient: what she paid, minus what was already given back, as her
 * ledger shows it (README.md here, "Amount rules"). Pure: the caller reads the rows.
 *
 *     refundable({ payments: [pay(-5000), pay(-2000), pay(1500)], adjustments: [] }, { refundsBecomeAdjustments: false })
 *     // { state: 'known', cents: 5500 }
 */
import { formatCents, MoneyError, subtractCents, sumCents } from './money';
import type { AdjustmentRecord, Cents, PaymentRecord } from './records';
import type { Violation } from './violation';

/** The rows the rule reads: the patient's payments (and adjustments, where refunds become adjustments). */
export interface RefundLedger {
  payments: ReadonlyArray<Pick<PaymentRecord, 'amount' | 'fromInsurance'>>;
  adjustments: ReadonlyArray<Pick<AdjustmentRecord, 'amount'>>;
}

export interface RefundableOptions {
  /**
   * The system records a refund as a (debit) adjustment (capability `refundsBecomeAdjustments`). Then
   * every debit adjustment counts as already refunded: the rows do not say which debits are refunds,
   * and counting too much refuses a refund a person can post by hand, while counting too little
   * would pay money out twice.
   */
  refundsBecomeAdjustments: boolean;
}

/** `known` with the amount (never below 0), or `out-of-range` when the rows' sums cannot be held exactly. */
export type Refundable = { state: 'known'; cents: Cents } | { state: 'out-of-range' };

/**
 * paid − refunded, where paid is Σ |amount| of the patient's own payments (negative rows not from
 * insurance: an insurer's payment is not the patient's money to take back) and refunded is Σ of the
 * positive payment rows (refunds), plus Σ of the debit adjustments where refunds become adjustments.
 */
export function refundable(ledger: RefundLedger, options: RefundableOptions): Refundable {
  try {
    const paid = -sumCents(ledger.payments.filter((p) => p.amount < 0 && !p.fromInsurance).map((p) => p.amount));
    const refunds = ledger.payments.filter((p) => p.amount > 0).map((p) => p.amount);
    const debits = options.refundsBecomeAdjustments ? ledger.adjustments.filter((a) => a.amount > 0).map((a) => a.amount) : [];
    const left = subtractCents(paid, sumCents([sumCents(refunds), sumCents(debits)]));
    return { state: 'known', cents: Math.max(0, left) };
  } catch (error) {
    if (!(error instanceof MoneyError)) throw error;
    return { state: 'out-of-range' };
  }
}

/**
 * A refund of `amount` (positive cents) against what is refundable: `null` when it fits, else an
 * AMOUNT_OUT_OF_RANGE violation saying how much may still be refunded and what arrived.
 */
export function checkRefund(
  amount: Cents,
  ledger: RefundLedger,
  options: RefundableOptions,
): Violation<'AMOUNT_OUT_OF_RANGE'> | null {
  const left = refundable(ledger, options);
  const details = { field: 'input.amount' };
  if (left.state === 'out-of-range') {
    return {
      code: 'AMOUNT_OUT_OF_RANGE',
      message: "input.amount: the patient's payments add up past what the gateway can represent, so no refund is allowed",
      details,
    };
  }
  if (amount <= left.cents) return null;
  return {
    code: 'AMOUNT_OUT_OF_RANGE',
    message: `input.amount: expected a refund of at most ${formatCents(left.cents)} (what the patient paid minus what was refunded), got ${formatCents(amount)}`,
    details,
  };
}

/**
 * A refund of `amount` against one paid collection: at most what was paid less what is refunded or
 * being refunded already (refusals aside). `null` when it fits, else an AMOUNT_OUT_OF_RANGE violation
 * with the three figures.
 *
 *     checkRefundOfPaid(3000, { paid: 5000, refunded: 2500 }) // violation: at most 25.00
 */
export function checkRefundOfPaid(
  amount: Cents,
  collection: { paid: Cents; refunded: Cents },
): Violation<'AMOUNT_OUT_OF_RANGE'> | null {
  const left = subtractCents(collection.paid, collection.refunded);
  if (amount <= left) return null;
  return {
    code: 'AMOUNT_OUT_OF_RANGE',
    message:
      `input.amount: expected at most ${formatCents(Math.max(0, left))} (paid ${formatCents(collection.paid)}, ` +
      `refunded or refunding ${formatCents(collection.refunded)}), got ${formatCents(amount)}`,
    details: { field: 'amount' },
  };
}

/**
 * What a processor's word about a payment's cumulative refunded total means for the ledger: the
 * total the gateway may accept (capped at what was paid: a processor reporting more is not
 * believed past that, `overReported`), and the part of it no known refund explains (`excess`, a
 * refund made in the processor's dashboard; 0 or less: nothing new).
 *
 *     unexplainedRefund({ reportedRefunded: 1500, paid: 3000, known: 1000 }) // { total: 1500, excess: 500, overReported: false }
 */
export function unexplainedRefund(figures: { reportedRefunded: Cents; paid: Cents; known: Cents }): {
  total: Cents;
  excess: Cents;
  overReported: boolean;
} {
  const total = Math.min(figures.reportedRefunded, figures.paid);
  return { total, excess: subtractCents(total, figures.known), overReported: figures.reportedRefunded > figures.paid };
}
