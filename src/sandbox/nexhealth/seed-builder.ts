/**
 * The builder the NexHealth seed is written with: it hands out ids, adds patients, claims, charges,
 * payments and adjustments coherently, and writes a typical ledger for a patient, from the seeded
 * random generator (the same data every run). Also its helpers: dates and exact percentages.
 */
import type { PersonDef } from './seed-people';
import { CATEGORY, COVERAGE, OD, PROCEDURES, PROVIDERS, SEED_AS_OF } from './seed-reference';
import { sumCents } from '../shared/wire-money';
import { seededRng } from '../shared/seeded-rng';
import { chargePatientAmount, patientBalanceCents } from './balance';
import type { Cents, NexAdjustment, NexCharge, NexClaim, NexClaimStatus, NexPatient, NexPayment } from './types';

// ------------------------------------------------------------------------------------------------
// Helpers: seeded RNG, dates, exact percentages
// ------------------------------------------------------------------------------------------------

/** `cents × percent / 100`, truncated, in exact integer arithmetic. */
export function percentOf(cents: Cents, percent: number): Cents {
  const product = cents * percent;
  return (product - (product % 100)) / 100;
}

export function daysBefore(days: number, hourUtc = 15): string {
  const t = Date.parse(`${SEED_AS_OF}T00:00:00.000Z`) - days * 86_400_000 + hourUtc * 3_600_000;
  return new Date(t).toISOString();
}

export function addDays(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * 86_400_000).toISOString();
}

// ------------------------------------------------------------------------------------------------
// The builder
// ------------------------------------------------------------------------------------------------

export interface FamilyIds {
  locationId: string;
  guarantorId: string;
  dependentIds: string[];
  /** Everyone whose balance counts for this guarantor (herself included when she is a patient). */
  patientIds: string[];
  nonPatient: boolean;
}

export class SeedBuilder {
  readonly rng = seededRng(20240412);
  readonly patients: NexPatient[] = [];
  readonly claims: NexClaim[] = [];
  readonly charges: NexCharge[] = [];
  readonly payments: NexPayment[] = [];
  readonly adjustments: NexAdjustment[] = [];
  private nextPatient = 1001;
  private nextClaim = 20001;
  private nextCharge = 100001;
  private nextPayment = 300001;
  private nextAdjustment = 400001;
  private nextPlan = 7001;
  /** Rotates so that, across the seed, claims land in every state. */
  private statusTurn = 0;

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rng() * items.length)]!;
  }

  addPatient(location: number, person: PersonDef, guarantor: number | 'self-id' | 0 | null, nonPatient = false): NexPatient {
    const id = this.nextPatient++;
    const created = daysBefore(400 + ((id * 37) % 900));
    const patient: NexPatient = {
      id,
      location_id: location,
      first_name: person.first,
      last_name: person.last,
      email: `${person.first}.${person.last}@example.com`.toLowerCase(),
      guarantor_id: guarantor === 'self-id' ? id : guarantor,
      non_patient: nonPatient,
      date_of_birth: person.dob,
      gender: person.gender,
      phone_number: `555${String(2_000_000 + ((id * 7919) % 7_999_999)).padStart(7, '0')}`,
      inactive: person.inactive ?? false,
      created_at: created,
      updated_at: addDays(created, 30 + (id % 200)),
    };
    this.patients.push(patient);
    return patient;
  }

  private claimStatusFor(daysAgo: number): NexClaimStatus {
    this.statusTurn++;
    if (daysAgo <= 25) return this.statusTurn % 2 === 0 ? 'draft' : 'sent';
    if (daysAgo <= 75) return this.statusTurn % 3 === 0 ? 'received' : 'sent';
    return this.statusTurn % 7 === 0 ? 'canceled' : 'received';
  }

  /** One visit: charges for the procedures, optionally a claim over them (and insurance's payment). */
  addVisit(
    patient: NexPatient,
    daysAgo: number,
    provider: number,
    procedureIds: number[],
    insured: boolean,
    status?: NexClaimStatus,
  ): { charges: NexCharge[]; claim: NexClaim | null; insurancePaid: Cents } {
    const chargedAt = daysBefore(daysAgo);
    const claimStatus = insured ? (status ?? this.claimStatusFor(daysAgo)) : null;
    let claim: NexClaim | null = null;
    if (claimStatus) {
      const sent = claimStatus === 'draft' ? null : addDays(chargedAt, 1);
      const received = claimStatus === 'received' || claimStatus === 'paid' ? addDays(chargedAt, 21) : null;
      claim = {
        id: this.nextClaim++,
        location_id: patient.location_id,
        patient_id: patient.id,
        provider_id: provider,
        insurance_plan_id: this.nextPlan + (patient.id % 5),
        status: claimStatus,
        date_of_service: chargedAt.slice(0, 10),
        sent_at: sent,
        received_at: received,
        updated_at: received ?? sent ?? chargedAt,
      };
      this.claims.push(claim);
    }
    const created: NexCharge[] = [];
    for (const procedureId of procedureIds) {
      const procedure = PROCEDURES.find((p) => p.id === procedureId)!;
      const fee = procedure.fee;
      const charge: NexCharge = {
        id: this.nextCharge++,
        location_id: patient.location_id,
        patient_id: patient.id,
        provider_id: provider,
        procedure_id: procedure.id,
        procedure_code: procedure.code,
        description: procedure.name,
        fee,
        charged_at: chargedAt,
        claim_payouts: [],
        deleted_at: null,
        updated_at: claim?.updated_at ?? chargedAt,
      };
      if (claim) {
        const allowed = percentOf(fee, 80);
        const estimate = percentOf(allowed, COVERAGE[CATEGORY.get(procedureId)!]);
        const adjudicated = claim.status === 'received' || claim.status === 'paid';
        // Insurance sometimes pays less than estimated (a downgrade); exact integer arithmetic.
        const paid = adjudicated ? (charge.id % 4 === 0 ? percentOf(estimate, 90) : estimate) : 0;
        charge.claim_payouts.push({
          claim_id: claim.id,
          amount_billed_to_insurance: fee,
          estimated_insurance_payment: estimate,
          insurance_payment: paid,
          write_off: fee - allowed,
          allowed_amount: allowed,
        });
      }
      this.charges.push(charge);
      created.push(charge);
    }
    let insurancePaid = 0;
    if (claim && (claim.status === 'received' || claim.status === 'paid')) {
      const total = sumCents(created.map((c) => c.claim_payouts[0]!.insurance_payment));
      insurancePaid = total;
      if (total > 0) {
        this.addPayment(patient, -total, insuranceCheckType(patient.location_id), claim.received_at!, {
          provider_id: provider,
          claim_id: claim.id,
          insurance_plan_id: claim.insurance_plan_id,
          description: `Insurance payment for claim ${claim.id}`,
        });
      }
    }
    return { charges: created, claim, insurancePaid };
  }

  addPayment(patient: NexPatient, amount: Cents, typeId: number, paidAt: string, extra: Partial<NexPayment> = {}): NexPayment {
    const payment: NexPayment = {
      id: this.nextPayment++,
      location_id: patient.location_id,
      patient_id: patient.id,
      provider_id: null,
      charge_id: null,
      claim_id: null,
      insurance_plan_id: null,
      payment_type_id: typeId,
      payment_amount: amount,
      paid_at: paidAt,
      transaction_id: null,
      description: null,
      deleted_at: null,
      updated_at: paidAt,
      ...extra,
    };
    this.payments.push(payment);
    return payment;
  }

  addAdjustment(
    patient: NexPatient,
    amount: Cents,
    typeId: number,
    adjustedAt: string,
    extra: Partial<NexAdjustment> = {},
  ): NexAdjustment {
    const adjustment: NexAdjustment = {
      id: this.nextAdjustment++,
      location_id: patient.location_id,
      patient_id: patient.id,
      provider_id: null,
      charge_id: null,
      claim_id: null,
      adjustment_type_id: typeId,
      adjustment_amount: amount,
      adjusted_at: adjustedAt,
      transaction_id: null,
      description: null,
      deleted_at: null,
      updated_at: adjustedAt,
      ...extra,
    };
    this.adjustments.push(adjustment);
    return adjustment;
  }

  balanceOf(patientId: number): Cents {
    return patientBalanceCents(patientId, this);
  }

  claimStatus = (id: number): NexClaimStatus | undefined => this.claims.find((c) => c.id === id)?.status;

  /** A typical ledger for a patient: a few visits, some patient payments, now and then an adjustment. */
  typicalLedger(patient: NexPatient, child: boolean): void {
    const dentists = PROVIDERS.filter((p) => p.location_id === patient.location_id).map((p) => p.id);
    const visits = 1 + Math.floor(this.rng() * 3);
    for (let v = 0; v < visits; v++) {
      const daysAgo = 5 + Math.floor(this.rng() * 420);
      const provider = this.pick(dentists);
      const procedures = child
        ? this.pick([[401, 405, 406], [401, 405, 407], [408], [401, 405, 406, 403]])
        : this.pick([[401, 404, 403], [408], [409], [411], [412], [413], [410], [402, 403]]);
      const insured = this.rng() < 0.82;
      const { charges, insurancePaid } = this.addVisit(patient, daysAgo, provider, procedures, insured);
      // What this visit adds to the balance: patient amounts less insurance's payment row.
      const owed = sumCents(charges.map((c) => chargePatientAmount(c, this.claimStatus))) - insurancePaid;
      const roll = this.rng();
      if (owed > 0 && roll < 0.45) {
        // Paid in full at the visit.
        this.addPayment(patient, -owed, this.pick(patientPaymentTypes(patient.location_id)), addDays(charges[0]!.charged_at, 0));
      } else if (owed > 5_000 && roll < 0.7) {
        // A partial, round payment some days later.
        const part = owed - (owed % 2_500) - 2_500;
        if (part > 0)
          this.addPayment(
            patient,
            -part,
            this.pick(patientPaymentTypes(patient.location_id)),
            addDays(charges[0]!.charged_at, 9),
          );
      }
    }
    const adjRoll = this.rng();
    const when = daysBefore(3 + Math.floor(this.rng() * 200));
    if (patient.location_id === OD) {
      if (adjRoll < 0.15) this.addAdjustment(patient, -2_500, 601, when, { description: 'Courtesy credit for wait time' });
      else if (adjRoll < 0.22)
        this.addAdjustment(patient, 1_250, 604, when, { provider_id: 301, description: 'Finance charge on past-due balance' });
    } else {
      if (adjRoll < 0.15) this.addAdjustment(patient, -3_000, 611, when, { description: 'Professional courtesy' });
      else if (adjRoll < 0.22) this.addAdjustment(patient, 1_500, 613, when, { provider_id: 311, description: 'Collection fee' });
    }
  }
}

export function patientPaymentTypes(location: number): number[] {
  return location === OD ? [501, 502, 503, 504] : [511, 512, 513];
}
export function insuranceCheckType(location: number): number {
  return location === OD ? 505 : 514;
}
export function isChild(dob: string): boolean {
  return Date.parse(SEED_AS_OF) - Date.parse(dob) < 18 * 365.25 * 86_400_000;
}
