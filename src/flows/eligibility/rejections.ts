/**
 * What a payer's rejection reason (X12 AAA03) means for an eligibility check, per the
 * clearinghouse's table in `README.md` here: the patient's data must be fixed (a `REJECTED` result
 * with reasons, like a card decline), the practice's setup must be fixed (`UPSTREAM_REJECTED`), or
 * the payer could not answer now (`UPSTREAM_UNAVAILABLE`, retry later). Unknown codes are results:
 * the reasons reach the front desk rather than an error.
 */
import type { PayerRejection } from '../../adapters/coverage/port';
import type { RejectionClass } from './types';

const SETUP = new Set(['15', '41', '43', '44', '50', '51', '79']);
const RETRY = new Set(['42', '80']);

export function rejectionClass(code: string): RejectionClass {
  if (RETRY.has(code)) return 'RETRY';
  if (SETUP.has(code)) return 'SETUP';
  return 'REJECTED';
}

/** The class of a whole rejection: any "retry later" wins, then any setup problem, else a result. */
export function rejectionsClass(reasons: readonly PayerRejection[]): RejectionClass {
  const classes = reasons.map((r) => rejectionClass(r.code));
  if (classes.includes('RETRY')) return 'RETRY';
  if (classes.includes('SETUP')) return 'SETUP';
  return 'REJECTED';
}
