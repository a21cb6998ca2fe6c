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
import { SeedBuilder, addDays, daysBefore, isChild, type FamilyIds } from './seed-builder';
import { FAMILIES, LARGE_LEDGER_PERSON, SINGLES, type NexFamilyKey } from './seed-people';
import {
  ADJUSTMENT_TYPES,
  API_KEY,
  BALANCES_UPDATED_AT,
  DX,
  INCONSISTENCY_CENTS,
  INSTITUTION,
  LARGE_LEDGER_CHARGES,
  LOCATIONS,
  OD,
  PAYMENT_TYPES,
  PROCEDURES,
  PROVIDERS,
  SEED_AS_OF,
} from './seed-reference';
import { sumCents } from '../shared/wire-money';
import { agingBucket, chargePatientAmount, chargePendingEstimate, chargePendingWriteOff, resolvedGuarantorId } from './balance';
import type { Cents, NexClaimStatus, NexGuarantorBalance, NexInsuranceBalance, NexPatient, NexSeed } from './types';

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

export { SEED_AS_OF } from './seed-reference';
export type { FamilyIds } from './seed-builder';
export type { NexFamilyKey } from './seed-people';
