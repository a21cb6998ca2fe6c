/**
 * The spec's "Signs and the patient balance" Decision, as the sandbox applies it (seed coherence and
 * keeping guarantor balances up to date when writes land). Integer cents only.
 *
 *     patient_amount(charge) = fee − Σ(pending payouts: estimate + write-off) − Σ(adjudicated payouts: write-off)
 *     patient balance        = Σ patient_amount + Σ payments + Σ adjustments   (deleted rows never count)
 *
 * A payout is pending when its claim is `draft` or `sent`, adjudicated when `received` or `paid`;
 * a `canceled` claim subtracts nothing.
 */
import { sumCents } from '../shared/wire-money';
import type { Cents, NexAdjustment, NexCharge, NexClaim, NexClaimStatus, NexPatient, NexPayment } from './types';

export type PayoutStage = 'pending' | 'adjudicated' | 'void';

export function payoutStage(status: NexClaimStatus | undefined): PayoutStage {
  switch (status) {
    case 'draft':
    case 'sent':
      return 'pending';
    case 'received':
    case 'paid':
      return 'adjudicated';
    default:
      return 'void';
  }
}

/** What the patient owes on one charge, by the Decision. */
export function chargePatientAmount(charge: NexCharge, claimStatus: (claimId: number) => NexClaimStatus | undefined): Cents {
  const deductions: Cents[] = [];
  for (const payout of charge.claim_payouts) {
    const stage = payoutStage(claimStatus(payout.claim_id));
    if (stage === 'pending') deductions.push(payout.estimated_insurance_payment, payout.write_off);
    else if (stage === 'adjudicated') deductions.push(payout.write_off);
  }
  return charge.fee - sumCents(deductions);
}

/** The insurance estimate still pending on one charge (Σ estimated payments of draft/sent payouts). */
export function chargePendingEstimate(charge: NexCharge, claimStatus: (claimId: number) => NexClaimStatus | undefined): Cents {
  return sumCents(
    charge.claim_payouts
      .filter((p) => payoutStage(claimStatus(p.claim_id)) === 'pending')
      .map((p) => p.estimated_insurance_payment),
  );
}

/** The write-offs still estimated on one charge (Σ write-offs of draft/sent payouts). */
export function chargePendingWriteOff(charge: NexCharge, claimStatus: (claimId: number) => NexClaimStatus | undefined): Cents {
  return sumCents(charge.claim_payouts.filter((p) => payoutStage(claimStatus(p.claim_id)) === 'pending').map((p) => p.write_off));
}

export interface LedgerRows {
  charges: readonly NexCharge[];
  payments: readonly NexPayment[];
  adjustments: readonly NexAdjustment[];
  claims: readonly NexClaim[];
}

/** A patient's balance by the Decision, over the non-deleted rows given. */
export function patientBalanceCents(patientId: number, rows: LedgerRows): Cents {
  const statuses = new Map(rows.claims.map((c) => [c.id, c.status] as const));
  const claimStatus = (id: number) => statuses.get(id);
  const parts: Cents[] = [];
  for (const c of rows.charges) if (c.patient_id === patientId && !c.deleted_at) parts.push(chargePatientAmount(c, claimStatus));
  for (const p of rows.payments) if (p.patient_id === patientId && !p.deleted_at) parts.push(p.payment_amount);
  for (const a of rows.adjustments) if (a.patient_id === patientId && !a.deleted_at) parts.push(a.adjustment_amount);
  return sumCents(parts);
}

/** The guarantor a patient's `guarantor_id` names: her own id for every own-guarantor encoding. */
export function resolvedGuarantorId(patient: Pick<NexPatient, 'id' | 'guarantor_id'>): number {
  return patient.guarantor_id === null || patient.guarantor_id === 0 ? patient.id : patient.guarantor_id;
}

/** Aging bucket of an entry dated `date` as of `asOf` (both ISO): 0–30, 31–60, 61–90, over 90 days. */
export function agingBucket(date: string, asOf: string): 0 | 1 | 2 | 3 {
  const days = Math.floor((Date.parse(asOf.slice(0, 10)) - Date.parse(date.slice(0, 10))) / 86_400_000);
  if (days <= 30) return 0;
  if (days <= 60) return 1;
  if (days <= 90) return 2;
  return 3;
}
