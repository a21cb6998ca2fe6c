/**
 * Which claims `collectpayment` may take money for, as athenahealth's balances guide states it:
 *
 * - only a claim with a clean balance: not on a payment plan and not tied to a contract;
 * - in an enterprise practice (its departments carry more than one provider group), only a claim of
 *   the provider group that the patient's current department belongs to; a non-enterprise practice
 *   has one blank group listing every department, so any clean claim qualifies;
 * - never more, on one claim, than the claim's patient balance.
 *
 *     claimEligibleForPayment(practice, patient, claim, 2000)   // false → "Claim N is not eligible for payment."
 *
 * This is the simulator's own statement of the vendor's rule. The gateway has its own; a simulator
 * that imported it would agree with the gateway by construction and could never show it wrong.
 */
import { claimPatientBalance, isCleanClaim, type SimClaim, type SimPatient, type SimPractice } from './seed';
import type { Cents } from '../shared/wire-money';

/** Provider group ids compare as trimmed strings; a blank one is no group. */
function groupKey(id: string | null | undefined): string | null {
  const key = (id ?? '').trim();
  return key === '' ? null : key;
}

/** The provider group of one of the practice's departments; `null` for an unknown department or a blank group. */
export function providerGroupOf(practice: SimPractice, departmentid: string): string | null {
  const department = practice.departments.find((d) => d.departmentid === departmentid);
  return department ? groupKey(department.providergroupid) : null;
}

/** Enterprise: the practice's departments carry more than one distinct non-blank provider group. */
export function isEnterprisePractice(practice: SimPractice): boolean {
  const groups = new Set<string>();
  for (const department of practice.departments) {
    const key = groupKey(department.providergroupid);
    if (key !== null) groups.add(key);
  }
  return groups.size > 1;
}

/**
 * Clean, and (enterprise only) in the provider group of the patient's current department. A patient
 * whose current department is unknown has no collectible group in an enterprise practice.
 */
export function claimCollectible(practice: SimPractice, patient: SimPatient, claim: SimClaim): boolean {
  if (!isCleanClaim(claim)) return false;
  if (!isEnterprisePractice(practice)) return true;
  const patientGroup = providerGroupOf(practice, patient.departmentid);
  return patientGroup !== null && providerGroupOf(practice, claim.departmentid) === patientGroup;
}

/**
 * A `claimpayment` of `amount` (the sum of everything the request puts on that claim) is accepted:
 * the claim is the patient's, collectible, and the amount is not above its patient balance.
 */
export function claimEligibleForPayment(
  practice: SimPractice,
  patient: SimPatient,
  claim: SimClaim | undefined,
  amount: Cents,
): boolean {
  return claim !== undefined && claimCollectible(practice, patient, claim) && amount <= claimPatientBalance(claim);
}
