/**
 * The claim watch's records and what it needs of a practice (`README.md` here): the stored
 * `ClaimStatusRecord` (`Claim.payerStatus`), the payer-status categories and event kinds (the pure
 * claim-status rules of `src/ledger/claim-status.ts`), and the practice's `coverage.claimStatus`.
 */
import type { CoverageAdapter } from '../../adapters/coverage/port';
import type { ClaimPayerCategory, ClaimPayerStatusFigures, ClaimStatusEvent } from '../../ledger/claim-status';

/** What the gateway makes of an STC category (`src/ledger/claim-status.ts`). */
export type ClaimCategory = ClaimPayerCategory;

export type ClaimEvent = ClaimStatusEvent;

/** Where a claim's polling stands: asked on the cadence, stopped until the practice acts, or done. */
export type PollingState = 'WATCHING' | 'NEEDS_ATTENTION' | 'STOPPED';

/**
 * One inquiry's result as stored and shown (`Claim.payerStatus`): the claim-status rules' figures
 * (money in cents), the claim and when it was asked. Never overrides the ledger's status or balance.
 */
export interface ClaimStatusRecord extends ClaimPayerStatusFigures {
  claimSourceId: string;
  checkedAt: string;
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

export type ClaimStatusResolver = (practiceId: string) => { adapter: CoverageAdapter; settings: ClaimStatusSettings } | null;
