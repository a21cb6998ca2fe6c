/**
 * Refunds made at the processor, not through `refundTransaction` (a person in Stripe's or Square's
 * dashboard): the processor's word is a payment's cumulative refunded total (Stripe
 * `charge.refunded`; Square's payment `refunded_money`, read back on a final `refund.*` event, or
 * listed by the catch-up). What the gateway already knows is Σ of the checkout's refunds not refused
 * (those in flight count: their processor refund may be what raised the total). Any excess becomes a
 * REFUND transaction, already given back, whose `collection.refund` job posts it to the ledger.
 *
 * Once: the REFUND transaction's idempotency key and its posting key are both
 * `refunded:<payment id>:<cumulative cents>` (`posting-keys.ts`), and the excess is recomputed with
 * the checkout's row locked in the insert's SQL transaction, so a repeated, reordered or concurrent
 * event makes at most one REFUND per step of the total. Never more than was paid: the total is capped
 * at the amount paid (and the insert checks the sum again).
 */
import type { ProcessorPaymentRecord } from '../../adapters/processor/port';
import { getCheckout, recordProcessorEvent } from './checkout-store';
import type { CollectionContext } from './context';
import { unexplainedRefund } from '../../ledger/refundable';
import { claimPostingKey, refundedUpToKey } from './posting-keys';
import { insertProcessorRefund, refundedKnown } from './refund-store';
import type { SignalResult } from './signals';

/** The total moved while this event was applied: apply it again from the top. */
class StaleTotal extends Error {}

export async function applyRefundedTotal(
  flow: CollectionContext,
  practiceId: string,
  transactionId: string,
  payment: ProcessorPaymentRecord,
  eventId: string,
): Promise<SignalResult> {
  const { ctx } = flow;
  const { store } = ctx;
  for (let round = 0; round < 5; round++) {
    const checkout = await getCheckout(store.sql, transactionId);
    const original = await store.findById(transactionId);
    if (!checkout || !original || checkout.status !== 'PAID' || checkout.paymentId !== payment.id) return 'ignored';
    const { total, excess, overReported } = unexplainedRefund({
      reportedRefunded: payment.amountRefunded ?? 0,
      paid: checkout.amountPaid,
      known: await refundedKnown(store.sql, transactionId),
    });
    if (overReported) {
      ctx.log.warn('the processor reports more refunded than was paid; capped at the amount paid', {
        transactionId,
        paymentId: payment.id,
      });
    }
    if (excess <= 0) {
      // Ours already (a gateway refund, or one recorded before): remember the event only.
      const fresh = await recordProcessorEvent(store.sql, practiceId, eventId, ctx.now());
      return fresh ? 'ignored' : 'duplicate';
    }
    const key = refundedUpToKey(payment.id, total);
    const now = ctx.now();
    let jobId: string | null = null;
    try {
      const { row, created } = await store.createTransaction({
        practiceId,
        idempotencyKey: key,
        // The same step of the total is the same refund, whatever else the event carried.
        fingerprint: JSON.stringify({ processorRefund: key, of: transactionId }),
        transactionIdPrefix: ctx.options.transactionIdPrefix,
        kind: 'REFUND',
        amount: excess,
        currency: checkout.currency,
        patientSourceId: original.patientSourceId,
        request: { kind: 'REFUND', refund: { of: transactionId } },
        now,
        afterInsert: async (tx, inserted) => {
          // Under the checkout's lock: another refund may have been counted since the read above.
          const locked = unexplainedRefund({
            reportedRefunded: total,
            paid: checkout.amountPaid,
            known: await refundedKnown(tx, transactionId, { lock: true }),
          });
          if (locked.excess !== excess) throw new StaleTotal();
          await insertProcessorRefund(tx, {
            transactionId: inserted.transactionId,
            refundOf: transactionId,
            amount: excess,
            now,
          });
          await claimPostingKey(tx, practiceId, key, inserted.transactionId, now);
          await recordProcessorEvent(tx, practiceId, eventId, now);
          const { job } = await ctx.jobs.enqueue(
            'collection.refund',
            { practiceId, transactionId: inserted.transactionId },
            { singletonKey: inserted.transactionId, tx },
          );
          jobId = job.id;
        },
      });
      if (!created) return 'duplicate';
      ctx.log.info('a refund made at the processor recorded', {
        practiceId,
        transactionId: row.transactionId,
        refundOf: transactionId,
        amount: excess,
      });
      await ctx.publish(row);
      const id = jobId as string | null;
      if (id) {
        void ctx.inFlight.track(async () => {
          try {
            await ctx.jobs.run(id);
          } catch (error) {
            ctx.log.warn('refund job run failed; the queue will retry', {
              transactionId: row.transactionId,
              error: String(error),
            });
          }
        });
      }
      return 'applied';
    } catch (error) {
      if (!(error instanceof StaleTotal)) throw error;
    }
  }
  // Still moving after five rounds: answer non-2xx, the processor delivers again.
  throw new Error(`the refunds of ${transactionId} kept changing while a processor refund was applied`);
}
