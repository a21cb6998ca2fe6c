/**
 * What a checkout pays, frozen at creation: its lines and total, from exactly one of an amount, a
 * list of the patient's charges, or her balance. Pure: the resolver loads the facts, these rules
 * decide; nothing here reads or writes anything.
 *
 *     checkoutLines({ mode: 'charges', chargeIds: ['7'] }, { charges, payments, adjustments, stageOf, maxAmount })
 *     // { ok: true, lines: [{ description: 'Crown', serviceDate: '2026-05-02', chargeSourceId: '7', amount: 12500 }], total: 12500 }
 *
 * A charge's unpaid part is its patient amount (`src/ledger/patient-amount.ts`) plus the signed
 * payments and adjustments tied to it; a charge with nothing unpaid is refused rather than paid twice.
 */
import { formatCents, sumCents } from './money';
import { chargePatientAmount, type ClaimStageLookup } from './patient-amount';
import { patientBalanceOfRecords } from './patient-balance';
import type { AdjustmentRecord, ChargeRecord, Cents, PaymentRecord } from './records';
import type { Violation } from './violation';

/** One thing a checkout pays (GraphQL `CheckoutLine`); `chargeSourceId` set when it pays a charge. */
export interface CheckoutLine {
  description: string;
  serviceDate: string | null;
  chargeSourceId: string | null;
  /** Positive cents. */
  amount: Cents;
}

/** Which of the three ways the input chose (the resolver checks it chose exactly one). */
export type CheckoutBasis =
  | { mode: 'amount'; amount: Cents }
  | { mode: 'charges'; chargeIds: readonly string[] }
  | { mode: 'balance' };

/** The patient's ledger, as the rules need it. */
export interface CheckoutFacts {
  charges: readonly ChargeRecord[];
  payments: readonly Pick<PaymentRecord, 'amount' | 'chargeSourceId'>[];
  adjustments: readonly Pick<AdjustmentRecord, 'amount' | 'chargeSourceId'>[];
  stageOf: ClaimStageLookup;
  /** `limits.maxAmount`, in cents. */
  maxAmount: Cents;
  /** The processor's smallest checkout (`capabilities.minAmount`), in cents. */
  minAmount: Cents;
}

export type CheckoutLinesResult =
  | { ok: true; lines: CheckoutLine[]; total: Cents }
  | { ok: false; violation: Violation<'AMOUNT_OUT_OF_RANGE' | 'BAD_USER_INPUT'> };

/** What is left to pay on one charge: its patient amount plus the payments and adjustments tied to it. */
export function unpaidOfCharge(charge: ChargeRecord, facts: Pick<CheckoutFacts, 'payments' | 'adjustments' | 'stageOf'>): Cents {
  const tied = [...facts.payments, ...facts.adjustments].filter((row) => row.chargeSourceId === charge.sourceId);
  return sumCents([chargePatientAmount(charge, facts.stageOf), ...tied.map((row) => row.amount)]);
}

/** The lines and total a checkout freezes, or why it cannot be created. */
export function checkoutLines(basis: CheckoutBasis, facts: CheckoutFacts): CheckoutLinesResult {
  let lines: CheckoutLine[];
  if (basis.mode === 'amount') {
    lines = [{ description: 'Payment on account', serviceDate: null, chargeSourceId: null, amount: basis.amount }];
  } else if (basis.mode === 'balance') {
    const balance = patientBalanceOfRecords(facts, facts.stageOf).total;
    if (balance <= 0) {
      return refuse(
        'BAD_USER_INPUT',
        `input.payBalance: expected a balance owed, the patient's balance is ${formatCents(balance)}`,
      );
    }
    lines = [{ description: 'Balance on account', serviceDate: null, chargeSourceId: null, amount: balance }];
  } else {
    const ids = [...new Set(basis.chargeIds)];
    if (ids.length !== basis.chargeIds.length) return refuse('BAD_USER_INPUT', 'input.chargeIds: expected each charge once');
    lines = [];
    for (const id of ids) {
      const charge = facts.charges.find((c) => c.sourceId === id);
      if (!charge) return refuse('BAD_USER_INPUT', `input.chargeIds: charge "${id}" is not one of the patient's charges`);
      const unpaid = unpaidOfCharge(charge, facts);
      if (unpaid <= 0) return refuse('BAD_USER_INPUT', `input.chargeIds: charge "${id}" has nothing left to pay`);
      lines.push({
        description: charge.description ?? 'Charge',
        serviceDate: charge.serviceDate,
        chargeSourceId: id,
        amount: unpaid,
      });
    }
  }
  const total = sumCents(lines.map((line) => line.amount));
  if (total > facts.maxAmount) {
    return refuse(
      'AMOUNT_OUT_OF_RANGE',
      `the checkout's total: expected at most ${formatCents(facts.maxAmount)} (limits.maxAmount), got ${formatCents(total)}`,
    );
  }
  if (total < facts.minAmount) {
    return refuse(
      'AMOUNT_OUT_OF_RANGE',
      `the checkout's total: expected at least ${formatCents(facts.minAmount)} (the processor's minimum), got ${formatCents(total)}`,
    );
  }
  return { ok: true, lines, total };
}

/**
 * The charge splits of the posting, signed like the payment (negative), in line order: only when
 * every line pays a charge; `null` for an amount or a balance.
 */
export function chargeSplitsOf(lines: readonly CheckoutLine[]): Array<{ id: string; amount: Cents }> | null {
  if (lines.length === 0 || lines.some((line) => line.chargeSourceId === null)) return null;
  return lines.map((line) => ({ id: line.chargeSourceId!, amount: -line.amount }));
}

function refuse(code: 'AMOUNT_OUT_OF_RANGE' | 'BAD_USER_INPUT', message: string): CheckoutLinesResult {
  return { ok: false, violation: { code, message } };
}
