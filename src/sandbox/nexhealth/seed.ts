/**
 * Deterministic seed data for the NexHealth sandbox: one institution (subdomain), two locations
 * (an Open Dental-like one and a Dentrix one), ~50 fictional patients with families, claims in every
 * state, insurance payments, refunds, adjustments, deleted rows, one patient with more than 1,000
 * charges, and guarantor / insurance balances coherent with the spec's balance Decision (except for
 * one guarantor, on purpose). All names are invented.
 *
 *     import { NEX_SEED, createNexSeed } from './seed';
 *     NEX_SEED.families.alvarez.guarantorId   // '1001'
 *     const seed = createNexSeed();            // a fresh, mutable copy
 *
 * Ids in `NEX_SEED` are strings (as the gateway's `sourceId`s); the wire carries them as JSON numbers.
 * Money is integer cents throughout; percentages use exact integer division.
 */
import { sumCents } from '../shared/wire-money';
import { seededRng } from '../shared/seeded-rng';
import {
  agingBucket,
  chargePatientAmount,
  chargePendingEstimate,
  chargePendingWriteOff,
  patientBalanceCents,
  resolvedGuarantorId,
} from './balance';
import type {
  Cents,
  NexAdjustment,
  NexAdjustmentType,
  NexCharge,
  NexClaim,
  NexClaimStatus,
  NexGuarantorBalance,
  NexInsuranceBalance,
  NexLocation,
  NexPatient,
  NexPayment,
  NexPaymentType,
  NexProcedure,
  NexProvider,
  NexSeed,
} from './types';

/** The date balances are aged against. */
export const SEED_AS_OF = '2025-06-30';
const BALANCES_UPDATED_AT = '2025-06-30T06:00:00.000Z';
/** Reported guarantor_portion of the inconsistent guarantor minus the computed sum. */
const INCONSISTENCY_CENTS = 4_500;
const LARGE_LEDGER_CHARGES = 1_030;

const INSTITUTION = { id: 4120, subdomain: 'maple-harbor-dental', name: 'Maple & Harbor Dental Group' };
const API_KEY = 'nexsbx_live_7f3c9a1e5b2d4f60a8c1e9b7d3f5a2c4';
const OD = 201;
const DX = 202;

const LOCATIONS: NexLocation[] = [
  { id: OD, name: 'Maple Grove Dental', ehr: 'open_dental' },
  { id: DX, name: 'Harbor View Dental', ehr: 'dentrix' },
];

const PROVIDERS: NexProvider[] = [
  {
    id: 301,
    location_id: OD,
    first_name: 'Evelyn',
    last_name: 'Carter',
    npi: '1427053981',
    updated_at: '2024-01-08T15:00:00.000Z',
  },
  {
    id: 302,
    location_id: OD,
    first_name: 'Samuel',
    last_name: 'Iverson',
    npi: '1639201847',
    updated_at: '2024-01-08T15:00:00.000Z',
  },
  {
    id: 303,
    location_id: OD,
    first_name: 'Jordan',
    last_name: 'Blake',
    npi: '1750382946',
    updated_at: '2024-03-11T15:00:00.000Z',
  },
  {
    id: 311,
    location_id: DX,
    first_name: 'Margaret',
    last_name: 'Osei',
    npi: '1861493025',
    updated_at: '2024-02-19T15:00:00.000Z',
  },
  {
    id: 312,
    location_id: DX,
    first_name: 'Paul',
    last_name: 'Whitaker',
    npi: '1972504136',
    updated_at: '2024-02-19T15:00:00.000Z',
  },
];

type Category = 'preventive' | 'basic' | 'major' | 'ortho';
const PROCEDURE_DEFS: Array<[number, string, string, Cents, Category, 'active' | 'inactive']> = [
  [401, 'D0120', 'Periodic oral evaluation - established patient', 6_200, 'preventive', 'active'],
  [402, 'D0150', 'Comprehensive oral evaluation - new or established patient', 9_500, 'preventive', 'active'],
  [403, 'D0274', 'Bitewings - four radiographic images', 7_800, 'preventive', 'active'],
  [404, 'D1110', 'Prophylaxis - adult', 10_500, 'preventive', 'active'],
  [405, 'D1120', 'Prophylaxis - child', 7_000, 'preventive', 'active'],
  [406, 'D1206', 'Topical application of fluoride varnish', 3_800, 'preventive', 'active'],
  [407, 'D1351', 'Sealant - per tooth', 5_200, 'preventive', 'active'],
  [408, 'D2391', 'Resin-based composite - one surface, posterior', 18_500, 'basic', 'active'],
  [409, 'D2392', 'Resin-based composite - two surfaces, posterior', 23_500, 'basic', 'active'],
  [410, 'D7140', 'Extraction, erupted tooth or exposed root', 21_000, 'basic', 'active'],
  [411, 'D4341', 'Periodontal scaling and root planing - four or more teeth per quadrant', 26_500, 'basic', 'active'],
  [412, 'D2740', 'Crown - porcelain/ceramic', 125_000, 'major', 'active'],
  [413, 'D3330', 'Endodontic therapy, molar tooth', 115_000, 'major', 'active'],
  [414, 'D8670', 'Periodic orthodontic treatment visit', 1_800, 'ortho', 'active'],
  [415, 'D0140', 'Limited oral evaluation - problem focused', 8_900, 'preventive', 'inactive'],
];
const PROCEDURES: NexProcedure[] = PROCEDURE_DEFS.map(([id, code, name, fee, , status]) => ({
  id,
  code,
  name,
  status,
  start_date: status === 'active' ? '2018-01-01' : '2016-01-01',
  fee,
}));
const CATEGORY = new Map(PROCEDURE_DEFS.map(([id, , , , category]) => [id, category] as const));
const COVERAGE: Record<Category, number> = { preventive: 100, basic: 80, major: 50, ortho: 0 };

const PAYMENT_TYPES: NexPaymentType[] = [
  { id: 501, location_id: OD, name: 'Cash', active: true },
  { id: 502, location_id: OD, name: 'Check', active: true },
  { id: 503, location_id: OD, name: 'Credit Card', active: true },
  { id: 504, location_id: OD, name: 'CareCredit', active: true },
  { id: 505, location_id: OD, name: 'Insurance Check', active: true },
  { id: 506, location_id: OD, name: 'Gift Certificate', active: false },
  { id: 511, location_id: DX, name: 'Cash', active: true },
  { id: 512, location_id: DX, name: 'Check', active: true },
  { id: 513, location_id: DX, name: 'Visa/MasterCard', active: true },
  { id: 514, location_id: DX, name: 'Dental Insurance Check', active: true },
  { id: 515, location_id: DX, name: 'Money Order', active: false },
];

const ADJUSTMENT_TYPES: NexAdjustmentType[] = [
  { id: 601, location_id: OD, name: 'Courtesy Credit', active: true, action: 'credit' },
  { id: 602, location_id: OD, name: 'Senior Discount', active: true, action: 'credit' },
  { id: 603, location_id: OD, name: 'Small Balance Write-off', active: true, action: 'credit' },
  { id: 604, location_id: OD, name: 'Finance Charge', active: true, action: 'debit' },
  { id: 605, location_id: OD, name: 'NSF Fee', active: true, action: 'debit' },
  { id: 606, location_id: OD, name: 'Legacy Conversion', active: true, action: 'unknown' },
  { id: 607, location_id: OD, name: 'Spring Promo Credit', active: false, action: 'credit' },
  { id: 611, location_id: DX, name: 'Professional Courtesy', active: true, action: 'credit' },
  { id: 612, location_id: DX, name: 'Insurance Adjustment', active: true, action: 'credit' },
  { id: 613, location_id: DX, name: 'Collection Fee', active: true, action: 'debit' },
  { id: 614, location_id: DX, name: 'Patient Refund', active: true, action: 'debit' },
  { id: 615, location_id: DX, name: 'Billing Charge', active: true, action: 'debit' },
];

// ------------------------------------------------------------------------------------------------
// People
// ------------------------------------------------------------------------------------------------

type Encoding = 'own-id' | 'zero' | 'null';
interface PersonDef {
  first: string;
  last: string;
  gender: 'Female' | 'Male';
  dob: string;
  inactive?: boolean;
}
/** The seed's families, by the surname used as their key. */
export type NexFamilyKey = 'alvarez' | 'okafor' | 'lindqvist' | 'nakamura' | 'whitfield' | 'patel' | 'brennan' | 'castellanos';
interface FamilyDef {
  key: NexFamilyKey;
  location: number;
  guarantor: PersonDef & { nonPatient?: boolean; encoding: Encoding };
  dependents: PersonDef[];
  profile?: 'paid-up' | 'inconsistent';
}

const FAMILIES: FamilyDef[] = [
  {
    key: 'alvarez',
    location: OD,
    guarantor: { first: 'Maria', last: 'Alvarez', gender: 'Female', dob: '1984-03-17', encoding: 'own-id' },
    dependents: [
      { first: 'Diego', last: 'Alvarez', gender: 'Male', dob: '2012-07-02' },
      { first: 'Lucia', last: 'Alvarez', gender: 'Female', dob: '2015-11-23' },
      { first: 'Mateo', last: 'Alvarez', gender: 'Male', dob: '2018-05-09' },
    ],
  },
  {
    key: 'okafor',
    location: OD,
    guarantor: { first: 'Grace', last: 'Okafor', gender: 'Female', dob: '1979-09-30', encoding: 'null', nonPatient: true },
    dependents: [
      { first: 'Chidi', last: 'Okafor', gender: 'Male', dob: '2010-02-14' },
      { first: 'Amara', last: 'Okafor', gender: 'Female', dob: '2013-08-06' },
    ],
  },
  {
    key: 'lindqvist',
    location: OD,
    guarantor: { first: 'Erik', last: 'Lindqvist', gender: 'Male', dob: '1976-12-04', encoding: 'zero' },
    dependents: [
      { first: 'Sofia', last: 'Lindqvist', gender: 'Female', dob: '2009-04-19' },
      { first: 'Nils', last: 'Lindqvist', gender: 'Male', dob: '2014-10-11' },
    ],
  },
  {
    key: 'nakamura',
    location: OD,
    guarantor: { first: 'Kenji', last: 'Nakamura', gender: 'Male', dob: '1981-06-21', encoding: 'null' },
    dependents: [
      { first: 'Aiko', last: 'Nakamura', gender: 'Female', dob: '2008-01-15' },
      { first: 'Haruto', last: 'Nakamura', gender: 'Male', dob: '2011-03-28' },
      { first: 'Yui', last: 'Nakamura', gender: 'Female', dob: '2014-09-07' },
      { first: 'Ren', last: 'Nakamura', gender: 'Male', dob: '2017-12-19' },
    ],
  },
  {
    key: 'whitfield',
    location: OD,
    profile: 'inconsistent',
    guarantor: { first: 'Dana', last: 'Whitfield', gender: 'Female', dob: '1972-08-13', encoding: 'own-id' },
    dependents: [
      { first: 'Owen', last: 'Whitfield', gender: 'Male', dob: '2006-05-25' },
      { first: 'Clara', last: 'Whitfield', gender: 'Female', dob: '2011-02-03' },
    ],
  },
  {
    key: 'patel',
    location: OD,
    profile: 'paid-up',
    guarantor: { first: 'Ravi', last: 'Patel', gender: 'Male', dob: '1969-11-08', encoding: 'own-id' },
    dependents: [{ first: 'Anika', last: 'Patel', gender: 'Female', dob: '2007-06-30' }],
  },
  {
    key: 'brennan',
    location: DX,
    guarantor: { first: 'Siobhan', last: 'Brennan', gender: 'Female', dob: '1983-02-26', encoding: 'own-id' },
    dependents: [
      { first: 'Liam', last: 'Brennan', gender: 'Male', dob: '2010-09-12' },
      { first: 'Nora', last: 'Brennan', gender: 'Female', dob: '2012-12-01' },
      { first: 'Finn', last: 'Brennan', gender: 'Male', dob: '2016-04-17' },
    ],
  },
  {
    key: 'castellanos',
    location: DX,
    guarantor: { first: 'Rafael', last: 'Castellanos', gender: 'Male', dob: '1974-07-22', encoding: 'own-id', nonPatient: true },
    dependents: [
      { first: 'Elena', last: 'Castellanos', gender: 'Female', dob: '2009-10-05' },
      { first: 'Marco', last: 'Castellanos', gender: 'Male', dob: '2013-01-29' },
    ],
  },
];

const LARGE_LEDGER_PERSON: PersonDef = { first: 'Theodore', last: 'Marsh', gender: 'Male', dob: '1990-04-14' };

const SINGLES: Array<PersonDef & { location: number }> = [
  { location: OD, first: 'Harriet', last: 'Quinlan', gender: 'Female', dob: '1958-01-20' },
  { location: OD, first: 'Marcus', last: 'Delacroix', gender: 'Male', dob: '1988-10-03' },
  { location: OD, first: 'Priya', last: 'Raman', gender: 'Female', dob: '1993-05-27' },
  { location: OD, first: 'Jonah', last: 'Feldstein', gender: 'Male', dob: '1966-08-15' },
  { location: OD, first: 'Beatrix', last: 'Holloway', gender: 'Female', dob: '1947-12-09' },
  { location: OD, first: 'Samuel', last: 'Oyelaran', gender: 'Male', dob: '1999-03-02' },
  { location: OD, first: 'Ingrid', last: 'Sorensen', gender: 'Female', dob: '1985-07-18' },
  { location: OD, first: 'Tobias', last: 'Wren', gender: 'Male', dob: '1971-02-11', inactive: true },
  { location: OD, first: 'Lena', last: 'Kowalczyk', gender: 'Female', dob: '1996-09-24' },
  { location: OD, first: 'Ahmed', last: 'Farouk', gender: 'Male', dob: '1980-06-06' },
  { location: OD, first: 'Celeste', last: 'Marchand', gender: 'Female', dob: '1962-04-29' },
  { location: OD, first: 'Victor', last: 'Almeida', gender: 'Male', dob: '1975-11-17' },
  { location: OD, first: 'Rosalind', last: 'Tate', gender: 'Female', dob: '2001-01-31' },
  { location: OD, first: 'Gideon', last: 'Pryce', gender: 'Male', dob: '1954-05-05' },
  { location: DX, first: 'Yasmin', last: 'Haddad', gender: 'Female', dob: '1987-03-14' },
  { location: DX, first: 'Felix', last: 'Moreau', gender: 'Male', dob: '1992-08-08' },
  { location: DX, first: 'Noor', last: 'Siddiqui', gender: 'Female', dob: '1978-12-22' },
  { location: DX, first: 'Calvin', last: 'Ostrander', gender: 'Male', dob: '1960-10-10' },
  { location: DX, first: 'Mirela', last: 'Petrovic', gender: 'Female', dob: '1995-02-28' },
  { location: DX, first: 'Declan', last: 'Ashby', gender: 'Male', dob: '1983-07-07', inactive: true },
  { location: DX, first: 'Esther', last: 'Lindgren', gender: 'Female', dob: '1950-09-16' },
  { location: DX, first: 'Omar', last: 'Rahimi', gender: 'Male', dob: '1989-04-03' },
  { location: DX, first: 'Paloma', last: 'Reyes', gender: 'Female', dob: '1998-06-19' },
  { location: DX, first: 'Wesley', last: 'Carrow', gender: 'Male', dob: '1968-01-25' },
];

// ------------------------------------------------------------------------------------------------
// Helpers: seeded RNG, dates, exact percentages
// ------------------------------------------------------------------------------------------------

/** `cents × percent / 100`, truncated, in exact integer arithmetic. */
function percentOf(cents: Cents, percent: number): Cents {
  const product = cents * percent;
  return (product - (product % 100)) / 100;
}

function daysBefore(days: number, hourUtc = 15): string {
  const t = Date.parse(`${SEED_AS_OF}T00:00:00.000Z`) - days * 86_400_000 + hourUtc * 3_600_000;
  return new Date(t).toISOString();
}

function addDays(iso: string, days: number): string {
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

class SeedBuilder {
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

function patientPaymentTypes(location: number): number[] {
  return location === OD ? [501, 502, 503, 504] : [511, 512, 513];
}
function insuranceCheckType(location: number): number {
  return location === OD ? 505 : 514;
}
function isChild(dob: string): boolean {
  return Date.parse(SEED_AS_OF) - Date.parse(dob) < 18 * 365.25 * 86_400_000;
}

// ------------------------------------------------------------------------------------------------
// Building the seed
// ------------------------------------------------------------------------------------------------

function build() {
  const b = new SeedBuilder();
  const families = {} as Record<NexFamilyKey, FamilyIds>;
  const familyPatients = {} as Record<NexFamilyKey, { guarantor: NexPatient; dependents: NexPatient[] }>;

  for (const family of FAMILIES) {
    const g = family.guarantor;
    const encoding = g.encoding === 'own-id' ? 'self-id' : g.encoding === 'zero' ? 0 : null;
    const guarantor = b.addPatient(family.location, g, encoding, g.nonPatient ?? false);
    const dependents = family.dependents.map((d) => b.addPatient(family.location, d, guarantor.id));
    familyPatients[family.key] = { guarantor, dependents };
    families[family.key] = {
      locationId: String(family.location),
      guarantorId: String(guarantor.id),
      dependentIds: dependents.map((d) => String(d.id)),
      patientIds: [...(g.nonPatient ? [] : [guarantor]), ...dependents].map((p) => String(p.id)),
      nonPatient: g.nonPatient ?? false,
    };
  }
  const large = b.addPatient(OD, LARGE_LEDGER_PERSON, 'self-id');
  const singles = SINGLES.map((s, i) => b.addPatient(s.location, s, i % 3 === 0 ? 'self-id' : i % 3 === 1 ? 0 : null));

  // Ledgers, family by family, in a fixed order (the RNG makes the rest deterministic).
  for (const family of FAMILIES) {
    const { guarantor, dependents } = familyPatients[family.key]!;
    const members = family.guarantor.nonPatient ? dependents : [guarantor, ...dependents];
    if (family.profile === 'paid-up') {
      // Adjudicated visits only (no pending insurance), settled in full further down.
      for (const m of members)
        b.addVisit(m, 150, 301, isChild(m.date_of_birth!) ? [401, 405, 406] : [401, 404, 403], true, 'received');
      continue;
    }
    for (const m of members) b.typicalLedger(m, isChild(m.date_of_birth!));
  }
  for (const s of singles) b.typicalLedger(s, false);

  // Claims in every state, made explicit on the Alvarez family (Open Dental) and one paid claim.
  const alvarez = familyPatients['alvarez']!;
  const maria = alvarez.guarantor;
  const [diego, lucia, mateo] = alvarez.dependents as [NexPatient, NexPatient, NexPatient];
  const draftVisit = b.addVisit(lucia, 4, 302, [408], true, 'draft');
  const sentVisit = b.addVisit(mateo, 12, 302, [401, 405, 406], true, 'sent');
  const receivedVisit = b.addVisit(maria, 48, 301, [412], true, 'received');
  const canceledVisit = b.addVisit(diego, 70, 301, [409], true, 'canceled');
  const paidVisit = b.addVisit(maria, 130, 301, [411, 403], true, 'paid');
  // Deleted rows (never count in a balance, only visible with include_deleted=true).
  const deletedCharge = b.addVisit(diego, 33, 302, [410], false).charges[0]!;
  deletedCharge.deleted_at = addDays(deletedCharge.charged_at, 1);
  deletedCharge.updated_at = deletedCharge.deleted_at;
  const deletedPayment = b.addPayment(diego, -4_000, 501, daysBefore(31), { description: 'Posted to wrong patient' });
  deletedPayment.deleted_at = daysBefore(30);
  deletedPayment.updated_at = deletedPayment.deleted_at;
  const deletedAdjustment = b.addAdjustment(familyPatients['nakamura']!.guarantor, -1_500, 601, daysBefore(20), {
    description: 'Duplicate courtesy credit',
  });
  deletedAdjustment.deleted_at = daysBefore(19);
  deletedAdjustment.updated_at = deletedAdjustment.deleted_at;

  // Explicit credit and debit adjustments, tied to a charge / provider.
  const creditAdjustment = b.addAdjustment(maria, -5_000, 601, daysBefore(45), {
    provider_id: 301,
    charge_id: receivedVisit.charges[0]!.id,
    description: 'Courtesy credit on crown',
  });
  const debitAdjustment = b.addAdjustment(familyPatients['lindqvist']!.guarantor, 3_500, 605, daysBefore(66), {
    provider_id: 302,
    description: 'Returned check fee',
  });
  const dentrixCredit = b.addAdjustment(familyPatients['brennan']!.guarantor, -4_200, 612, daysBefore(27), {
    provider_id: 311,
    description: 'Insurance adjustment',
  });

  // A refund (positive payment) after an overpayment (Open Dental), and one on Dentrix, where a
  // refund is an adjustment of the "Patient Refund" type.
  const harriet = singles[0]!;
  b.addVisit(harriet, 95, 303, [404, 401], false);
  b.addPayment(harriet, -21_200, 502, daysBefore(95), { description: 'Check #4417' });
  const refund = b.addPayment(harriet, 4_500, 502, daysBefore(60), { description: 'Refund of overpayment' });
  const yasmin = singles.find((s) => s.first_name === 'Yasmin')!;
  b.addVisit(yasmin, 88, 312, [404], false);
  b.addPayment(yasmin, -15_000, 513, daysBefore(88));
  const dentrixRefund = b.addAdjustment(yasmin, 4_500, 614, daysBefore(40), {
    provider_id: 312,
    description: 'Refund of overpayment',
  });

  // The large ledger: one ortho visit a day for 1,030 days, paid ten visits at a time, the last 30 open.
  for (let i = LARGE_LEDGER_CHARGES; i >= 1; i--) b.addVisit(large, i, 302, [414], false);
  const largeCharges = b.charges.filter((c) => c.patient_id === large.id);
  for (let i = 0; i + 10 <= largeCharges.length - 30; i += 10) {
    const group = largeCharges.slice(i, i + 10);
    b.addPayment(large, -sumCents(group.map((c) => c.fee)), 503, group[9]!.charged_at, { description: 'Ortho plan installment' });
  }

  // The paid-up family owes nothing at all.
  for (const p of [familyPatients['patel']!.guarantor, ...familyPatients['patel']!.dependents]) {
    const owed = b.balanceOf(p.id);
    if (owed > 0) b.addPayment(p, -owed, 503, daysBefore(2), { description: 'Balance paid in full' });
    if (owed < 0) b.addAdjustment(p, -owed, 604, daysBefore(2), { description: 'Credit balance cleared' });
  }

  // Balances.
  const { guarantorBalances, insuranceBalances } = computeBalances(b, familyPatients['whitfield']!.guarantor.id);

  const seed: NexSeed = {
    apiKey: API_KEY,
    institution: INSTITUTION,
    locations: LOCATIONS,
    providers: PROVIDERS,
    procedures: PROCEDURES,
    patients: b.patients,
    claims: b.claims,
    charges: b.charges,
    payments: b.payments,
    adjustments: b.adjustments,
    guarantorBalances,
    insuranceBalances,
    paymentTypes: PAYMENT_TYPES,
    adjustmentTypes: ADJUSTMENT_TYPES,
    dentrixRefundAdjustmentTypeId: { [DX]: 614 },
  };

  const claimOf = (status: NexClaimStatus) => String(b.claims.find((c) => c.status === status && c.location_id === OD)!.id);
  const whitfield = families['whitfield']!;
  const whitfieldComputed = sumCents(whitfield.patientIds.map((id) => b.balanceOf(Number(id))));
  const ownIdSingle = singles.find((s) => s.guarantor_id === s.id && s.location_id === OD)!;
  const zeroSingle = singles.find((s) => s.guarantor_id === 0 && s.location_id === OD)!;
  const nullSingle = singles.find((s) => s.guarantor_id === null && s.location_id === OD)!;

  const ids = {
    apiKey: API_KEY,
    subdomain: INSTITUTION.subdomain,
    institutionId: String(INSTITUTION.id),
    asOf: SEED_AS_OF,
    locations: { openDental: String(OD), dentrix: String(DX) },
    providers: { openDental: ['301', '302', '303'], dentrix: ['311', '312'] },
    procedures: { periodicEval: '401', adultProphy: '404', crown: '412', orthoVisit: '414', inactive: '415' },
    paymentTypes: {
      openDental: {
        cash: '501',
        check: '502',
        creditCard: '503',
        careCredit: '504',
        insuranceCheck: '505',
        inactiveGiftCertificate: '506',
      },
      dentrix: { cash: '511', check: '512', visaMasterCard: '513', insuranceCheck: '514', inactiveMoneyOrder: '515' },
    },
    adjustmentTypes: {
      openDental: {
        courtesyCredit: '601',
        seniorDiscount: '602',
        smallBalanceWriteOff: '603',
        financeCharge: '604',
        nsfFee: '605',
        legacyConversionUnknown: '606',
        inactivePromoCredit: '607',
      },
      dentrix: {
        professionalCourtesy: '611',
        insuranceAdjustment: '612',
        collectionFee: '613',
        patientRefund: '614',
        billingCharge: '615',
      },
    },
    families,
    /** Grace Okafor: `bio.non_patient: true`, guarantor of two children. */
    nonPatientGuarantorId: families['okafor']!.guarantorId,
    /** The Dentrix non-patient guarantor. */
    dentrixNonPatientGuarantorId: families['castellanos']!.guarantorId,
    /** Own-guarantor patients, one per encoding (Open Dental location). */
    ownGuarantor: {
      ownId: String(ownIdSingle.id),
      zero: String(zeroSingle.id),
      null: String(nullSingle.id),
      /** Family guarantors with the same encodings. */
      familyOwnId: families['alvarez']!.guarantorId,
      familyZero: families['lindqvist']!.guarantorId,
      familyNull: families['nakamura']!.guarantorId,
    },
    largeLedger: { patientId: String(large.id), chargeCount: LARGE_LEDGER_CHARGES },
    /** Reported guarantor_portion ≠ Σ computed balances: difference (computed − reported) = −45.00. */
    inconsistentGuarantor: {
      guarantorId: whitfield.guarantorId,
      computedCents: whitfieldComputed,
      reportedCents: whitfieldComputed + INCONSISTENCY_CENTS,
      differenceCents: -INCONSISTENCY_CENTS,
    },
    /** A family whose balances are all zero (hidden from guarantor_balances without show_zero_balances). */
    zeroBalanceGuarantorId: families['patel']!.guarantorId,
    claims: {
      draft: String(draftVisit.claim!.id),
      sent: String(sentVisit.claim!.id),
      received: String(receivedVisit.claim!.id),
      canceled: String(canceledVisit.claim!.id),
      paid: String(paidVisit.claim!.id),
      firstOfStatus: {
        draft: claimOf('draft'),
        sent: claimOf('sent'),
        received: claimOf('received'),
        canceled: claimOf('canceled'),
      },
    },
    charges: {
      withDraftClaim: String(draftVisit.charges[0]!.id),
      withReceivedClaim: String(receivedVisit.charges[0]!.id),
      withCanceledClaim: String(canceledVisit.charges[0]!.id),
      withPaidClaim: String(paidVisit.charges[0]!.id),
    },
    refund: { paymentId: String(refund.id), patientId: String(harriet.id), amountCents: refund.payment_amount },
    dentrixRefundAdjustment: { adjustmentId: String(dentrixRefund.id), patientId: String(yasmin.id) },
    adjustments: {
      credit: String(creditAdjustment.id),
      debit: String(debitAdjustment.id),
      dentrixCredit: String(dentrixCredit.id),
    },
    deleted: {
      chargeId: String(deletedCharge.id),
      paymentId: String(deletedPayment.id),
      adjustmentId: String(deletedAdjustment.id),
    },
    inactivePatientId: String(singles.find((s) => s.inactive)!.id),
    dentrixPatientId: String(singles.find((s) => s.location_id === DX && !s.inactive)!.id),
  } as const;

  assertCoherent(seed);
  return { seed, ids };
}

function computeBalances(b: SeedBuilder, inconsistentGuarantorId: number) {
  const guarantorBalances: NexGuarantorBalance[] = [];
  const insuranceBalances: NexInsuranceBalance[] = [];
  const groups = new Map<number, NexPatient[]>();
  for (const p of b.patients) {
    const g = resolvedGuarantorId(p);
    groups.set(g, [...(groups.get(g) ?? []), p]);
  }
  let nextGb = 50001;
  let nextIb = 60001;
  const live = <T extends { deleted_at: string | null }>(rows: T[]) => rows.filter((r) => !r.deleted_at);
  const charges = live(b.charges);
  const payments = live(b.payments);
  const adjustments = live(b.adjustments);

  for (const [guarantorId, members] of [...groups.entries()].sort((x, y) => x[0] - y[0])) {
    const guarantor = b.patients.find((p) => p.id === guarantorId)!;
    const memberIds = new Set(members.map((m) => m.id));
    const buckets: [Cents, Cents, Cents, Cents] = [0, 0, 0, 0];
    const add = (date: string, cents: Cents) => {
      buckets[agingBucket(date, SEED_AS_OF)] += cents;
    };
    let estimate = 0;
    let writeOff = 0;
    for (const c of charges.filter((c) => memberIds.has(c.patient_id))) {
      const pendingEstimate = chargePendingEstimate(c, b.claimStatus);
      add(c.charged_at, chargePatientAmount(c, b.claimStatus) + pendingEstimate);
      estimate += pendingEstimate;
      writeOff += chargePendingWriteOff(c, b.claimStatus);
    }
    for (const p of payments.filter((p) => memberIds.has(p.patient_id))) add(p.paid_at, p.payment_amount);
    for (const a of adjustments.filter((a) => memberIds.has(a.patient_id))) add(a.adjusted_at, a.adjustment_amount);
    // Credits (payments, credit adjustments) settle the oldest amounts first, as A/R aging does.
    let credit = 0;
    for (let i = 0; i < 4; i++) {
      if (buckets[i]! < 0) {
        credit += buckets[i]!;
        buckets[i] = 0;
      }
    }
    for (let i = 3; i >= 0 && credit < 0; i--) {
      const take = Math.min(buckets[i]!, -credit);
      buckets[i] = buckets[i]! - take;
      credit += take;
    }
    buckets[0] += credit;
    let portion = sumCents(members.map((m) => b.balanceOf(m.id)));
    if (guarantorId === inconsistentGuarantorId) {
      portion += INCONSISTENCY_CENTS;
      buckets[0] += INCONSISTENCY_CENTS;
    }
    guarantorBalances.push({
      id: nextGb++,
      location_id: guarantor.location_id,
      guarantor_id: guarantorId,
      total_balance: portion + estimate,
      guarantor_portion: portion,
      insurance_estimate: estimate,
      write_off_estimate: guarantor.location_id === DX ? null : writeOff,
      total_balance_under_30: buckets[0],
      total_balance_31_60: buckets[1],
      total_balance_61_90: buckets[2],
      total_balance_over_90: buckets[3],
      updated_at: BALANCES_UPDATED_AT,
    });

    for (const m of members) {
      const est: [Cents, Cents, Cents, Cents] = [0, 0, 0, 0];
      const billed: [Cents, Cents, Cents, Cents] = [0, 0, 0, 0];
      let any = false;
      for (const c of charges.filter((c) => c.patient_id === m.id)) {
        for (const payout of c.claim_payouts) {
          const status = b.claimStatus(payout.claim_id);
          if (status !== 'draft' && status !== 'sent') continue;
          any = true;
          const bucket = agingBucket(c.charged_at, SEED_AS_OF);
          est[bucket] += payout.estimated_insurance_payment;
          billed[bucket] += payout.amount_billed_to_insurance;
        }
      }
      if (!any) continue;
      insuranceBalances.push({
        id: nextIb++,
        location_id: m.location_id,
        patient_id: m.id,
        guarantor_id: guarantorId,
        estimated_amount_under_30: est[0],
        estimated_amount_31_60: est[1],
        estimated_amount_61_90: est[2],
        estimated_amount_over_90: est[3],
        billed_amount_under_30: billed[0],
        billed_amount_31_60: billed[1],
        billed_amount_61_90: billed[2],
        billed_amount_over_90: billed[3],
        updated_at: BALANCES_UPDATED_AT,
      });
    }
  }
  return { guarantorBalances, insuranceBalances };
}

/** The invariants the seed promises; a failure here is a bug in this file, caught on import. */
function assertCoherent(seed: NexSeed): void {
  const statuses = new Set(seed.claims.map((c) => c.status));
  for (const s of ['draft', 'sent', 'received', 'canceled', 'paid'] as const) {
    if (!statuses.has(s)) throw new Error(`nexhealth seed: no claim is ${s}`);
  }
  if (seed.claims.filter((c) => c.status === 'paid').length !== 1)
    throw new Error('nexhealth seed: expected exactly one paid claim');
  for (const gb of seed.guarantorBalances) {
    const buckets = gb.total_balance_under_30 + gb.total_balance_31_60 + gb.total_balance_61_90 + gb.total_balance_over_90;
    if (buckets !== gb.total_balance || gb.total_balance !== gb.guarantor_portion + gb.insurance_estimate) {
      throw new Error(`nexhealth seed: guarantor balance ${gb.id} is not coherent`);
    }
  }
}

const BUILT = build();

/** Notable ids and figures of the default seed, for tests. Ids are strings (sourceIds). */
export const NEX_SEED = BUILT.ids;

/** A fresh deep copy of the default seed; the sandbox mutates its copy. */
export function createNexSeed(): NexSeed {
  return structuredClone(BUILT.seed);
}
