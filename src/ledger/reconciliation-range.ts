/**
 * A reconciliation's dates, `from` and `to` (calendar dates, both included, in the practice's time
 * zone), turned into the instants the store is asked for: `[start, end)`, from the start of `from`
 * to the start of the day after `to` in that zone (a day of 23 or 25 hours around a clock change is
 * still one day). Refused before anything is read: a date that is not one, `from` after `to`, or
 * more days than `maxDays` (README.md here, "Books reconciliation").
 *
 *     reconciliationWindow({ from: '2026-03-01', to: '2026-03-31', timeZone: 'America/New_York', maxDays: 366 })
 *     // { ok: true, days: 31, start: 2026-03-01T05:00:00Z, end: 2026-04-01T04:00:00Z }
 */
import { DateTime } from 'luxon';
import type { Violation } from './violation';

export interface ReconciliationWindowInput {
  /** `YYYY-MM-DD`. */
  from: string;
  /** `YYYY-MM-DD`, on or after `from`. */
  to: string;
  /** The practice's IANA time zone. */
  timeZone: string;
  /** Most days one report may cover (`limits.maxReconciliationDays`). */
  maxDays: number;
}

export type ReconciliationWindow =
  | { ok: true; start: Date; end: Date; days: number }
  | { ok: false; violation: Violation<'BAD_USER_INPUT'> };

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function refuse(field: string, message: string): ReconciliationWindow {
  return { ok: false, violation: { code: 'BAD_USER_INPUT', message, details: { field } } };
}

export function reconciliationWindow(input: ReconciliationWindowInput): ReconciliationWindow {
  const day = (text: string) => (ISO_DATE.test(text) ? DateTime.fromISO(text, { zone: input.timeZone }) : null);
  const from = day(input.from);
  if (!from?.isValid) return refuse('from', `from: expected a calendar date YYYY-MM-DD, got ${JSON.stringify(input.from)}`);
  const to = day(input.to);
  if (!to?.isValid) return refuse('to', `to: expected a calendar date YYYY-MM-DD, got ${JSON.stringify(input.to)}`);
  if (to < from) return refuse('to', `to: expected a date on or after from (${input.from}), got ${input.to}`);
  // Calendar days, both ends included; computed on dates so that a clock change does not shift it.
  const days = Math.round(to.diff(from, 'days').days) + 1;
  if (days > input.maxDays) {
    return refuse('to', `to: expected a range of at most ${input.maxDays} days, got ${days} (${input.from} to ${input.to})`);
  }
  return { ok: true, start: from.startOf('day').toJSDate(), end: to.plus({ days: 1 }).startOf('day').toJSDate(), days };
}
