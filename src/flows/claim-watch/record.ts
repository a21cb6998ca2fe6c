/**
 * From a matched claim-status row to the stored `ClaimStatusRecord`, pure. The category comes from
 * the STC rules (`src/ledger/`); what this file decides is the patient's upper bound, which the 277
 * does not carry (the claim-status section of `README.md` here):
 *
 * - FINALIZED_PAID / FINALIZED_OTHER: billed − paid (it still contains contractual write-offs: an
 *   upper bound, never the figure the patient owes; the ledger posts that after its remittance);
 * - FINALIZED_DENIED: billed;
 * - any other category, or billed unknown: null.
 */
import type { ClaimStatusRow } from '../../adapters/coverage/port';
import type { Cents } from '../../ledger/records';
import { sumCents } from '../../ledger/money';
import type { ClaimCategory, ClaimStatusRecord } from './types';

export function maxPatientResponsibility(category: ClaimCategory, billed: Cents | null, paid: Cents | null): Cents | null {
  if (billed === null) return null;
  if (category === 'FINALIZED_DENIED') return billed;
  if (category === 'FINALIZED_PAID' || category === 'FINALIZED_OTHER') return Math.max(0, sumCents([billed, -(paid ?? 0)]));
  return null;
}

export function recordOf(claimSourceId: string, row: ClaimStatusRow, category: ClaimCategory, checkedAt: Date): ClaimStatusRecord {
  return {
    claimSourceId,
    checkedAt: checkedAt.toISOString(),
    category,
    statusCategoryCode: row.statusCategoryCode,
    statusCode: row.statusCode,
    statusText: row.statusText,
    entityCode: row.entityCode,
    effectiveDate: row.effectiveDate,
    payerClaimControlNumber: row.payerClaimControlNumber,
    patientControlNumber: row.patientControlNumber,
    billed: row.billed,
    paid: row.paid,
    paidDate: row.paidDate,
    checkNumber: row.checkNumber,
    maxPatientResponsibility: maxPatientResponsibility(category, row.billed, row.paid),
    reasons: [],
    lines: row.lines.map((line) => ({
      procedureCode: line.procedureCode,
      billed: line.billed,
      paid: line.paid,
      statusCategoryCode: line.statuses[0]?.statusCategoryCode ?? null,
      statusCode: line.statuses[0]?.statusCode ?? null,
    })),
  };
}
