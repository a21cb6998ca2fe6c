/**
 * What the processor said, applied durably and at most once: a checkout paid (by webhook, by the
 * watch's read-back, or by `cancelCheckout`'s answer), or closed before payment. Each applies in one
 * SQL transaction with the event id that carried it (a redelivery finds the id and changes nothing),
 * then the transaction moves and its `collection.advance` job runs to post. The job re-derives
 * everything from the rows, so a crash between any two steps here is finished by the job.
 */
import type { CheckoutRecord, ProcessorEvent } from '../../adapters/processor/port';
import { findCheckout, getCheckout, markClosed, markPaid, processorEventSeen, recordProcessorEvent } from './checkout-store';
import type { CollectionContext } from './context';
import { applyRefundedTotal } from './dashboard-refund';
import { claimPostingKey, paymentKey, postingKeyOwner } from './posting-keys';
import { settlingRefundOf } from './refund-store';

export type SignalResult = 'applied' | 'duplicate' | 'ignored';

/** Make sure the checkout's job exists and run it now, in the background (tracked for `stop()`). */
export async function kick(flow: CollectionContext, practiceId: string, transactionId: string): Promise<void> {
  const { ctx } = flow;
  const { job } = await ctx.jobs.enqueue('collection.advance', { practiceId, transactionId }, { singletonKey: transactionId });
  void ctx.inFlight.track(async () => {
    try {
      await ctx.jobs.run(job.id);
    } catch (error) {
      // The job is durable: the queue runs it again; nothing is lost by a failed inline run.
      ctx.log.warn('collection job run failed; the queue will retry', { transactionId, error: String(error) });
    }
  });
}

/** Run a REFUND's job now, in the background (it is durable: a failed run is retried by the queue). */
function wakeRefund(flow: CollectionContext, practiceId: string, transactionId: string): void {
  const { ctx } = flow;
  void ctx.inFlight.track(async () => {
    try {
      const { job } = await ctx.jobs.enqueue('collection.refund', { practiceId, transactionId }, { singletonKey: transactionId });
      await ctx.jobs.run(job.id);
    } catch (error) {
      ctx.log.warn('refund job run failed; the queue will retry', { transactionId, error: String(error) });
    }
  });
}

/** Publish the transaction's current row (its checkout changed even when its status did not). */
async function announce(flow: CollectionContext, transactionId: string): Promise<void> {
  const row = await flow.ctx.store.findById(transactionId);
  if (row) await flow.ctx.publish(row);
}

/**
 * Apply one verified processor event. Unknown checkouts (another system's payment on the same
 * account) are `ignored` and not recorded. Declines change nothing (the patient may retry on the page).
 */
export async function applyProcessorEvent(
  flow: CollectionContext,
  practiceId: string,
  event: ProcessorEvent,
): Promise<SignalResult> {
  if (event.type === 'IGNORED') return 'ignored';
  if (event.type === 'REFUND_UPDATED') return refundUpdated(flow, practiceId, event);
  const refs =
    event.type === 'CHECKOUT_UPDATED'
      ? { transactionId: event.checkout.transactionId, checkoutId: event.checkout.id, matchId: event.checkout.matchId }
      : {
          transactionId: event.payment.transactionId,
          matchId: event.payment.checkoutMatchId,
          paymentId: event.payment.id,
        };
  const checkout = await findCheckout(flow.ctx.store.sql, practiceId, refs);
  if (!checkout) return 'ignored';
  if (event.type === 'CHECKOUT_UPDATED')
    return applyCheckoutState(flow, checkout.transactionId, practiceId, event.checkout, event.eventId);
  const payment = event.payment;
  if (payment.status === 'SUCCEEDED' && payment.amountReceived > 0) {
    // A payment that carries refunds (Stripe `charge.refunded`, a Square payment with `refunded_money`)
    // is paid first (a no-op when known), then its refunded total is applied under the event's id.
    const refunded = (payment.amountRefunded ?? 0) > 0;
    const result = await paid(
      flow,
      practiceId,
      checkout.transactionId,
      { paymentId: payment.id, amountPaid: payment.amountReceived },
      refunded ? null : event.eventId,
    );
    if (!refunded || result === 'ignored') return result;
    return applyRefundedTotal(flow, practiceId, checkout.transactionId, payment, event.eventId);
  }
  // A decline or a payment still settling: remember the id only.
  const fresh = await recordProcessorEvent(flow.ctx.store.sql, practiceId, event.eventId, flow.ctx.now());
  return fresh ? 'ignored' : 'duplicate';
}

/**
 * A refund changed at the processor (Square `refund.*`): once it is final, the payment's refunded
 * total is read back and applied (a refund made in the dashboard becomes a REFUND transaction; one
 * the gateway made is already counted). Pending and failed refunds change nothing.
 */
async function refundUpdated(
  flow: CollectionContext,
  practiceId: string,
  event: ProcessorEvent & { type: 'REFUND_UPDATED' },
): Promise<SignalResult> {
  const checkout = await findCheckout(flow.ctx.store.sql, practiceId, { paymentId: event.refund.paymentId });
  const processor = flow.practices.get(practiceId)?.processor;
  if (!checkout || !processor || checkout.paymentId !== event.refund.paymentId) return 'ignored';
  // One of ours, settling: its job reads the refund and posts it once final (`refund.ts`).
  const settling = event.refund.status !== 'PENDING' ? await settlingRefundOf(flow.ctx.store.sql, event.refund.id) : null;
  if (settling) wakeRefund(flow, practiceId, settling);
  if (event.refund.status !== 'SUCCEEDED') {
    const fresh = await recordProcessorEvent(flow.ctx.store.sql, practiceId, event.eventId, flow.ctx.now());
    return fresh ? 'ignored' : 'duplicate';
  }
  if (await processorEventSeen(flow.ctx.store.sql, practiceId, event.eventId)) return 'duplicate';
  // Read-only, before the 2xx: a failure answers non-2xx and the processor delivers again.
  const payment = await processor.adapter.getPayment(event.refund.paymentId);
  return applyRefundedTotal(flow, practiceId, checkout.transactionId, payment, event.eventId);
}

/** A checkout as the processor holds it (an event's snapshot or a read-back), applied. */
export async function applyCheckoutState(
  flow: CollectionContext,
  transactionId: string,
  practiceId: string,
  record: CheckoutRecord,
  eventId: string | null,
): Promise<SignalResult> {
  if (record.status === 'PAID' && record.paymentId) {
    return paid(flow, practiceId, transactionId, { paymentId: record.paymentId, amountPaid: record.amountPaid }, eventId);
  }
  if (record.status === 'EXPIRED' || record.status === 'CANCELED' || record.status === 'FAILED') {
    // An async payment that failed to settle closes the page (Stripe: the session is complete, unpaid).
    const why = record.status === 'FAILED' ? 'the payment failed to settle' : null;
    return closed(flow, practiceId, transactionId, record.status === 'CANCELED' ? 'CANCELED' : 'EXPIRED', eventId, why);
  }
  if (eventId) {
    const fresh = await recordProcessorEvent(flow.ctx.store.sql, practiceId, eventId, flow.ctx.now());
    if (!fresh) return 'duplicate';
  }
  return 'ignored';
}

/** Paid: OPEN → PAID with the payment id (once), then the job moves the row and posts. */
export async function paid(
  flow: CollectionContext,
  practiceId: string,
  transactionId: string,
  payment: { paymentId: string; amountPaid: number },
  eventId: string | null,
): Promise<SignalResult> {
  const { ctx } = flow;
  const now = ctx.now();
  const result = await ctx.store.sql.transaction(async (tx) => {
    if (eventId && !(await recordProcessorEvent(tx, practiceId, eventId, now))) return 'duplicate' as const;
    // The payment id is the posting's key: a payment another transaction posts is never this one's.
    const owner = await postingKeyOwner(tx, practiceId, paymentKey(payment.paymentId));
    if (owner && owner !== transactionId) {
      ctx.log.warn('a payment already posted by another transaction was ignored', {
        transactionId,
        postedBy: owner,
        paymentId: payment.paymentId,
      });
      return 'ignored' as const;
    }
    const marked = await markPaid(tx, transactionId, payment, now);
    if (!marked) {
      // Another payment for a checkout already paid: never posted (one page, one payment); logged for staff.
      ctx.log.warn('a second payment for a paid checkout was ignored', { transactionId, paymentId: payment.paymentId });
      return 'ignored' as const;
    }
    await claimPostingKey(tx, practiceId, paymentKey(payment.paymentId), transactionId, now);
    return marked.newly ? ('applied' as const) : ('duplicate' as const);
  });
  if (result === 'applied') {
    ctx.log.info('checkout paid', { practiceId, transactionId, paymentId: payment.paymentId, amount: payment.amountPaid });
    await announce(flow, transactionId);
  }
  // Also for a duplicate of this payment: a crash after the first one's write may have left the
  // posting undone. (A repeated event that was ignored the first time wakes nothing.)
  const mine = result === 'applied' || (await getCheckout(ctx.store.sql, transactionId))?.paymentId === payment.paymentId;
  if (result !== 'ignored' && mine) await kick(flow, practiceId, transactionId);
  return result;
}

/** Expired or canceled before payment: OPEN → EXPIRED/CANCELED, then the job fails the transaction. */
export async function closed(
  flow: CollectionContext,
  practiceId: string,
  transactionId: string,
  status: 'EXPIRED' | 'CANCELED',
  eventId: string | null,
  reason: string | null = null,
): Promise<SignalResult> {
  const { ctx } = flow;
  const now = ctx.now();
  const result = await ctx.store.sql.transaction(async (tx) => {
    if (eventId && !(await recordProcessorEvent(tx, practiceId, eventId, now))) return 'duplicate' as const;
    return (await markClosed(tx, transactionId, status, now, reason)) ? ('applied' as const) : ('ignored' as const);
  });
  if (result === 'applied') await kick(flow, practiceId, transactionId);
  return result;
}
