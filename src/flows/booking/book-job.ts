/**
 * The `booking.book` job: one per booking (singleton key `booking:<transactionId>`), enqueued when
 * the transaction COMPLETED (the flow's status listener, and the catch-up for any a crash left
 * without one). It asks the books to make the entry once:
 *
 * 1. the guarantor's customer: the stored id (`accounting_customers`), else `ensureCustomer` finds
 *    or creates it (upstream key `<transactionId>:Customer`) and the id is stored;
 * 2. the entry (`bookEntry`, upstream key `<transactionId>:SalesReceipt|RefundReceipt`): a repeated
 *    key answers the first entry, so a retry after a lost answer (a timeout) makes no second one.
 *
 * A refusal by the books (6190 realm inactive, a closed period, …) → FAILED with their error, tried
 * again every `retryEveryMs` (hourly) until `retryForMs` (7 days) after the completion. Books that
 * could not be asked (5xx, timeout, 429) → FAILED with that error too, tried again sooner
 * (`unavailableDelaysMs`); an open circuit breaker defers without an attempt. None of this touches
 * the ledger posting, which is final before a booking exists.
 */
import { UpstreamError } from '../../adapters/ledger/port';
import type { JobOutcome } from '../../jobs/types';
import { CircuitOpenError } from '../../resilience';
import { errorText } from '../../transactions/context';
import { deferUntil } from '../../transactions/write-path-jobs';
import { customerOf, saveCustomer } from './accounting-store';
import { getBooking, markBooked, markFailed, startAttempt } from './booking-store';
import { unavailableDelay, type BookingContext } from './context';
import { composeEntry, NotBookable } from './entry-input';
import { refusalText } from './refusal-text';

export async function bookJob(flow: BookingContext, transactionId: string): Promise<JobOutcome> {
  const { ctx } = flow;
  const booking = await getBooking(ctx.store.sql, transactionId);
  if (!booking || booking.status === 'BOOKED') return 'done';
  const books = flow.books(booking.practiceId);
  // No accounting (any more): nothing to book; the API shows no booking for such a practice.
  if (!books) return 'done';
  const giveUpAt = Date.parse(booking.completedAt) + flow.retryForMs;
  if (ctx.now().getTime() >= giveUpAt) {
    return { fail: `not booked within ${Math.round(flow.retryForMs / 3_600_000)} h: ${booking.error ?? 'no answer'}` };
  }
  const retryLater = (ms: number): JobOutcome => ({
    retryAt: new Date(Math.min(ctx.now().getTime() + ms, giveUpAt)),
    spendAttempt: false,
  });
  const row = await ctx.store.findById(transactionId);
  if (!row) return { fail: `transaction ${transactionId} is gone` };
  // The log gets the cause and code only: the books' text can quote the customer (the patient's name).
  const fail = async (error: string, code: string | null, cause: string) => {
    await markFailed(ctx.store.sql, transactionId, { error, code }, ctx.now());
    ctx.log.warn('booking failed', { practiceId: row.practiceId, transactionId, cause, code });
  };
  try {
    if (booking.kind === 'REFUND' && !books.adapter.capabilities.refundReceipts) {
      await fail(`${books.adapter.system} books no refund receipts`, null, 'NO_REFUND_RECEIPTS');
      return { fail: 'the books take no refunds' };
    }
    const composed = await composeEntry(flow, row, books);
    await startAttempt(ctx.store.sql, transactionId, books.adapter.system, ctx.now());
    const known = await customerOf(ctx.store.sql, row.practiceId, composed.customer.guarantorSourceId);
    const customer = await books.adapter.ensureCustomer({ ...composed.customer, knownCustomerId: known });
    if (customer.state === 'FAILED') {
      await fail(refusalText(customer, composed.customer), customer.code, customer.cause);
      return retryLater(flow.retryEveryMs);
    }
    if (customer.customer.id !== known) {
      await saveCustomer(ctx.store.sql, row.practiceId, composed.customer.guarantorSourceId, customer.customer.id, ctx.now());
    }
    const booked = await books.adapter.bookEntry({ ...composed.entry, customerId: customer.customer.id });
    if (booked.state === 'FAILED') {
      await fail(refusalText(booked, composed.customer), booked.code, booked.cause);
      return retryLater(flow.retryEveryMs);
    }
    await markBooked(
      ctx.store.sql,
      transactionId,
      { customerId: customer.customer.id, amount: composed.entry.amount, date: composed.entry.date, entry: booked.entry },
      ctx.now(),
    );
    ctx.log.info('booked', { practiceId: row.practiceId, transactionId, entryId: booked.entry.ref.id });
    return 'done';
  } catch (error) {
    if (error instanceof NotBookable) {
      await fail(error.message, null, 'NOT_BOOKABLE');
      return { fail: error.message };
    }
    if (error instanceof CircuitOpenError) return deferUntil(ctx, ctx.later(error.retryInMs), 'booking: circuit open');
    if (error instanceof UpstreamError) {
      await fail(`${error.code}: ${errorText(error)}`, null, error.code);
      return retryLater(unavailableDelay(flow, booking.attempts + 1));
    }
    throw error;
  }
}
