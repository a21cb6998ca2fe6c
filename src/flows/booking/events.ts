/**
 * The books' word about entries after they were booked: webhook events (`webhook-route.ts`) and
 * change data capture (`catch-up.ts`). Nothing here ever re-creates an entry:
 *
 * | event                                  | effect                                                                 |
 * | -------------------------------------- | ---------------------------------------------------------------------- |
 * | UPDATED / VOIDED of an entry we booked | marked for a re-read (`reread_pending`); the `booking.reread` job reads it live and stores what the books hold (EDITED, VOIDED with 0) |
 * | DELETED of an entry we booked          | recorded as DELETED at once (there is nothing left to read)            |
 * | MERGED of a customer                   | every guarantor mapped to the merged-away id maps to the surviving one |
 * | anything else                          | recorded (deduplicated) and ignored                                    |
 *
 * Each event id is recorded in `accounting_events` in the same SQL transaction as its effect, so a
 * redelivery changes nothing; events carry ids only and may come in any order, so the re-read, not
 * the event, says what the books hold.
 */
import type { AccountingEvent, BookedEntryRecord } from '../../adapters/accounting/port';
import type { JobOutcome } from '../../jobs/types';
import { CircuitOpenError } from '../../resilience';
import { errorText } from '../../transactions/context';
import { deferUntil } from '../../transactions/write-path-jobs';
import { claimEvent, remapCustomer } from './accounting-store';
import {
  bookingByEntry,
  bookingsByEntries,
  getBooking,
  markRereadPending,
  recordBooksRead,
  recordBooksReads,
} from './booking-store';
import { rereadKey, unavailableDelay, type BookingContext } from './context';

export type EventResult = 'applied' | 'duplicate' | 'ignored';

/** Apply one verified event to a practice whose books it is about. */
export async function applyAccountingEvent(
  flow: BookingContext,
  practiceId: string,
  event: AccountingEvent,
): Promise<EventResult> {
  const { ctx } = flow;
  const now = ctx.now();
  let rereadJobId: string | null = null;
  const result = await ctx.store.sql.transaction(async (tx): Promise<EventResult> => {
    if (!(await claimEvent(tx, practiceId, event.eventId, now))) return 'duplicate';
    if (event.entity === 'CUSTOMER' && event.operation === 'MERGED' && event.mergedId) {
      const moved = await remapCustomer(tx, practiceId, event.mergedId, event.entityId, now);
      if (moved > 0) ctx.log.info('books customer merged: guarantors remapped', { practiceId, moved });
      return moved > 0 ? 'applied' : 'ignored';
    }
    if (event.entity !== 'SALE' && event.entity !== 'REFUND') return 'ignored';
    if (!['UPDATED', 'VOIDED', 'DELETED'].includes(event.operation)) return 'ignored';
    const booking = await bookingByEntry(tx, practiceId, event.entity, event.entityId);
    if (!booking) return 'ignored';
    if (event.operation === 'DELETED') {
      await recordBooksRead(tx, booking, null, now);
      ctx.log.info('booked entry deleted in the books', { practiceId, transactionId: booking.transactionId });
      return 'applied';
    }
    await markRereadPending(tx, booking.transactionId, now);
    const { job, created } = await ctx.jobs.enqueue(
      'booking.reread',
      { practiceId, transactionId: booking.transactionId },
      { singletonKey: rereadKey(booking.transactionId), tx },
    );
    if (created) rereadJobId = job.id;
    return 'applied';
  });
  // The re-read runs after the commit (and after the route's answer: the books want theirs within 3 s).
  const jobId = rereadJobId;
  if (jobId) void ctx.inFlight.track(() => ctx.jobs.run(jobId)).catch(() => {});
  return result;
}

/** Store what the books hold for entries read by change data capture (only those the gateway booked). */
export async function applyChangedEntries(
  flow: BookingContext,
  practiceId: string,
  entries: readonly BookedEntryRecord[],
  deleted: readonly { kind: 'SALE' | 'REFUND'; id: string }[],
): Promise<number> {
  const { ctx } = flow;
  const sql = ctx.store.sql;
  // One query to find the batch's bookings and one to store what the books hold (not two per entry).
  const reads = [
    ...entries.map((entry) => ({ ref: entry.ref, entry: entry as BookedEntryRecord | null })),
    ...deleted.map((ref) => ({ ref, entry: null })),
  ];
  const bookings = await bookingsByEntries(
    sql,
    practiceId,
    reads.map((r) => r.ref),
  );
  const found = reads.flatMap(({ ref, entry }) => {
    const booking = bookings.get(`${ref.kind}:${ref.id}`);
    return booking ? [{ booking, entry }] : [];
  });
  return (await recordBooksReads(sql, found, ctx.now())).length;
}

/** The `booking.reread` job: read the entry live and store what the books hold now. */
export async function rereadJob(flow: BookingContext, transactionId: string, attempt: number): Promise<JobOutcome> {
  const { ctx } = flow;
  const booking = await getBooking(ctx.store.sql, transactionId);
  if (!booking?.externalId || booking.status !== 'BOOKED') return 'done';
  const books = flow.books(booking.practiceId);
  if (!books) return 'done';
  try {
    const [read] = await books.adapter.entries([{ kind: booking.kind, id: booking.externalId }]);
    if (read instanceof Error) throw read;
    const stored = await recordBooksRead(ctx.store.sql, booking, read ?? null, ctx.now());
    ctx.log.info('booked entry read again', { practiceId: booking.practiceId, transactionId, books: stored?.books?.state });
    return 'done';
  } catch (error) {
    if (error instanceof CircuitOpenError) return deferUntil(ctx, ctx.later(error.retryInMs), 'reread: circuit open');
    ctx.log.warn('reading a booked entry failed', { practiceId: booking.practiceId, transactionId, error: errorText(error) });
    return { retryAt: ctx.later(unavailableDelay(flow, attempt)), spendAttempt: false };
  }
}
