/**
 * The sandbox's state: a mutable copy of the seed plus what writes add, with the lookups the
 * handlers need. Landing a write also moves the guarantor's A/R record (as the EHR would), so the
 * seed's coherence survives writes.
 */
import { resolvedGuarantorId } from './balance';
import type {
  NexAdjustment,
  NexCharge,
  NexClaim,
  NexClaimStatus,
  NexGuarantorBalance,
  NexLocation,
  NexPatient,
  NexPayment,
  NexProcedure,
  NexProvider,
  NexSeed,
} from './types';

export class NexStore {
  readonly seed: NexSeed;
  readonly patients = new Map<number, NexPatient>();
  readonly charges = new Map<number, NexCharge>();
  readonly claims = new Map<number, NexClaim>();
  readonly providers = new Map<number, NexProvider>();
  readonly procedures = new Map<number, NexProcedure>();
  readonly locations = new Map<number, NexLocation>();
  /** Every transaction_id accepted by a write (unique per institution, even when its insertion failed). */
  readonly usedTransactionIds = new Set<string>();
  private nextPaymentId: number;
  private nextAdjustmentId: number;
  private nextGuarantorBalanceId: number;

  constructor(seed: NexSeed) {
    this.seed = structuredClone(seed);
    for (const p of this.seed.patients) this.patients.set(p.id, p);
    for (const c of this.seed.charges) this.charges.set(c.id, c);
    for (const c of this.seed.claims) this.claims.set(c.id, c);
    for (const p of this.seed.providers) this.providers.set(p.id, p);
    for (const p of this.seed.procedures) this.procedures.set(p.id, p);
    for (const l of this.seed.locations) this.locations.set(l.id, l);
    for (const row of [...this.seed.payments, ...this.seed.adjustments]) {
      if (row.transaction_id) this.usedTransactionIds.add(row.transaction_id);
    }
    this.nextPaymentId = Math.max(300_000, ...this.seed.payments.map((p) => p.id)) + 1;
    this.nextAdjustmentId = Math.max(400_000, ...this.seed.adjustments.map((a) => a.id)) + 1;
    this.nextGuarantorBalanceId = Math.max(50_000, ...this.seed.guarantorBalances.map((g) => g.id)) + 1;
  }

  get institution() {
    return this.seed.institution;
  }

  claimStatus = (claimId: number): NexClaimStatus | undefined => this.claims.get(claimId)?.status;

  /** The resolved guarantor id of a patient (her own id for every own-guarantor encoding). */
  guarantorIdOf(patientId: number): number | null {
    const patient = this.patients.get(patientId);
    return patient ? resolvedGuarantorId(patient) : null;
  }

  /**
   * A ledger row's `guarantor_id` on the wire: the patient's own encoding, so a guarantor's own rows
   * carry her id, `0` or `null` as her record does (all three mean "own guarantor"), while the
   * lists' `guarantor_id` filter selects by the resolved guarantor and so finds them all.
   */
  rowGuarantorId(patientId: number): number | null {
    const patient = this.patients.get(patientId);
    return patient ? patient.guarantor_id : null;
  }

  patientInLocation(patientId: number, locationId: number): NexPatient | null {
    const patient = this.patients.get(patientId);
    return patient && patient.location_id === locationId ? patient : null;
  }

  newPaymentId(): number {
    return this.nextPaymentId++;
  }

  newAdjustmentId(): number {
    return this.nextAdjustmentId++;
  }

  /** Append landed rows and move the guarantor's A/R record by their amounts (current bucket). */
  land(payments: NexPayment[], adjustments: NexAdjustment[], at: string): void {
    this.seed.payments.push(...payments);
    this.seed.adjustments.push(...adjustments);
    const moves = [
      ...payments.map((p) => [p.patient_id, p.location_id, p.payment_amount] as const),
      ...adjustments.map((a) => [a.patient_id, a.location_id, a.adjustment_amount] as const),
    ];
    for (const [patientId, locationId, amount] of moves) {
      const guarantorId = this.guarantorIdOf(patientId);
      if (guarantorId === null) continue;
      let balance = this.seed.guarantorBalances.find((g) => g.guarantor_id === guarantorId && g.location_id === locationId);
      if (!balance) {
        balance = emptyGuarantorBalance(
          this.nextGuarantorBalanceId++,
          guarantorId,
          locationId,
          this.locations.get(locationId)?.ehr === 'dentrix',
        );
        this.seed.guarantorBalances.push(balance);
      }
      balance.guarantor_portion += amount;
      balance.total_balance += amount;
      balance.total_balance_under_30 += amount;
      balance.updated_at = at;
    }
  }
}

function emptyGuarantorBalance(id: number, guarantorId: number, locationId: number, dentrix: boolean): NexGuarantorBalance {
  return {
    id,
    location_id: locationId,
    guarantor_id: guarantorId,
    total_balance: 0,
    guarantor_portion: 0,
    insurance_estimate: 0,
    write_off_estimate: dentrix ? null : 0,
    total_balance_under_30: 0,
    total_balance_31_60: 0,
    total_balance_61_90: 0,
    total_balance_over_90: 0,
    updated_at: new Date().toISOString(),
  };
}
