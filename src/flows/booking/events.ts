/**
 * The books' word about entries after they were booked: webhook events (`webhook-route.ts`) and
 * change data capture (`catch-up.ts`). Nothing here ever re-creates an entry:
 *
 * | event                                  | effect                                                                 |
 * | -------------------------------------- | ---------------------------------------------------------------------- |
 * | UPDATED / VOIDED of an entry we booked | marked for a re-read (`reread_pending`); one `booking.reread` job per delivery reads the marked entries live together and stores what the books hold (EDITED, VOIDED with 0) |
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
import type { SqlExecutor } from '../../transactions/sql-client';
import {
  bookingByEntry,
  bookingsByEntries,
  markRereadsPending,
  pendingRereads,
  recordBooksRead,
  recordBooksReads,
} from './booking-store';
import { unavailableDelay, type BookingContext } from './context';

export type EventResult = 'applied' | 'duplicate' | 'ignored';

/** Apply one verified event to a practice whose books it is about. */
export async function applyAccountingEvent(
  flow: BookingContext,
  practiceId: string,
  event: AccountingEvent,
): Promise<EventResult> {
  const [result] = await applyAccountingEvents(flow, practiceId, [event]);
  return result ?? 'ignored';
}

/**
 * Apply the verified events of one delivery to a practice, in one SQL transaction: each event id is
 * claimed (a redelivery claims none and changes nothing), the entries to read again are marked, and
 * one `booking.reread` job is stored for them all, so the delivery's re-reads are one `entries`
 * call (one `Id in (…)` query per kind), not one per event. One result per event, in order.
 */
export async function applyAccountingEvents(
  flow: BookingContext,
  practiceId: string,
  events: readonly AccountingEvent[],
): Promise<EventResult[]> {
  const { ctx } = flow;
  const now = ctx.now();
  let rereadJobId: string | null = null;
  const results = await ctx.store.sql.transaction(async (tx): Promise<EventResult[]> => {
    const rereads: string[] = [];
    const out: EventResult[] = [];
    for (const event of events) out.push(await applyInTransaction(flow, tx, practiceId, event, rereads, now));
    if (rereads.length > 0) {
      await markRereadsPending(tx, rereads, now);
      // No singleton: a live job of another delivery may already have passed its read; this one
      // reads every entry still marked when it runs (the others' marks included).
      const { job } = await ctx.jobs.enqueue('booking.reread', { practiceId, transactionId: rereads[0]! }, { tx });
      rereadJobId = job.id;
    }
    return out;
  });
  // The re-read runs after the commit (and after the route's answer: the books want theirs within 3 s).
  const jobId = rereadJobId;
  if (jobId) void ctx.inFlight.track(() => ctx.jobs.run(jobId)).catch(() => {});
  return results;
}

/** One event's effect inside the delivery's SQL transaction; an entry to read again is added to `rereads`. */
async function applyInTransaction(
  flow: BookingContext,
  tx: SqlExecutor,
  practiceId: string,
  event: AccountingEvent,
  rereads: string[],
  now: Date,
): Promise<EventResult> {
  const { ctx } = flow;
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
  if (!rereads.includes(booking.transactionId)) rereads.push(booking.transactionId);
  return 'applied';
}

/** Store what the books hold for entries read by change data capture (only those the gateway booked); `readStartedAt`: when that read began (recordBooksReads). */
export async function applyChangedEntries(
  flow: BookingContext,
  practiceId: string,
  entries: readonly BookedEntryRecord[],
  deleted: readonly { kind: 'SALE' | 'REFUND'; id: string }[],
  readStartedAt: Date,
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
  return (await recordBooksReads(sql, found, ctx.now(), readStartedAt)).length;
}

/** Entries one `booking.reread` run reads together (one `entries` call). */
const REREADS_PER_RUN = 500;

/**
 * The `booking.reread` job: read live, in one `entries` call, every BOOKED entry of the practice
 * still marked for a re-read (its delivery's, and any other delivery's not yet read), and store what
 * the books hold now. An entry whose mark a read already cleared is skipped; a job that finds none
 * asks the books nothing. Entries the books could not answer stay marked and are read on the retry.
 */
export async function rereadJob(flow: BookingContext, practiceId: string, attempt: number): Promise<JobOutcome> {
  const { ctx } = flow;
  const books = flow.books(practiceId);
  if (!books) return 'done';
  const pending = await pendingRereads(ctx.store.sql, practiceId, REREADS_PER_RUN);
  if (pending.length === 0) return 'done';
  try {
    const readStartedAt = ctx.now(); // a mark made from here on may be newer than what this read sees
    const reads = await books.adapter.entries(pending.map((b) => ({ kind: b.kind, id: b.externalId! })));
    const found = pending.flatMap((booking, i) => {
      const read = reads[i];
      return read instanceof Error ? [] : [{ booking, entry: read ?? null }];
    });
    const stored = await recordBooksReads(ctx.store.sql, found, ctx.now(), readStartedAt);
    ctx.log.info('booked entries read again', { practiceId, read: stored.length, of: pending.length });
    const failed = reads.find((read): read is Error => read instanceof Error);
    if (failed) throw failed;
    // More were marked than one run reads: the next run takes them at once.
    if (pending.length === REREADS_PER_RUN) return { retryAt: ctx.now(), spendAttempt: false, reason: 'more re-reads' };
    return 'done';
  } catch (error) {
    if (error instanceof CircuitOpenError) return deferUntil(ctx, ctx.later(error.retryInMs), 'reread: circuit open');
    ctx.log.warn('reading booked entries failed', { practiceId, error: errorText(error) });
    return { retryAt: ctx.later(unavailableDelay(flow, attempt)), spendAttempt: false };
  }
}
