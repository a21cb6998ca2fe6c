/**
 * A claim's inquiry key, pure: what the clearinghouse needs to find the claim (payer id, member,
 * subscriber and patient, service dates, billed amount, patient control number), built from the
 * ledger's claim, the patient and her primary coverage, and the practice's `coverage.claimStatus`.
 * Without a field it needs, no key: the reason says which (a missing payer mapping names the payer).
 *
 * The subscriber: the ledger's coverage records carry the member id and the relationship but not the
 * policy holder's name and birth date, so the patient is sent as the subscriber (the rule for a
 * coverage without a subscriber, in `README.md` here).
 */
import { createHash } from 'node:crypto';
import type { ClaimStatusRequest } from '../../adapters/coverage/port';
import type { ClaimRecord, CoverageRecord, PatientRecord } from '../../ledger/records';
import { payerIdFor } from '../../ledger/payer-id';
import { chooseCoverage } from '../eligibility/request';
import type { ClaimStatusSettings } from './types';

export type InquiryKey =
  | { ok: true; request: ClaimStatusRequest; hash: string }
  | { ok: false; reason: string; kind: 'NO_PAYER_MAPPING' | 'MISSING_DATA' };

export function inquiryKey(
  claim: ClaimRecord,
  patient: PatientRecord,
  coverages: readonly CoverageRecord[],
  settings: ClaimStatusSettings,
  payerClaimControlNumber: string | null,
): InquiryKey {
  const missing = (what: string): InquiryKey => ({
    ok: false,
    kind: 'MISSING_DATA',
    reason: `claim "${claim.sourceId}": ${what}`,
  });
  if (claim.billed === null) return missing('the ledger states no billed amount');
  if (claim.serviceDate === null) return missing('the ledger states no service date');
  if (patient.dateOfBirth === null) return missing("the patient's birth date is not on file");
  const coverage = chooseCoverage(coverages, null);
  if (!coverage) return missing('no insurance coverage is on file for the patient');
  if (!coverage.subscriberId) return missing(`coverage "${coverage.sourceId}" has no member id`);
  const mapped = payerIdFor(
    settings.payerIds,
    { reference: coverage.payerReference, display: coverage.payerName },
    'claim-status',
  );
  if ('violation' in mapped) return { ok: false, kind: 'NO_PAYER_MAPPING', reason: mapped.violation.message };
  const { payerId } = mapped;
  const request: ClaimStatusRequest = {
    claimSourceId: claim.sourceId,
    payerId,
    billingProvider: settings.billingProvider,
    subscriber: {
      memberId: coverage.subscriberId,
      firstName: patient.firstName,
      lastName: patient.lastName,
      dateOfBirth: patient.dateOfBirth,
      gender: null,
    },
    dependent: null,
    serviceFrom: claim.serviceDate,
    serviceTo: claim.serviceDate,
    billed: claim.billed,
    patientControlNumber: claim.sourceId,
    payerClaimControlNumber,
    traceNumber: null,
  };
  // The key's hash (without the payer's number, which the watch learns itself): a change of it
  // resumes a claim waiting for the practice. Only the hash is stored, never the PHI.
  const hash = createHash('sha256')
    .update(JSON.stringify({ ...request, payerClaimControlNumber: null }))
    .digest('hex');
  return { ok: true, request, hash };
}
