/**
 * The `collection.advance` job: one per checkout transaction (singleton key = its id), enqueued with
 * the PENDING row (outbox) and re-run by every signal. It reads where the rows stand and does the
 * one next thing, so a crash anywhere is finished by its next run:
 *
 * | checkout | transaction | does |
 * | --- | --- | --- |
 * | OPEN, not opened upstream | PENDING | open it at the processor (key `<id>:checkout:1`), then watch |
 * | OPEN | PENDING | read it back every `watchIntervalMs` (a missed webhook); at `expiresAt` cancel it where the processor does not expire it |
 * | EXPIRED / CANCELED | PENDING | FAILED ("expired/canceled before payment") |
 * | PAID, posting NOT_SENT | PENDING / SUBMITTED | SUBMITTED, then post the payment to the ledger once |
 * | PAID, posting SENT / REFUSED | SUBMITTED | nothing: the ledger's webhook or `ledger.poll` finishes it; a refusal waits for a person |
 *
 * Posting once: the row's `attempts` is counted before the call (as `ledger.submit` does); a later
 * attempt looks the transaction up first and posts only when the ledger has nothing under its id.
 */
import { CircuitOpenError } from '../../resilience';
import { UpstreamError, type LedgerAdapter, type OutgoingLedgerWrite, type WriteOutcome } from '../../adapters/ledger/port';
import type { ProcessorAdapter } from '../../adapters/processor/port';
import type { JobOutcome } from '../../jobs/types';
import { formatCents } from '../../ledger/money';
import { errorText, toTransactionRow } from '../../transactions/context';
import type { StoredTransaction } from '../../transactions/store';
import { rowFrom, TABLE } from '../../transactions/transaction-rows';
import { isTerminal } from '../../transactions/types';
import { lookUpUpstream } from '../../transactions/upstream-lookup';
import { deferUntil } from '../../transactions/write-path-jobs';
import type { PracticeProcessor } from '../../practices';
import { claimOpenAttempt, getCheckout, recordOpened, setPostState, type CheckoutRow } from './checkout-store';
import { retryDelay, type CollectionContext } from './context';
import { chargeSplitsOf } from '../../ledger/checkout-lines';
import { payPageKey, payPageUrl, payToken } from './pay-token';
import { claimPostingKey, paymentKey } from './posting-keys';
import { applyCheckoutState } from './signals';

/** The idempotency key of the one checkout a transaction opens (the port's `<transactionId>:<op>:<attempt>`). */
export function checkoutKey(transactionId: string): string {
  return `${transactionId}:checkout:1`;
}

export async function advanceJob(flow: CollectionContext, transactionId: string): Promise<JobOutcome> {
  const { ctx } = flow;
  const row = await ctx.store.findById(transactionId);
  const checkout = await getCheckout(ctx.store.sql, transactionId);
  if (!row || !checkout || isTerminal(row.status)) return 'done';
  if (checkout.status === 'PAID') return postPaid(flow, row, checkout);
  if (checkout.status === 'EXPIRED' || checkout.status === 'CANCELED') {
    const what = checkout.status === 'EXPIRED' ? 'expired' : 'was canceled';
    const failureReason = checkout.closeReason
      ? `${checkout.closeReason}; nothing was collected`
      : `the checkout ${what} before it was paid; nothing was collected`;
    await ctx.move(row, 'FAILED', { failureReason });
    return 'done';
  }
  const processor = flow.practices.get(row.practiceId)?.processor;
  if (!processor) return deferUntil(ctx, ctx.later(flow.watchIntervalMs), 'the practice has no processor configured');
  if (!checkout.checkoutId) return openAtProcessor(flow, row, checkout, processor);
  return watchOpen(flow, row, checkout, processor.adapter);
}

/** The next read-back: after `watchIntervalMs`, or at `expiresAt` if sooner. */
function watchAgain(flow: CollectionContext, checkout: CheckoutRow, reason: string): JobOutcome {
  const { ctx } = flow;
  const next = Math.min(ctx.later(flow.watchIntervalMs).getTime(), Date.parse(checkout.expiresAt));
  return deferUntil(ctx, new Date(next), reason);
}

/** Unavailability (or a bug) at the processor or the ledger: try again later; an open circuit costs no attempt. */
function retryAfter(flow: CollectionContext, error: unknown, attempt: number, what: string): JobOutcome {
  const { ctx } = flow;
  if (error instanceof CircuitOpenError) return deferUntil(ctx, ctx.later(error.retryInMs), `${what}: circuit open`);
  return { retryAt: ctx.later(retryDelay(flow, attempt)), reason: `${what}: ${errorText(error)}` };
}

function isRefusal(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError && !(error instanceof CircuitOpenError) && error.code !== 'UPSTREAM_UNAVAILABLE';
}

async function openAtProcessor(
  flow: CollectionContext,
  row: StoredTransaction,
  checkout: CheckoutRow,
  processor: PracticeProcessor,
): Promise<JobOutcome> {
  const { ctx } = flow;
  const practice = flow.practices.get(row.practiceId);
  const attempt = await claimOpenAttempt(ctx.store.sql, row.transactionId, ctx.now());
  const page = payPageUrl(flow.publicUrl(), payToken(await payPageKey(ctx.store.sql, ctx.now()), row.transactionId));
  let opened: Awaited<ReturnType<ProcessorAdapter['createCheckout']>>;
  try {
    opened = await processor.adapter.createCheckout({
      transactionId: row.transactionId,
      practiceId: row.practiceId,
      patientSourceId: row.patientSourceId,
      // The practice's name only: nothing about the care reaches the processor.
      title: `Balance at ${practice?.name ?? row.practiceId}`.slice(0, 255),
      amount: checkout.total,
      currency: checkout.currency,
      expiresAt: checkout.expiresAt,
      returnUrl: checkout.returnUrl ?? page,
      cancelUrl: null,
      payerEmail: null,
      payerPhone: null,
      // One intended effect, one key: a retry after a lost answer replays the first checkout.
      idempotencyKey: checkoutKey(row.transactionId),
    });
  } catch (error) {
    if (isRefusal(error)) {
      await ctx.move(row, 'FAILED', { failureReason: `the processor refused the checkout: ${error.message}` });
      return 'done';
    }
    return retryAfter(flow, error, attempt, 'opening the checkout failed');
  }
  const updated = await recordOpened(
    ctx.store.sql,
    row.transactionId,
    { checkoutId: opened.id, matchId: opened.matchId, url: opened.url },
    ctx.now(),
  );
  await ctx.publish(row);
  ctx.log.info('checkout opened', { practiceId: row.practiceId, transactionId: row.transactionId, processor: processor.name });
  return watchAgain(flow, updated ?? checkout, 'watching the open checkout');
}

async function watchOpen(
  flow: CollectionContext,
  row: StoredTransaction,
  checkout: CheckoutRow,
  processor: ProcessorAdapter,
): Promise<JobOutcome> {
  const { ctx } = flow;
  const checkoutId = checkout.checkoutId!;
  const due = ctx.now().getTime() >= Date.parse(checkout.expiresAt);
  let record: Awaited<ReturnType<ProcessorAdapter['getCheckout']>>;
  try {
    record =
      due && !processor.capabilities.checkoutExpiry
        ? await processor.cancelCheckout({ checkoutId, idempotencyKey: `${row.transactionId}:cancel:1` })
        : await processor.getCheckout(checkoutId);
  } catch (error) {
    return retryAfter(flow, error, 1, 'reading the checkout back failed');
  }
  // A checkout we cancelled at its expiry is an expiry to the patient.
  const seen = due && record.status === 'CANCELED' ? { ...record, status: 'EXPIRED' as const } : record;
  await applyCheckoutState(flow, row.transactionId, row.practiceId, seen, null);
  const after = await getCheckout(ctx.store.sql, row.transactionId);
  if (after && after.status !== 'OPEN') return advanceJob(flow, row.transactionId);
  if (due) return deferUntil(ctx, ctx.later(flow.watchIntervalMs), 'past its expiry, waiting for the processor to close it');
  return watchAgain(flow, checkout, 'watching the open checkout');
}

/** The ledger write a paid checkout posts: a payment of what was collected, split by charge when it paid charges in full. */
export function postingOf(row: StoredTransaction, checkout: CheckoutRow): OutgoingLedgerWrite {
  return {
    kind: 'PAYMENT',
    transactionId: row.transactionId,
    patientSourceId: row.patientSourceId,
    amount: -checkout.amountPaid,
    currency: checkout.currency,
    typeSourceId: checkout.paymentTypeId,
    providerSplits: null,
    chargeSplits: checkout.amountPaid === checkout.total ? chargeSplitsOf(checkout.lines) : null,
    notes: `${checkout.processor} payment ${checkout.paymentId}`,
    occurredAt: checkout.paidAt ?? row.updatedAt,
  };
}

async function postPaid(flow: CollectionContext, current: StoredTransaction, checkout: CheckoutRow): Promise<JobOutcome> {
  const { ctx } = flow;
  let row = current;
  if (row.status === 'PENDING')
    row = (await ctx.move(row, 'SUBMITTED', {})) ?? (await ctx.store.findById(row.transactionId)) ?? row;
  if (row.status !== 'SUBMITTED' || checkout.postState !== 'NOT_SENT') return 'done';
  // The payment id is the posting's key: only the transaction that owns it posts (checked here as
  // well as when the checkout was marked paid, so no path can post a payment twice).
  const key = paymentKey(checkout.paymentId!);
  const owner = await claimPostingKey(ctx.store.sql, row.practiceId, key, row.transactionId, ctx.now());
  if (owner !== row.transactionId)
    return refuse(flow, row, checkout, `nothing posted: payment ${checkout.paymentId} is already posted by ${owner}`);
  const adapter = ctx.adapters(row.practiceId);
  if (typeof adapter?.submitWrite !== 'function') return refuse(flow, row, checkout, "the practice's ledger takes no writes");
  // Counted before the call: a crash mid-call makes the next run look before posting again.
  const { rows } = await ctx.store.sql.query<Record<string, unknown>>(
    `UPDATE ${TABLE} SET attempts = attempts + 1 WHERE transaction_id = $1 AND status = 'SUBMITTED' RETURNING *`,
    [row.transactionId],
  );
  if (!rows[0]) return 'done';
  const claimed = rowFrom(rows[0]);
  if (claimed.attempts > 1) {
    const found = await lookUpUpstream(ctx, claimed);
    if (found.answer === 'landed') {
      await setPostState(ctx.store.sql, row.transactionId, ['NOT_SENT'], 'SENT', ctx.now());
      await ctx.move(claimed, 'COMPLETED', { records: found.records });
      return 'done';
    }
    if (found.answer === 'foreign')
      return refuse(flow, claimed, checkout, `rows under this transaction id are not this payment (${found.why})`);
    if (found.answer === 'unknown') {
      await giveAttemptBack(flow, claimed);
      return retryAfter(flow, found.error, claimed.attempts, 'look-up before re-posting failed');
    }
  }
  return post(flow, claimed, checkout, adapter as LedgerAdapter & Required<Pick<LedgerAdapter, 'submitWrite'>>);
}

async function post(
  flow: CollectionContext,
  row: StoredTransaction,
  checkout: CheckoutRow,
  adapter: Required<Pick<LedgerAdapter, 'submitWrite'>>,
): Promise<JobOutcome> {
  const { ctx } = flow;
  let outcome: WriteOutcome;
  try {
    outcome = await adapter.submitWrite(postingOf(row, checkout));
  } catch (error) {
    if (error instanceof UpstreamError && error.reason === 'TRANSACTION_ID_USED' && row.attempts > 1) {
      // Our earlier attempt is in the ledger's pipeline: its rows come by webhook or poll.
      await setPostState(ctx.store.sql, row.transactionId, ['NOT_SENT'], 'SENT', ctx.now());
      return 'done';
    }
    if (isRefusal(error)) return refuse(flow, row, checkout, error.message);
    if (error instanceof CircuitOpenError) await giveAttemptBack(flow, row);
    return retryAfter(flow, error, row.attempts, 'posting to the ledger failed');
  }
  await ctx.hooks.afterUpstream?.(toTransactionRow(row), outcome);
  if (outcome.state === 'FAILED') return refuse(flow, row, checkout, outcome.reason);
  await setPostState(ctx.store.sql, row.transactionId, ['NOT_SENT'], 'SENT', ctx.now());
  if (outcome.state === 'COMPLETED') {
    await ctx.move(row, 'COMPLETED', { records: outcome.records, receiptId: outcome.receiptId ?? null });
  }
  // SUBMITTED: the ledger lands it later; its webhook or the `ledger.poll` job completes the row.
  return 'done';
}

/** An attempt that provably never reached the ledger is not counted. */
async function giveAttemptBack(flow: CollectionContext, row: StoredTransaction): Promise<void> {
  await flow.ctx.store.sql.query(`UPDATE ${TABLE} SET attempts = attempts - 1 WHERE transaction_id = $1 AND attempts > 0`, [
    row.transactionId,
  ]);
}

/**
 * The ledger refused the money the patient paid: never silent. The transaction stays SUBMITTED
 * (the checkout stays PAID) with `attention`, until a person posts it by hand, refunds it, or
 * `retryPosting` sends it again.
 */
async function refuse(
  flow: CollectionContext,
  row: StoredTransaction,
  checkout: CheckoutRow,
  reason: string,
): Promise<JobOutcome> {
  const { ctx } = flow;
  await setPostState(ctx.store.sql, row.transactionId, ['NOT_SENT'], 'REFUSED', ctx.now());
  const text =
    `collected ${formatCents(checkout.amountPaid)} ${checkout.currency} through ${checkout.processor} ` +
    `(payment ${checkout.paymentId}), the ledger refused: ${reason}; post it by hand or refund`;
  const updated = await ctx.store.setAttention(row.transactionId, text, ctx.now());
  ctx.log.warn('the ledger refused a paid checkout; attention set', {
    practiceId: row.practiceId,
    transactionId: row.transactionId,
  });
  if (updated) await ctx.publish(updated);
  return 'done';
}
