/**
 * Submitting a PENDING ledger write: claim it (one attempt, counted durably before the upstream
 * call), make sure an earlier attempt did not land already, post it with `adapter.submitWrite`, and
 * store what came back. Unavailability is retried later; a refusal fails the write; a write never
 * goes up twice under one id unless a look-up said the upstream has nothing under it.
 *
 *     await submitIfDue(ctx, 'LG:1042');   // no-op unless the row is PENDING, due, and ours to claim
 */
import { UpstreamError, type LedgerAdapter, type OutgoingLedgerWrite, type WriteOutcome } from '../adapters/ledger/port';
import { errorText, toTransactionRow, type WritePathContext } from './context';
import { HOUR } from './options';
import type { StoredTransaction } from './store';
import { lookUpUpstream } from './upstream-lookup';

/** An adapter that takes ledger writes. */
type WriteAdapter = LedgerAdapter & Required<Pick<LedgerAdapter, 'submitWrite'>>;

function takesWrites(adapter: LedgerAdapter | undefined): adapter is WriteAdapter {
  return typeof adapter?.submitWrite === 'function';
}

/** Claim the write if it is due and nobody else holds it, then submit it. */
export async function submitIfDue(ctx: WritePathContext, transactionId: string): Promise<void> {
  const claimed = await ctx.store.claimSubmit(transactionId, ctx.now(), ctx.later(ctx.options.submitLeaseMs));
  if (claimed) await submitClaimed(ctx, claimed);
}

/** Submit a claimed PENDING ledger write (its `attempts` already counts this attempt). */
async function submitClaimed(ctx: WritePathContext, row: StoredTransaction): Promise<void> {
  if (row.request.kind === 'COLLECTION') return;
  const adapter = ctx.adapters(row.practiceId);
  if (!takesWrites(adapter)) {
    await retryLater(ctx, row, `no ledger-write adapter for practice ${row.practiceId}`);
    return;
  }
  const attemptedBefore = row.attempts > 1;
  if (attemptedBefore && (await settledByEarlierAttempt(ctx, row))) return;
  if (ctx.now().getTime() - Date.parse(row.createdAt) >= ctx.options.submitDeadlineMs) {
    await ctx.move(row, 'FAILED', {
      failureReason:
        `the upstream could not be reached for ${Math.round(ctx.options.submitDeadlineMs / HOUR)} h ` +
        `(${row.attempts - 1} attempts; last error: ${row.lastError ?? 'none'})`,
    });
    return;
  }
  const write: OutgoingLedgerWrite = { ...row.request.write, transactionId: row.transactionId };
  await post(ctx, row, adapter, write, attemptedBefore);
}

/**
 * Never post twice: an earlier attempt may have landed (a crash or a timeout after the upstream
 * accepted it). Ask first, and settle the row from the answer; `true` when it was settled (or must
 * wait) and nothing may be posted now. A failed look-up means "do not know": do not post either.
 */
async function settledByEarlierAttempt(ctx: WritePathContext, row: StoredTransaction): Promise<boolean> {
  const found = await lookUpUpstream(ctx, row);
  switch (found.answer) {
    case 'absent':
      return false;
    case 'unknown':
      await retryLater(ctx, row, `look-up before re-posting failed: ${errorText(found.error)}`);
      return true;
    case 'foreign':
      // Not ours (or not all landed yet): never complete with them, never re-post under the id.
      ctx.log.warn('rows under this transaction id are not this write; polling instead of re-posting', {
        transactionId: row.transactionId,
        why: found.why,
      });
      await ctx.move(row, 'SUBMITTED', {});
      return true;
    case 'landed':
      ctx.log.info('an earlier attempt had landed; completing without re-posting', { transactionId: row.transactionId });
      await ctx.move(row, 'COMPLETED', { records: found.records });
      return true;
  }
}

/** Send the write and store the outcome, or decide what the error means for it. */
async function post(
  ctx: WritePathContext,
  row: StoredTransaction,
  adapter: WriteAdapter,
  write: OutgoingLedgerWrite,
  attemptedBefore: boolean,
): Promise<void> {
  let outcome: WriteOutcome;
  try {
    outcome = await adapter.submitWrite(write);
  } catch (error) {
    await onSubmitError(ctx, row, error, attemptedBefore);
    return;
  }
  await ctx.hooks.afterUpstream?.(toTransactionRow(row), outcome);
  await applyOutcome(ctx, row, outcome);
}

/**
 * A refusal fails the write, except "this id is already used" after an earlier attempt: that is
 * our own write in the upstream's pipeline. Anything else (unavailable, a timeout, a bug) may or
 * may not have reached the upstream: retry later, and the retry looks up first.
 */
async function onSubmitError(ctx: WritePathContext, row: StoredTransaction, error: unknown, attemptedBefore: boolean): Promise<void> {
  if (!(error instanceof UpstreamError) || error.code === 'UPSTREAM_UNAVAILABLE') {
    await retryLater(ctx, row, errorText(error));
    return;
  }
  if (attemptedBefore && error.reason === 'TRANSACTION_ID_USED') {
    // Our earlier attempt is in the upstream's pipeline; its rows will come by webhook or poll.
    ctx.log.info('the upstream already has this transaction id; waiting for it to land', { transactionId: row.transactionId });
    await ctx.move(row, 'SUBMITTED', {});
    return;
  }
  await ctx.move(row, 'FAILED', { failureReason: error.message || 'the upstream rejected the write' });
}

/** Store the upstream's answer to a write (or a collection). */
export async function applyOutcome(ctx: WritePathContext, row: StoredTransaction, outcome: WriteOutcome): Promise<void> {
  switch (outcome.state) {
    case 'SUBMITTED':
      await ctx.move(row, 'SUBMITTED', {});
      return;
    case 'COMPLETED':
      await ctx.move(row, 'COMPLETED', { records: outcome.records, receiptId: outcome.receiptId ?? null });
      return;
    case 'FAILED':
      await ctx.move(row, 'FAILED', { failureReason: outcome.reason || 'the upstream refused the write' });
      return;
  }
}

/** Leave the row PENDING for another attempt after the next delay of `submitRetryDelaysMs`. */
async function retryLater(ctx: WritePathContext, row: StoredTransaction, reason: string): Promise<void> {
  const delays = ctx.options.submitRetryDelaysMs;
  const delay = delays[Math.min(Math.max(row.attempts - 1, 0), delays.length - 1)] ?? 0;
  await ctx.store.deferSubmit(row.transactionId, ctx.later(delay), reason);
  ctx.log.warn('submit deferred; will retry', {
    practiceId: row.practiceId,
    transactionId: row.transactionId,
    attempts: row.attempts,
    retryInMs: delay,
    reason,
  });
}
