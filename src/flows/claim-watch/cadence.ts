/**
 * The polling cadence of a watched claim, pure (the clock and the practice's time zone are
 * arguments): when the next inquiry is due, and when polling stops for the practice to act
 * (NEEDS_ATTENTION) or for good (STOPPED). The rules are the claim-status section of `README.md`
 * here:
 *
 * - ACKNOWLEDGED / PENDING / INFO_REQUESTED: every 24 h; every 72 h once 30 days pass without a change.
 * - NOT_FOUND: again after 3 days, twice; then NEEDS_ATTENTION.
 * - FINALIZED_*: one confirming inquiry 7 days later (F3F, forwarded to a secondary: 14), then STOPPED.
 * - E1/E2 (and the payer's "cannot answer now", AAA 42/80): after 4 h, three times; then daily.
 *   E0/E3/E4, REJECTED, any other payer rejection, a request the clearinghouse refused (400, 404):
 *   NEEDS_ATTENTION until the claim's inquiry key or ledger status changes.
 * - The clearinghouse unreachable, or an answer that matched no claim of ours: the next daily run.
 *
 * Daily runs fall in 01:00–05:00 practice time, each claim at its own minute (a hash of its id), so
 * a practice's inquiries spread over the night instead of starting together.
 */
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { isFinalized } from '../../ledger/claim-status';
import type { IsoDate } from '../../ledger/records';
import type { ClaimCategory, PollingState } from './types';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface CadenceState {
  polling: PollingState;
  notFoundCount: number;
  errorCount: number;
  /** The last answer was final and the confirming inquiry is what comes next. */
  confirming: boolean;
  /** When the payer's status last changed (ISO 8601); `null` before the first answer. */
  lastChangeAt: string | null;
}

export type InquiryOutcome =
  | { kind: 'ANSWER'; category: ClaimCategory; statusCategoryCode: string }
  /** The payer rejected the inquiry (AAA); `retry` for "unable to respond now" / "no response". */
  | { kind: 'PAYER_REJECTED'; retry: boolean }
  /** The clearinghouse could not be reached (5xx, timeout, 429 after retries, credentials), or no answered claim was ours. */
  | { kind: 'NEXT_CYCLE' }
  /** The clearinghouse refused the request itself (400 validation, 404 unknown payer). */
  | { kind: 'REQUEST_REFUSED' };

export interface CadenceStep extends CadenceState {
  /** When to inquire next; `null` when polling stopped (NEEDS_ATTENTION or STOPPED). */
  nextInquiryAt: Date | null;
  /** Why polling stopped for the practice, for `Claim.payerStatus` and operators; `null` otherwise. */
  attentionReason: string | null;
}

/** The first inquiry: 2 days after the claim was sent (else serviced), in its night slot; never before now. */
export function firstInquiryAt(claimId: string, sentOrServiced: IsoDate, now: Date, timeZone: string): Date {
  const due = DateTime.fromISO(sentOrServiced, { zone: timeZone }).plus({ days: 2 }).toJSDate();
  return nightSlot(claimId, due < now ? now : due, timeZone);
}

/** Whether a claim sent (or serviced) on `date` is within the watch's age window (2 to 365 days ago). */
export function withinWatchWindow(date: IsoDate, today: IsoDate): boolean {
  const age = (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${date}T00:00:00Z`)) / DAY;
  return age >= 2 && age <= 365;
}

/** The step after an inquiry's outcome. `changed`: the fingerprint differed from the stored one (or it was the first answer). */
export function nextStep(
  claimId: string,
  state: CadenceState,
  outcome: InquiryOutcome,
  changed: boolean,
  now: Date,
  timeZone: string,
): CadenceStep {
  const lastChangeAt = changed ? now.toISOString() : state.lastChangeAt;
  const base = { ...state, lastChangeAt };
  const daily = (days: number) => nightSlot(claimId, new Date(now.getTime() + days * DAY - 4 * HOUR), timeZone);
  const attention = (reason: string): CadenceStep => ({
    ...base,
    polling: 'NEEDS_ATTENTION',
    nextInquiryAt: null,
    attentionReason: reason,
  });
  const errorRetry = (): CadenceStep => {
    const errorCount = state.errorCount + 1;
    return {
      ...base,
      errorCount,
      polling: 'WATCHING',
      nextInquiryAt: errorCount <= 3 ? new Date(now.getTime() + 4 * HOUR) : daily(1),
      attentionReason: null,
    };
  };
  switch (outcome.kind) {
    case 'NEXT_CYCLE':
      return { ...base, polling: 'WATCHING', nextInquiryAt: daily(1), attentionReason: null };
    case 'REQUEST_REFUSED':
      return attention('the clearinghouse refused the inquiry (invalid request or unknown payer id)');
    case 'PAYER_REJECTED':
      return outcome.retry ? errorRetry() : attention('the payer rejected the inquiry (see reasons)');
    case 'ANSWER':
      break;
  }
  const { category, statusCategoryCode } = outcome;
  if (isFinalized(category)) {
    // Confirmed — or asked again by a refresh once stopped — and unchanged: it stays stopped.
    if ((state.confirming || state.polling === 'STOPPED') && !changed)
      return { ...base, polling: 'STOPPED', confirming: false, nextInquiryAt: null, attentionReason: null };
    const days = statusCategoryCode === 'F3F' ? 14 : 7;
    return {
      ...base,
      polling: 'WATCHING',
      confirming: true,
      notFoundCount: 0,
      errorCount: 0,
      nextInquiryAt: daily(days),
      attentionReason: null,
    };
  }
  const reset = { ...base, confirming: false, errorCount: 0 };
  switch (category) {
    case 'NOT_FOUND': {
      const notFoundCount = state.notFoundCount + 1;
      if (notFoundCount > 2) return attention('the payer has not found the claim after three inquiries');
      return { ...reset, notFoundCount, polling: 'WATCHING', nextInquiryAt: daily(3), attentionReason: null };
    }
    case 'REJECTED':
      return attention('the payer rejected the claim as unprocessable: it must be corrected and resubmitted');
    case 'ERROR':
      if (statusCategoryCode === 'E1' || statusCategoryCode === 'E2') return errorRetry();
      return attention(`the payer could not answer (${statusCategoryCode}): the request data needs fixing`);
    default: {
      const quiet = lastChangeAt !== null && now.getTime() - Date.parse(lastChangeAt) >= 30 * DAY;
      return { ...reset, notFoundCount: 0, polling: 'WATCHING', nextInquiryAt: daily(quiet ? 3 : 1), attentionReason: null };
    }
  }
}

/**
 * The claim's slot in the first 01:00–05:00 practice-time window that starts at or after `due`'s
 * day, not before `due` (the next night's when `due` is past that day's slot).
 */
export function nightSlot(claimId: string, due: Date, timeZone: string): Date {
  const minute = createHash('sha256').update(claimId).digest().readUInt32BE(0) % 240;
  const local = DateTime.fromJSDate(due, { zone: timeZone });
  let slot = local.startOf('day').plus({ hours: 1, minutes: minute });
  if (slot.toMillis() < due.getTime()) slot = slot.plus({ days: 1 });
  return slot.toJSDate();
}
