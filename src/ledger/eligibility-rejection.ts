/**
 * What a payer's rejection of an eligibility inquiry (the 271's `AAA`, by its reject reason code)
 * asks of the gateway. Pure. Three outcomes:
 *
 * - `REJECTED`: the request's patient or subscriber data is wrong (dates, ids, names, not found): a
 *   result shown with its reasons, like a card decline; the front desk corrects the record.
 * - `UPSTREAM_REJECTED`: the practice's setup is wrong (provider id, access, required data): an
 *   error, since no patient record can fix it.
 * - `UPSTREAM_UNAVAILABLE`: the payer could not answer now: an error, retry later.
 *
 *     eligibilityRejectionOutcome([{ code: '75', … }])   // 'REJECTED'
 *     eligibilityRejectionOutcome([{ code: '43', … }])   // 'UPSTREAM_REJECTED'
 */
import type { PayerRejection } from '../adapters/coverage/port';

/** What one reject reason asks for. */
export type RejectionAction = 'FIX_REQUEST' | 'FIX_SETUP' | 'RETRY_LATER';

/** A payer's reason on a `REJECTED` check: the port's rejection and what it asks for. */
export interface EligibilityReason extends PayerRejection {
  action: RejectionAction;
}

/** The AAA03 codes of each action (X12 271). */
const FIX_SETUP = new Set(['15', '41', '43', '44', '50', '51', '79']);
const RETRY_LATER = new Set(['42', '80']);

/**
 * A reject reason's action: setup codes (`15`, `41`, `43`, `44`, `50`, `51`, `79`), retry codes
 * (`42`, `80`); every other code (`57`, `58`, `62`–`78`, and codes the table does not list) is the
 * request's data, shown to the front desk rather than hidden behind an error.
 */
export function rejectionAction(code: string): RejectionAction {
  if (FIX_SETUP.has(code)) return 'FIX_SETUP';
  if (RETRY_LATER.has(code)) return 'RETRY_LATER';
  return 'FIX_REQUEST';
}

/** The reasons as the check shows them, in the payer's order. */
export function eligibilityReasons(reasons: readonly PayerRejection[]): EligibilityReason[] {
  return reasons.map((reason) => ({ ...reason, action: rejectionAction(reason.code) }));
}

/**
 * What a rejection as a whole becomes: a setup reason anywhere makes it `UPSTREAM_REJECTED` (a retry
 * cannot fix the setup), else a retry reason makes it `UPSTREAM_UNAVAILABLE`, else `REJECTED`. An
 * empty list (a rejection without reasons) is `REJECTED`.
 */
export function eligibilityRejectionOutcome(
  reasons: readonly PayerRejection[],
): 'REJECTED' | 'UPSTREAM_REJECTED' | 'UPSTREAM_UNAVAILABLE' {
  const actions = new Set(reasons.map((reason) => rejectionAction(reason.code)));
  if (actions.has('FIX_SETUP')) return 'UPSTREAM_REJECTED';
  if (actions.has('RETRY_LATER')) return 'UPSTREAM_UNAVAILABLE';
  return 'REJECTED';
}
