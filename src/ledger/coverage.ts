/**
 * Coverage rules, pure and clock-free (the caller passes today): whether a coverage is active, and
 * how a member id is shown. An adapter computes `CoverageRecord.active` with `coverageActive` so every
 * system answers by the same rule; the API shows `subscriberId` only through `maskMemberId`.
 *
 *     coverageActive('active', { start: '2026-01-01', end: null }, '2026-11-30')   // true
 *     coverageActive('active', { start: null, end: '2026-11-29' }, '2026-11-30')   // false: ended
 *     maskMemberId('W123456789')                                                    // '***6789'
 */
import type { IsoDate } from './records';

/** Characters of a member id left visible by `maskMemberId`. */
export const MEMBER_ID_VISIBLE = 4;

/**
 * Active = the status is `active` and the period covers `today` (both ends inclusive; an open end is
 * unbounded). Dates are `YYYY-MM-DD`, so string order is date order.
 */
export function coverageActive(
  status: string | null,
  period: { start: IsoDate | null; end: IsoDate | null },
  today: IsoDate,
): boolean {
  if (status !== 'active') return false;
  if (period.start !== null && period.start > today) return false;
  if (period.end !== null && period.end < today) return false;
  return true;
}

/**
 * A member id as the API and logs may show it: `***` and its last 4 characters. An id of 4 or fewer
 * characters is masked whole (its last 4 would be all of it).
 */
export function maskMemberId(memberId: string): string {
  return memberId.length > MEMBER_ID_VISIBLE ? `***${memberId.slice(-MEMBER_ID_VISIBLE)}` : '***';
}
