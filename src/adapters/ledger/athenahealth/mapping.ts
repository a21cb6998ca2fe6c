/**
 * athenahealth wire records (already zod-parsed) → the port's normalized records. Pure functions.
 *
 *     const patient = mapPatient(wirePatient);                       // PatientRecord
 *     const claims = mapClaims(wirePatient, { enterprise: true, currentDepartmentId: '21' });
 *     const { charges, payments, adjustments } = mapLedger(wirePatient);
 *
 * The rules (and why) are in README.md next to this file. The one that matters most: for every
 * patient, Σ charge.statedPatientAmount + Σ payment.amount + Σ adjustment.amount equals
 * Σ claim.patientbalance, so the ledger's computed balance is athenahealth's own figure.
 */
import type {
  AdjustmentRecord,
  Cents,
  ChargeRecord,
  ClaimRecord,
  CopayRecord,
  IsoDate,
  PatientRecord,
  PaymentRecord,
} from '../port';
import { claimCollectible, type CollectibleContext } from '../../../ledger/collectible';
import { allocateClaimBalance } from '../../../ledger/claim-allocation';
import { sumCents } from '../../../ledger/money';
import type { WireAppointment, WireCharge, WireClaim, WirePatient, WireTransaction } from './schemas';

/** The prefix of a synthetic guarantor id: `g-<patientid>`. */
export const GUARANTOR_ID_PREFIX = 'g-';

/** `g-123` for patient 123's (non-self) guarantor. */
export function guarantorIdFor(patientId: string): string {
  return `${GUARANTOR_ID_PREFIX}${patientId}`;
}

/** `'123'` for `'g-123'`; `null` when the id is not a synthetic guarantor id. */
export function patientIdOfGuarantor(guarantorId: string): string | null {
  if (!guarantorId.startsWith(GUARANTOR_ID_PREFIX)) return null;
  const rest = guarantorId.slice(GUARANTOR_ID_PREFIX.length);
  return rest === '' ? null : rest;
}

/** `MM/DD/YYYY` (optionally followed by a time) or `YYYY-MM-DD…` → `YYYY-MM-DD`; anything else → null. */
export function athenaDate(text: string | null | undefined): IsoDate | null {
  if (!text) return null;
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\b|$)/.exec(text.trim());
  let y: number;
  let m: number;
  let d: number;
  if (us) {
    m = Number(us[1]);
    d = Number(us[2]);
    y = Number(us[3]);
  } else {
    const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(text.trim());
    if (!iso) return null;
    y = Number(iso[1]);
    m = Number(iso[2]);
    d = Number(iso[3]);
  }
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * An athenahealth transaction date (a calendar day, no time, no zone) as the ISO date-time the port's
 * `paidAt` / `adjustedAt` carry (the API's `DateTime`): midnight UTC of that day; `null` when unreadable.
 */
export function athenaDateTime(text: string | null | undefined): string | null {
  const date = athenaDate(text);
  return date === null ? null : `${date}T00:00:00Z`;
}

/** The patient's current (primary) department. */
export function currentDepartmentOf(p: WirePatient): string | null {
  return p.departmentid ?? p.primarydepartmentid ?? null;
}

/**
 * Whether the patient is her own guarantor: `guarantorrelationshiptopatient` is 1 (self). When the
 * field is missing, she is her own guarantor unless other guarantor names are given.
 */
export function isSelfGuarantor(p: WirePatient): boolean {
  const rel = p.guarantorrelationshiptopatient;
  if (rel !== null && rel !== undefined) return rel === '1' || rel === '01';
  const gFirst = (p.guarantorfirstname ?? '').toLowerCase();
  const gLast = (p.guarantorlastname ?? '').toLowerCase();
  if (gFirst === '' && gLast === '') return true;
  return gFirst === (p.firstname ?? '').toLowerCase() && gLast === (p.lastname ?? '').toLowerCase();
}

export function mapPatient(p: WirePatient): PatientRecord {
  const self = isSelfGuarantor(p);
  const status = (p.status ?? '').toLowerCase();
  const hasGuarantorName = Boolean(p.guarantorfirstname || p.guarantorlastname);
  return {
    sourceId: p.patientid,
    firstName: p.firstname ?? '',
    lastName: p.lastname ?? '',
    email: p.email ? p.email : null,
    dateOfBirth: athenaDate(p.dob),
    guarantorSourceId: self ? null : guarantorIdFor(p.patientid),
    nonPatient: false,
    inactive: status === 'inactive' || status === 'deleted',
    departmentId: currentDepartmentOf(p),
    guarantorName: hasGuarantorName
      ? { firstName: p.guarantorfirstname ?? '', lastName: p.guarantorlastname ?? '' }
      : self
        ? { firstName: p.firstname ?? '', lastName: p.lastname ?? '' }
        : null,
  };
}

/** The non-patient guarantor athenahealth describes only through the patient's guarantor fields. */
export function mapSyntheticGuarantor(p: WirePatient): PatientRecord {
  const firstName = p.guarantorfirstname ?? '';
  const lastName = p.guarantorlastname ?? '';
  return {
    sourceId: guarantorIdFor(p.patientid),
    firstName,
    lastName,
    email: null,
    dateOfBirth: null,
    guarantorSourceId: null,
    nonPatient: true,
    inactive: false,
    departmentId: null,
    guarantorName: { firstName, lastName },
  };
}

/** Each claim with the provider group block it was listed under. */
function claimsWithGroups(p: WirePatient): Array<{ claim: WireClaim; providerGroupId: string | null; departmentIds: string[] }> {
  const out: Array<{ claim: WireClaim; providerGroupId: string | null; departmentIds: string[] }> = [];
  for (const group of p.claimbalancedetails) {
    for (const claim of group.claimdetails) {
      out.push({ claim, providerGroupId: group.providergroupid ?? null, departmentIds: group.departmentids ?? [] });
    }
  }
  return out;
}

/**
 * Claims from `claimbalancedetails[].claimdetails[]`. `collectible` is the ledger's rule
 * ({@link claimCollectible}): clean, and (in an enterprise practice) in the group whose departments
 * include the patient's current department.
 */
export function mapClaims(p: WirePatient, ctx: CollectibleContext): ClaimRecord[] {
  return claimsWithGroups(p).map(({ claim, providerGroupId, departmentIds }) => {
    const clean = claim.cleanbalance ?? false;
    return {
      sourceId: claim.claimid,
      patientSourceId: p.patientid,
      providerSourceId: null,
      status: 'OPEN',
      rawStatus: null,
      // The patient balance athenahealth states per claim is final for the ledger: charges carry it
      // as `statedPatientAmount` and no payouts are reported, so the stage deducts nothing either way.
      stage: 'ADJUDICATED',
      serviceDate: athenaDate(claim.servicedate),
      patientBalance: claim.patientbalance ?? null,
      clean,
      collectible: claimCollectible({ clean, providerGroupId, departmentIds }, ctx),
      providerGroupId,
      departmentIds,
      billed: claim.amount ?? null,
    };
  });
}

const isPayment = (t: WireTransaction) => t.type === 'PAYMENT';
const isAdjustment = (t: WireTransaction) => t.type === 'ADJUSTMENT';

/** Σ of the charge's own PAYMENT and ADJUSTMENT transactions (signed as on the wire). */
function postedOn(charge: WireCharge): Cents {
  return sumCents(charge.transactions.filter((t) => isPayment(t) || isAdjustment(t)).map((t) => t.amount));
}

/**
 * The stated patient amount of each charge of a claim, chosen so that
 * Σ stated + Σ payments + Σ adjustments over the claim = the claim's `patientbalance`:
 *
 * 1. Share the claim's `patientbalance` out over its charges in order: each charge takes at most
 *    what is still open on it (`fee + its own payments and adjustments`, floored at 0); the last
 *    charge takes whatever is left (a credit included).
 * 2. A charge's stated amount is its share minus its own payments and adjustments, i.e. the patient
 *    responsibility the charge carried before those rows were posted.
 *
 * A claim without `patientbalance` states `fee` on every charge (its rows then decide the balance).
 */
export function statedPatientAmounts(claim: WireClaim): Cents[] {
  const charges = claim.chargeleveldetail;
  if (claim.patientbalance === null || claim.patientbalance === undefined) {
    return charges.map((c) => c.amount ?? 0);
  }
  // The arithmetic is the ledger's; this only says what athenahealth's fields are.
  return allocateClaimBalance(
    claim.patientbalance,
    charges.map((charge) => ({ fee: charge.amount ?? 0, posted: postedOn(charge) })),
  );
}

/** The id a read reports as a payment's `transactionId`: the epayment id (the collect's receipt id). */
export function transactionIdOf(t: WireTransaction): string | null {
  return t.epaymentid ?? null;
}

export interface PatientLedger {
  charges: ChargeRecord[];
  payments: PaymentRecord[];
  adjustments: AdjustmentRecord[];
}

/** Charges, payments and adjustments from the claims' `chargeleveldetail[]`. */
export function mapLedger(p: WirePatient): PatientLedger {
  const charges: ChargeRecord[] = [];
  const payments: PaymentRecord[] = [];
  const adjustments: AdjustmentRecord[] = [];
  for (const { claim } of claimsWithGroups(p)) {
    const stated = statedPatientAmounts(claim);
    if (claim.chargeleveldetail.length === 0 && (claim.patientbalance ?? 0) !== 0) {
      // A claim listed without its charges: one stand-in charge keeps the balance whole.
      charges.push({
        sourceId: `claim-${claim.claimid}`,
        patientSourceId: p.patientid,
        providerSourceId: null,
        procedureSourceId: null,
        procedureCode: null,
        description: null,
        fee: claim.amount ?? claim.patientbalance ?? 0,
        serviceDate: athenaDate(claim.servicedate),
        claimPayouts: [],
        claimSourceId: claim.claimid,
        statedPatientAmount: claim.patientbalance ?? 0,
      });
    }
    claim.chargeleveldetail.forEach((charge, i) => {
      charges.push({
        sourceId: charge.id,
        patientSourceId: p.patientid,
        providerSourceId: null,
        procedureSourceId: null,
        procedureCode: charge.procedurecode || null,
        description: charge.description || null,
        fee: charge.amount ?? 0,
        serviceDate: athenaDate(charge.servicedate) ?? athenaDate(claim.servicedate),
        claimPayouts: [],
        claimSourceId: claim.claimid,
        statedPatientAmount: stated[i] ?? 0,
      });
      charge.transactions.forEach((t, ti) => {
        const sourceId = t.id ?? `${charge.id}-${ti}`;
        if (isPayment(t)) {
          payments.push({
            sourceId,
            patientSourceId: p.patientid,
            providerSourceId: null,
            chargeSourceId: charge.id,
            claimSourceId: claim.claimid,
            paymentTypeSourceId: null,
            amount: t.amount,
            paidAt: athenaDateTime(t.date),
            transactionId: transactionIdOf(t),
            fromInsurance: t.transfertype === '1' || t.transfertype === '2',
          });
        } else if (isAdjustment(t)) {
          adjustments.push({
            sourceId,
            patientSourceId: p.patientid,
            providerSourceId: null,
            chargeSourceId: charge.id,
            claimSourceId: claim.claimid,
            adjustmentTypeSourceId: null,
            typeName: t.description || null,
            amount: t.amount,
            adjustedAt: athenaDateTime(t.date),
            transactionId: transactionIdOf(t),
            description: t.description || null,
          });
        }
      });
    });
  }
  return { charges, payments, adjustments };
}

export function mapCopay(a: WireAppointment): CopayRecord {
  return {
    appointmentSourceId: a.appointmentid,
    patientSourceId: a.patientid ?? '',
    expected: a.copay ?? null,
    collectedForAppointment: a.appointmentcopay?.collectedforappointment ?? 0,
    collectedForOther: a.appointmentcopay?.collectedforother ?? 0,
  };
}
