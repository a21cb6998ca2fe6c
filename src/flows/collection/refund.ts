/**
 * Refunds of a paid checkout: a REFUND transaction (amount positive: a refund raises the balance),
 * linked to the checkout's transaction (`refundOf`). The processor's refund comes first (key
 * `<refundId>:refund:1`, so a retry replays it), then the ledger posting, a positive payment of the
 * checkout's payment type (the ledger adapter writes it as an adjustment where
 * `refundsBecomeAdjustments`, NexHealth on Dentrix). Σ refunds not refused ≤ amount paid, checked
 * in the insert's SQL transaction (`refund-store.ts`).
 *
 * | refund | transaction | the `collection.refund` job does |
 * | --- | --- | --- |
 * | NOT_SENT | PENDING | `processor.refund`: given back → REFUNDED; still pending (Square) → SETTLING; refused → REFUSED + FAILED; unavailable → retry |
 * | SETTLING | PENDING | `processor.getRefund` (woken by the processor's refund event, else every `watchIntervalMs`): final → REFUNDED or REFUSED + FAILED |
 * | REFUNDED, posting NOT_SENT | PENDING | post to the ledger (`submitWrite`): SENT, SUBMITTED / COMPLETED; refused → REFUSED, SUBMITTED + attention |
 * | REFUNDED, posting REFUSED | SUBMITTED | nothing until `retryPosting` (`retryRefundPosting`): NOT_SENT again, posted once more |
 *
 * A refund made in the processor's dashboard starts REFUNDED (`dashboard-refund.ts`). The posting's
 * key is the processor's refund id (`posting-keys.ts`).
 */
import { UpstreamError, type LedgerAdapter, type OutgoingLedgerWrite } from '../../adapters/ledger/port';
import type { JobOutcome } from '../../jobs/types';
import { formatCents } from '../../ledger/money';
import { CircuitOpenError } from '../../resilience';
import { errorText, toTransactionRow } from '../../transactions/context';
import { TransactionInputError } from '../../transactions/errors';
import { isTerminal, type TransactionRow } from '../../transactions/types';
import { rowFrom, TABLE } from '../../transactions/transaction-rows';
import { lookUpUpstream } from '../../transactions/upstream-lookup';
import { deferUntil } from '../../transactions/write-path-jobs';
import type { StoredTransaction } from '../../transactions/store';
import { getCheckout, type CheckoutRow } from './checkout-store';
import { retryDelay, type CollectionContext } from './context';
import { claimPostingKey, refundKey } from './posting-keys';
import { getRefund, insertRefund, markRefundSettling, setRefundPostState, settleRefund, type RefundRow } from './refund-store';

export interface CreateRefundCommand {
  practiceId: string;
  /** The COLLECTION transaction whose checkout is refunded. */
  transactionId: string;
  /** Positive cents. */
  amount: number;
  reason: string | null;
  idempotencyKey: string;
  fingerprint: string;
}

/** Store the PENDING REFUND, its refund row and its job together, then run the job once inline. */
export async function createRefund(flow: CollectionContext, command: CreateRefundCommand): Promise<TransactionRow> {
  const { ctx } = flow;
  const checkout = await getCheckout(ctx.store.sql, command.transactionId);
  const original = await ctx.store.get(command.practiceId, command.transactionId);
  if (!checkout || !original) throw new UpstreamError('unreachable', 'NOT_FOUND');
  let jobId: string | null = null;
  const now = ctx.now();
  const { row, created } = await ctx.store.createTransaction({
    practiceId: command.practiceId,
    idempotencyKey: command.idempotencyKey,
    fingerprint: command.fingerprint,
    transactionIdPrefix: ctx.options.transactionIdPrefix,
    kind: 'REFUND',
    amount: command.amount,
    currency: checkout.currency,
    patientSourceId: original.patientSourceId,
    request: { kind: 'REFUND', refund: { of: command.transactionId } },
    now,
    afterInsert: async (tx, inserted) => {
      await insertRefund(tx, {
        transactionId: inserted.transactionId,
        refundOf: command.transactionId,
        amount: command.amount,
        reason: command.reason,
        now,
      });
      const { job } = await ctx.jobs.enqueue(
        'collection.refund',
        { practiceId: command.practiceId, transactionId: inserted.transactionId },
        { singletonKey: inserted.transactionId, tx },
      );
      jobId = job.id;
    },
  });
  if (created) {
    await ctx.publish(row);
    if (jobId) await ctx.inFlight.track(() => ctx.jobs.run(jobId!));
  }
  const after = await ctx.store.findById(row.transactionId);
  return toTransactionRow(after ?? row);
}

function unavailable(flow: CollectionContext, error: unknown, what: string): JobOutcome {
  const { ctx } = flow;
  if (error instanceof CircuitOpenError) return deferUntil(ctx, ctx.later(error.retryInMs), `${what}: circuit open`);
  return { retryAt: ctx.later(retryDelay(flow, 1)), reason: `${what}: ${errorText(error)}` };
}

const isRefusal = (error: unknown): error is UpstreamError =>
  error instanceof UpstreamError && !(error instanceof CircuitOpenError) && error.code !== 'UPSTREAM_UNAVAILABLE';

export async function refundJob(flow: CollectionContext, transactionId: string): Promise<JobOutcome> {
  const { ctx } = flow;
  const row = await ctx.store.findById(transactionId);
  let refund = await getRefund(ctx.store.sql, transactionId);
  const checkout = refund ? await getCheckout(ctx.store.sql, refund.refundOf) : null;
  if (!row || !refund || !checkout || isTerminal(row.status)) return 'done';
  // PENDING: not yet posted; SUBMITTED: posted (nothing to do) unless `retryPosting` reopened a refused posting.
  const reopened = row.status === 'SUBMITTED' && refund.state === 'REFUNDED' && refund.postState === 'NOT_SENT';
  if (row.status !== 'PENDING' && !reopened) return 'done';
  if (refund.state === 'NOT_SENT' || refund.state === 'SETTLING') {
    const processor = flow.practices.get(row.practiceId)?.processor;
    if (!processor || !checkout.paymentId)
      return deferUntil(ctx, ctx.later(flow.watchIntervalMs), 'the practice has no processor configured');
    try {
      // SETTLING: asked already; read where it stands (never ask twice: the key would replay anyway).
      const given =
        refund.state === 'SETTLING' && refund.processorRefundId
          ? await processor.adapter.getRefund(refund.processorRefundId)
          : await processor.adapter.refund({
              transactionId,
              paymentId: checkout.paymentId,
              amount: refund.amount,
              currency: checkout.currency,
              reason: refund.reason,
              idempotencyKey: `${transactionId}:refund:1`,
            });
      if (given.status === 'FAILED')
        throw new UpstreamError(given.failureReason ?? 'the processor failed the refund', 'UPSTREAM_REJECTED');
      const refundId = given.id;
      if (given.status === 'PENDING') {
        // Not given back yet (Square settles refunds later): the ledger hears of it only once final.
        await ctx.store.sql.transaction(async (tx) => {
          await markRefundSettling(tx, transactionId, refundId);
          await claimPostingKey(tx, row.practiceId, refundKey(refundId), transactionId, ctx.now());
        });
        // The processor's `refund.updated` wakes this job (`signals.ts`); the read-back is the safety net.
        return deferUntil(ctx, ctx.later(flow.watchIntervalMs), `refund ${refundId} is still settling at the processor`);
      }
      await ctx.store.sql.transaction(async (tx) => {
        await settleRefund(tx, refund!, { state: 'REFUNDED', processorRefundId: refundId }, ctx.now());
        // The processor's refund id is the posting's key (`posting-keys.ts`).
        await claimPostingKey(tx, row.practiceId, refundKey(refundId), transactionId, ctx.now());
      });
    } catch (error) {
      if (!isRefusal(error)) return unavailable(flow, error, 'the processor refund failed');
      await ctx.store.sql.transaction((tx) => settleRefund(tx, refund!, { state: 'REFUSED' }, ctx.now()));
      await ctx.move(row, 'FAILED', {
        failureReason: `the processor refused the refund; nothing was given back: ${error.message}`,
      });
      return 'done';
    }
    refund = (await getRefund(ctx.store.sql, transactionId)) ?? refund;
  }
  if (refund.postState !== 'NOT_SENT') return 'done';
  const adapter = ctx.adapters(row.practiceId);
  if (typeof adapter?.submitWrite !== 'function') return 'done';
  const write: OutgoingLedgerWrite = {
    kind: 'PAYMENT',
    transactionId,
    patientSourceId: row.patientSourceId,
    amount: refund.amount,
    currency: checkout.currency,
    typeSourceId: checkout.paymentTypeId,
    providerSplits: null,
    chargeSplits: null,
    notes: `${checkout.processor} refund ${refund.processorRefundId ?? '(made at the processor)'} of ${checkout.paymentId}`,
    occurredAt: ctx.now().toISOString(),
  };
  // Counted before the call: a crash mid-call makes the next run look the refund up before posting.
  const { rows } = await ctx.store.sql.query<Record<string, unknown>>(
    `UPDATE ${TABLE} SET attempts = attempts + 1 WHERE transaction_id = $1 AND status IN ('PENDING', 'SUBMITTED') RETURNING *`,
    [transactionId],
  );
  if (!rows[0]) return 'done';
  const claimed = rowFrom(rows[0]);
  if (claimed.attempts > 1) {
    const found = await lookUpUpstream(ctx, claimed);
    if (found.answer === 'landed') {
      await setRefundPostState(ctx.store.sql, transactionId, ['NOT_SENT'], 'SENT');
      await ctx.move(claimed, 'COMPLETED', { records: found.records });
      return 'done';
    }
    if (found.answer === 'unknown') return unavailable(flow, found.error, 'look-up before re-posting the refund failed');
    if (found.answer === 'foreign')
      return refuseRefund(flow, claimed, refund, checkout, `rows under this transaction id are not this refund (${found.why})`);
  }
  try {
    const outcome = await (adapter as Required<Pick<LedgerAdapter, 'submitWrite'>>).submitWrite(write);
    if (outcome.state === 'FAILED') throw new UpstreamError(outcome.reason, 'UPSTREAM_REJECTED');
    await setRefundPostState(ctx.store.sql, transactionId, ['NOT_SENT'], 'SENT');
    if (outcome.state === 'COMPLETED')
      await ctx.move(claimed, 'COMPLETED', { records: outcome.records, receiptId: outcome.receiptId ?? null });
    else if (claimed.status === 'PENDING') await ctx.move(claimed, 'SUBMITTED', {});
  } catch (error) {
    if (error instanceof UpstreamError && error.reason === 'TRANSACTION_ID_USED' && claimed.attempts > 1) {
      // An earlier attempt is in the ledger's pipeline: its rows come by webhook or poll.
      await setRefundPostState(ctx.store.sql, transactionId, ['NOT_SENT'], 'SENT');
      if (claimed.status === 'PENDING') await ctx.move(claimed, 'SUBMITTED', {});
      return 'done';
    }
    if (!isRefusal(error)) return unavailable(flow, error, 'posting the refund failed');
    return refuseRefund(flow, claimed, refund, checkout, error.message);
  }
  return 'done';
}

/** The ledger refused the refund's posting: SUBMITTED with `attention` until a person acts or `retryPosting` sends it again. */
async function refuseRefund(
  flow: CollectionContext,
  row: StoredTransaction,
  refund: RefundRow,
  checkout: CheckoutRow,
  reason: string,
): Promise<JobOutcome> {
  const { ctx } = flow;
  await setRefundPostState(ctx.store.sql, row.transactionId, ['NOT_SENT'], 'REFUSED');
  const attention =
    `refunded ${formatCents(refund.amount)} ${checkout.currency} through ${checkout.processor} ` +
    `(refund ${refund.processorRefundId ?? 'made at the processor'}), the ledger refused: ${reason}; post it by hand`;
  if (row.status === 'PENDING') {
    const moved = await ctx.move(row, 'SUBMITTED', { attention });
    if (moved) return 'done';
  }
  const updated = await ctx.store.setAttention(row.transactionId, attention, ctx.now());
  if (updated) await ctx.publish(updated);
  return 'done';
}

/**
 * `retryPosting` of a REFUND whose ledger posting was refused: clears the attention, reopens the
 * posting (REFUSED → NOT_SENT) with its job in one SQL transaction, and runs the job once inline; it
 * looks the refund up in the ledger before posting again. Anything else (posted, in flight, never
 * refused, FAILED at the processor) is refused with why: nothing to retry.
 */
export async function retryRefundPosting(flow: CollectionContext, practiceId: string, transactionId: string): Promise<void> {
  const { ctx } = flow;
  const row = await ctx.store.get(practiceId, transactionId);
  const refund = row ? await getRefund(ctx.store.sql, transactionId) : null;
  if (!row || !refund) throw new TransactionInputError(`no refund transaction "${transactionId}" at practice "${practiceId}"`);
  if (row.status !== 'SUBMITTED' || refund.postState !== 'REFUSED') {
    const posting =
      refund.postState === 'SENT' ? 'already sent to the ledger' : `not refused (${refund.postState.toLowerCase()})`;
    throw new TransactionInputError(
      `the posting of refund ${transactionId} was not refused by the ledger (status ${row.status}, posting ${posting}): nothing to retry`,
    );
  }
  const reopened = await ctx.store.sql.transaction(async (tx) => {
    if (!(await setRefundPostState(tx, transactionId, ['REFUSED'], 'NOT_SENT'))) return false;
    // The refusal's attention goes with the retry; a new refusal sets it again.
    await tx.query(
      `UPDATE ${TABLE} SET attention = NULL, attention_since = NULL WHERE transaction_id = $1 AND status = 'SUBMITTED'`,
      [transactionId],
    );
    await ctx.jobs.enqueue('collection.refund', { practiceId, transactionId }, { singletonKey: transactionId, tx });
    return true;
  });
  if (!reopened) throw new TransactionInputError(`the posting of refund ${transactionId} is being retried already`);
  const { job } = await ctx.jobs.enqueue('collection.refund', { practiceId, transactionId }, { singletonKey: transactionId });
  await ctx.inFlight.track(() => ctx.jobs.run(job.id));
}
