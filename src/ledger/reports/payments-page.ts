/**
 * A page of the practice's payments over a period, oldest first (by `paidAt`, then id), with a
 * cursor carrying the last row's `paidAt` and id: the next page starts strictly after it.
 *
 *     const page = paymentsPage(rows, { period, timeZone: 'UTC', first: 50, after: null });
 */
import { z } from 'zod';
import type { PaymentRecord } from '../records';
import { inPeriod } from './collections';
import { ReportInputError, type Period } from './report-input';
import { compareIds } from '../invoice';

export interface PaymentsPage {
  items: PaymentRecord[];
  endCursor: string | null;
  hasNextPage: boolean;
  totalCount: number;
}

const cursorSchema = z.object({ v: z.literal(1), at: z.string(), id: z.string().min(1) });

function compare(a: { at: string; id: string }, b: { at: string; id: string }): number {
  return (a.at < b.at ? -1 : a.at > b.at ? 1 : 0) || compareIds(a.id, b.id);
}

/** `paidAt` as UTC ISO text, so rows written with different offsets compare in time order. */
function instant(paidAt: string | null): string {
  const t = paidAt ? Date.parse(paidAt) : Number.NaN;
  return Number.isNaN(t) ? (paidAt ?? '') : new Date(t).toISOString();
}

/** Decode `after`; a ReportInputError when it is not a payments cursor (check it before reading). */
export function decodePaymentsCursor(cursor: string): { at: string; id: string } {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new ReportInputError('expected after to be an endCursor of payments, got something else');
  }
}

export function paymentsPage(
  rows: Iterable<PaymentRecord>,
  args: { period: Period; timeZone: string; first: number; after: string | null },
): PaymentsPage {
  const after = args.after === null ? null : decodePaymentsCursor(args.after);
  let totalCount = 0;
  const rest: Array<{ at: string; id: string; row: PaymentRecord }> = [];
  for (const row of rows) {
    if (!inPeriod(row, args.period, args.timeZone)) continue;
    totalCount++;
    const keyed = { at: instant(row.paidAt), id: row.sourceId, row };
    if (after && compare(keyed, after) <= 0) continue;
    rest.push(keyed);
  }
  rest.sort(compare);
  const page = rest.slice(0, args.first);
  const last = page[page.length - 1];
  return {
    items: page.map((k) => k.row),
    endCursor: last ? Buffer.from(JSON.stringify({ v: 1, at: last.at, id: last.id }), 'utf8').toString('base64url') : null,
    hasNextPage: rest.length > args.first,
    totalCount,
  };
}
