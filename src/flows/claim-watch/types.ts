/**
 * The claim watch's records and what it needs of a practice (`README.md` here): the stored
 * `ClaimStatusRecord` (`Claim.payerStatus`), the payer-status categories, the event kinds, and the
 * pure claim-status rules it calls (STC category, fingerprint, matching; `src/ledger/`).
 */
import type { ClaimStatusAnswer, ClaimStatusRow, CoverageAdapter } from '../../adapters/coverage/port';
import type { Cents, IsoDate } from '../../ledger/records';

/** What the gateway makes of an STC category (the claim-status README's table). */
export type ClaimCategory =
  | 'ACKNOWLEDGED'
  | 'PENDING'
  | 'INFO_REQUESTED'
  | 'FINALIZED_PAID'
  | 'FINALIZED_DENIED'
  | 'FINALIZED_OTHER'
  | 'REJECTED'
  | 'NOT_FOUND'
  | 'ERROR';

export type ClaimEvent = 'CLAIM_PROCESSED' | 'PAYER_UPDATE_RECEIVED';

/** Where a claim's polling stands: asked on the cadence, stopped until the practice acts, or done. */
export type PollingState = 'WATCHING' | 'NEEDS_ATTENTION' | 'STOPPED';

/** One inquiry's result as stored and shown (`Claim.payerStatus`); money in cents. Never overrides the ledger's status or balance. */
export interface ClaimStatusRecord {
  claimSourceId: string;
  checkedAt: string;
  category: ClaimCategory;
  statusCategoryCode: string | null;
  statusCode: string | null;
  statusText: string | null;
  entityCode: string | null;
  effectiveDate: IsoDate | null;
  payerClaimControlNumber: string | null;
  patientControlNumber: string | null;
  billed: Cents | null;
  paid: Cents | null;
  paidDate: IsoDate | null;
  checkNumber: string | null;
  /** An upper bound (billed − paid, write-offs included) on FINALIZED_PAID/OTHER; billed on FINALIZED_DENIED; else null. */
  maxPatientResponsibility: Cents | null;
  /** The payer's rejection reasons (AAA) when the inquiry itself was rejected; empty otherwise. */
  reasons: Array<{ code: string; description: string | null }>;
  lines: Array<{
    procedureCode: string | null;
    billed: Cents | null;
    paid: Cents | null;
    statusCategoryCode: string | null;
    statusCode: string | null;
  }>;
}

/** A practice's `coverage.claimStatus` settings the watch reads. */
export interface ClaimStatusSettings {
  billingProvider: {
    npi: string;
    organizationName: string | null;
    lastName: string | null;
    firstName: string | null;
    taxId: string | null;
  };
  /** Coverage payor reference or display → the clearinghouse's payer id. */
  payerIds: Readonly<Record<string, string>>;
  /** `refreshClaimStatus` inquires at most once per claim per this many seconds. */
  minRefreshIntervalSeconds: number;
}

export type ClaimStatusResolver = (
  practiceId: string,
) => { adapter: CoverageAdapter; settings: ClaimStatusSettings } | null;

/** The pure claim-status rules the watch calls (STC mapping, fingerprint, which answered claim is ours). */
export interface ClaimStatusRules {
  category(statusCategoryCode: string): ClaimCategory;
  fingerprint(row: ClaimStatusRow): string;
  match(
    rows: readonly ClaimStatusRow[],
    key: {
      payerClaimControlNumber: string | null;
      patientControlNumber: string;
      serviceFrom: IsoDate;
      serviceTo: IsoDate;
      billed: Cents;
    },
  ): ClaimStatusRow | null;
}

export type { ClaimStatusAnswer };
