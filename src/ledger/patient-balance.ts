/**
 * A patient's balance: the plain sum of signed ledger entries (README.md here, "Patient balance"
 * and "Signs").
 *
 *     patientBalance({ chargeAmounts: [3000, 2500], payments: [-2000], adjustments: [-500] })
 *     // { charges: 5500, payments: -2000, adjustments: -500, total: 3000 }
 *
 * Every amount is already signed by its effect on the balance: charge (patient) amounts positive,
 * payments negative and refunds positive, credit adjustments negative and debit adjustments positive.
 * Nothing here flips a sign.
 */
import type { AdjustmentRecord, ChargeRecord, Cents, PaymentRecord } from './records';
import { sumCents } from './money';
import { chargePatientAmount, type ClaimStageLookup } from './patient-amount';

/** A balance with its three parts; `total = charges + payments + adjustments`. */
export interface PatientBalance {
  /** Σ patient amounts of the charges. */
  charges: Cents;
  /** Σ payments (negative; a refund counts positive). */
  payments: Cents;
  /** Σ adjustments (credits negative, debits positive). */
  adjustments: Cents;
  /** What the patient owes: the sum of the three parts. */
  total: Cents;
}

/** The signed amounts a balance is made of. */
export interface PatientBalanceParts {
  chargeAmounts: readonly Cents[];
  payments: readonly Cents[];
  adjustments: readonly Cents[];
}

/** Sums each part exactly and the parts into the total; a MoneyError past the safe-integer range. */
export function patientBalance(parts: PatientBalanceParts): PatientBalance {
  const charges = sumCents(parts.chargeAmounts);
  const payments = sumCents(parts.payments);
  const adjustments = sumCents(parts.adjustments);
  return { charges, payments, adjustments, total: sumCents([charges, payments, adjustments]) };
}

/**
 * The balance of one patient's ledger rows: each charge's patient amount (see
 * {@link chargePatientAmount}) plus the payments' and adjustments' signed amounts.
 */
export function patientBalanceOfRecords(
  records: {
    charges: ReadonlyArray<Pick<ChargeRecord, 'fee' | 'claimPayouts' | 'statedPatientAmount'>>;
    payments: ReadonlyArray<Pick<PaymentRecord, 'amount'>>;
    adjustments: ReadonlyArray<Pick<AdjustmentRecord, 'amount'>>;
  },
  stageOf: ClaimStageLookup,
): PatientBalance {
  return patientBalance({
    chargeAmounts: records.charges.map((charge) => chargePatientAmount(charge, stageOf)),
    payments: records.payments.map((payment) => payment.amount),
    adjustments: records.adjustments.map((adjustment) => adjustment.amount),
  });
}
