/**
 * What every part of the claim watch shares: the write path's context (store, clock, log, jobs),
 * the practices (ledger reads), each practice's claim-status connection and time zone, the flow's
 * tuning, and the announcement of a change to subscribers.
 */
import type { PracticeRegistry } from '../../practices';
import type { PatientBalance } from '../../ledger/patient-balance';
import type { WritePathContext } from '../../transactions/context';
import type { ClaimCategory, ClaimEvent, ClaimStatusRecord, ClaimStatusResolver } from './types';

export interface ClaimWatchOptions {
  /**
   * When the patient's balance is re-read after a change, from the change: the first at once,
   * then, for CLAIM_PROCESSED only, the later ones (the ledger posts the remittance after the
   * payer decides). Default 0, 86 400 000, 259 200 000 (0, 24 h, 72 h).
   */
  rereadDelaysMs?: readonly number[];
  /** Patients read per page of the ledger's listing during discovery. Default 100. */
  pageSize?: number;
  /** When each practice's nightly discovery runs (cron, in the practice's time zone). Default `0 1 * * *` (01:00). */
  discoverySchedule?: string;
}

export const CLAIM_WATCH_DEFAULTS = {
  rereadDelaysMs: [0, 86_400_000, 259_200_000],
  pageSize: 100,
  discoverySchedule: '0 1 * * *',
} as const;

/** What `claimStatusChanged` carries: the change, the record, and the balance re-read after it. */
export interface ClaimChange {
  eventId: string;
  practiceId: string;
  claimId: string;
  patientId: string;
  event: ClaimEvent;
  category: ClaimCategory;
  previousCategory: ClaimCategory | null;
  record: ClaimStatusRecord;
  balance: PatientBalance;
  /** 0 for the re-read at the change, 1 and 2 for the later ones (published only when the balance moved). */
  reread: number;
}

export interface ClaimWatchContext {
  readonly ctx: WritePathContext;
  readonly practices: PracticeRegistry;
  readonly claimStatusFor: ClaimStatusResolver;
  readonly timeZoneOf: (practiceId: string) => string;
  readonly options: Required<ClaimWatchOptions>;
  /** Tell subscribers (`claimStatusChanged`). */
  publish(change: ClaimChange): void;
  /** After a CLAIM_PROCESSED change's first re-read (the optional `billing.onClaimProcessed`). */
  onProcessed?(change: ClaimChange): Promise<void>;
}
