/**
 * The `ledger.submit` job: claim the PENDING write (one attempt, counted durably on the row before
 * the upstream call), make sure an earlier attempt did not land already, post it with
 * `adapter.submitWrite`, and store what came back. The answer is the job's outcome:
 *
 * - settled (SUBMITTED, COMPLETED, FAILED, or no longer PENDING) → `'done'`;
 * - an open circuit breaker (`CircuitOpenError`, checked before any other unavailability) → defer
 *   until its next probe, **no attempt spent** (neither the job's nor the row's: nothing went up);
 * - other unavailability, or a failed look-up → retry after `submitRetryDelaysMs` (attempt spent);
 * - the row held by another attempt's lease (a crash, another instance) → defer until it runs out;
 * - past `submitDeadlineMs` (48 h) since creation: never attempted → FAILED (nothing went up);
 *   attempted before and not found → SUBMITTED with `attention`, looked up, never posted again.
 *
 * A refusal fails the write; a write never goes up twice under one id unless a look-up said the
 * upstream has nothing under it.
 *
 *     queue.define('ledger.submit', ({ job }) => submitJob(ctx, job.payload.transactionId));
 */
import { UpstreamError, type LedgerAdapter, type OutgoingLedgerWrite, type WriteOutcome } from '../adapters/ledger/port';
import type { JobOutcome } from '../jobs/types';
import { CircuitOpenError } from '../resilience/circuit-breaker';
import { NO_ANSWER_ATTENTION } from './attention';
import { errorText, toTransactionRow, type WritePathContext } from './context';
import { HOUR } from './options';
import type { StoredTransaction } from './store';
import { lookUpUpstream } from './upstream-lookup';
import { deferUntil } from './write-path-jobs';

/** An adapter that takes ledger writes. */
type WriteAdapter = LedgerAdapter & Required<Pick<LedgerAdapter, 'submitWrite'>>;

function takesWrites(adapter: LedgerAdapter | undefined): adapter is WriteAdapter {
  return typeof adapter?.submitWrite === 'function';
}

/** The `ledger.submit` handler: claim the write if it is due and nobody else holds it, then submit it. */
export async function submitJob(ctx: WritePathContext, transactionId: string): Promise<JobOutcome> {
  const claimed = await ctx.store.claimSubmit(transactionId, ctx.now(), ctx.later(ctx.options.submitLeaseMs));
  if (claimed) return submitClaimed(ctx, claimed);
  const row = await ctx.store.findById(transactionId);
  if (row?.status !== 'PENDING' || row.kind === 'COLLECTION') return 'done';
  // Another attempt's lease (a process that died mid-call, or another instance) or a retry time.
  const until = row.nextAttemptAt ? new Date(row.nextAttemptAt) : ctx.now();
  return deferUntil(ctx, until, `the write is held by an earlier attempt until ${until.toISOString()}`);
}

/** Submit a claimed PENDING ledger write (its `attempts` already counts this attempt). */
async function submitClaimed(ctx: WritePathContext, row: StoredTransaction): Promise<JobOutcome> {
  // Collections and checkout refunds are posted by their own flows, never by `ledger.submit`.
  if (row.request.kind === 'COLLECTION' || row.request.kind === 'REFUND') return 'done';
  const adapter = ctx.adapters(row.practiceId);
  if (!takesWrites(adapter)) {
    return retryLater(ctx, row, `no ledger-write adapter for practice ${row.practiceId}`);
  }
  const attemptedBefore = row.attempts > 1;
  const pastDeadline = ctx.now().getTime() - Date.parse(row.createdAt) >= ctx.options.submitDeadlineMs;
  if (attemptedBefore) {
    const settled = await settledByEarlierAttempt(ctx, row, pastDeadline);
    if (settled) return settled;
  }
  if (pastDeadline) {
    // Only here when no attempt was ever started (`attempts` counts claims that may have reached the
    // upstream; an open circuit gives its claim back): provably nothing went up, so FAILED is safe.
    await ctx.move(row, 'FAILED', {
      failureReason:
        `the upstream could not be reached for ${Math.round(ctx.options.submitDeadlineMs / HOUR)} h; nothing was sent ` +
        `(last error: ${row.lastError ?? 'none'})`,
    });
    return 'done';
  }
  const write: OutgoingLedgerWrite = { ...row.request.write, transactionId: row.transactionId };
  return post(ctx, row, adapter, write, attemptedBefore);
}

/**
 * Never post twice: an earlier attempt may have landed (a crash or a timeout after the upstream
 * accepted it). Ask first, and settle the row from the answer; the job's outcome when it was
 * settled (or must wait) and nothing may be posted now, `null` to post. A failed look-up means
 * "do not know": do not post either.
 */
async function settledByEarlierAttempt(
  ctx: WritePathContext,
  row: StoredTransaction,
  pastDeadline: boolean,
): Promise<JobOutcome | null> {
  const found = await lookUpUpstream(ctx, row);
  switch (found.answer) {
    case 'absent':
      return pastDeadline ? awaitEarlierAttempt(ctx, row) : null;
    case 'unknown':
      if (pastDeadline) return awaitEarlierAttempt(ctx, row);
      return retryLater(ctx, row, `look-up before re-posting failed: ${errorText(found.error)}`, found.error);
    case 'foreign':
      // Not ours (or not all landed yet): never complete with them, never re-post under the id.
      ctx.log.warn('rows under this transaction id are not this write; polling instead of re-posting', {
        transactionId: row.transactionId,
        why: found.why,
      });
      await ctx.move(row, 'SUBMITTED', {});
      return 'done';
    case 'landed':
      ctx.log.info('an earlier attempt had landed; completing without re-posting', { transactionId: row.transactionId });
      await ctx.move(row, 'COMPLETED', { records: found.records });
      return 'done';
  }
}

/**
 * Past `submitDeadlineMs` with an earlier attempt that may have reached the upstream (a timeout, no
 * answer): it may still land, even though nothing is there now (an asynchronous system's pipeline).
 * Never FAILED by the clock, and never posted again either (staff are about to be told to check the
 * ledger; a late post after they re-entered it would double it): SUBMITTED with `attention`, looked
 * up by the poll job on the attention calendar (`attention.ts`).
 */
async function awaitEarlierAttempt(ctx: WritePathContext, row: StoredTransaction): Promise<JobOutcome> {
  ctx.log.warn('submit deadline passed after an attempt that may have reached the upstream; waiting for it', {
    practiceId: row.practiceId,
    transactionId: row.transactionId,
    attempts: row.attempts - 1,
  });
  await ctx.move(row, 'SUBMITTED', { attention: NO_ANSWER_ATTENTION });
  return 'done';
}

/** Send the write and store the outcome, or decide what the error means for it. */
async function post(
  ctx: WritePathContext,
  row: StoredTransaction,
  adapter: WriteAdapter,
  write: OutgoingLedgerWrite,
  attemptedBefore: boolean,
): Promise<JobOutcome> {
  let outcome: WriteOutcome;
  try {
    outcome = await adapter.submitWrite(write);
  } catch (error) {
    return onSubmitError(ctx, row, error, attemptedBefore);
  }
  await ctx.hooks.afterUpstream?.(toTransactionRow(row), outcome);
  await applyOutcome(ctx, row, outcome);
  return 'done';
}

/**
 * A refusal fails the write, except "this id is already used" after an earlier attempt: that is
 * our own write in the upstream's pipeline. Anything else (unavailable, a timeout, a bug) may or
 * may not have reached the upstream: retry later, and the retry looks up first. An open circuit
 * (a `CircuitOpenError` is also an UPSTREAM_UNAVAILABLE `UpstreamError`, so it is tested first)
 * provably sent nothing: defer without spending an attempt.
 */
async function onSubmitError(
  ctx: WritePathContext,
  row: StoredTransaction,
  error: unknown,
  attemptedBefore: boolean,
): Promise<JobOutcome> {
  if (error instanceof CircuitOpenError || !(error instanceof UpstreamError) || error.code === 'UPSTREAM_UNAVAILABLE') {
    return retryLater(ctx, row, errorText(error), error);
  }
  if (attemptedBefore && error.reason === 'TRANSACTION_ID_USED') {
    // Our earlier attempt is in the upstream's pipeline; its rows will come by webhook or poll.
    ctx.log.info('the upstream already has this transaction id; waiting for it to land', { transactionId: row.transactionId });
    await ctx.move(row, 'SUBMITTED', {});
    return 'done';
  }
  await ctx.move(row, 'FAILED', { failureReason: error.message || 'the upstream rejected the write' });
  return 'done';
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

/**
 * Leave the row PENDING for another attempt. An open circuit breaker (`cause`) defers until its next
 * probe and gives the attempt back, on the row and on the job: the upstream was not called. Anything
 * else waits the next delay of `submitRetryDelaysMs` and spends the attempt. The row's
 * `next_attempt_at` and the job's `runAt` say the same time.
 */
async function retryLater(ctx: WritePathContext, row: StoredTransaction, reason: string, cause?: unknown): Promise<JobOutcome> {
  if (cause instanceof CircuitOpenError) {
    const outcome = deferUntil(ctx, ctx.later(cause.retryInMs), reason);
    const until = (outcome as { retryAt: Date }).retryAt;
    await ctx.store.deferSubmit(row.transactionId, until, reason, { refundAttempt: true });
    ctx.log.warn('submit deferred: circuit open; no attempt spent', {
      practiceId: row.practiceId,
      transactionId: row.transactionId,
      retryAt: until.toISOString(),
    });
    return outcome;
  }
  const delays = ctx.options.submitRetryDelaysMs;
  const delay = delays[Math.min(Math.max(row.attempts - 1, 0), delays.length - 1)] ?? 0;
  const retryAt = ctx.later(delay);
  await ctx.store.deferSubmit(row.transactionId, retryAt, reason);
  ctx.log.warn('submit deferred; will retry', {
    practiceId: row.practiceId,
    transactionId: row.transactionId,
    attempts: row.attempts,
    retryInMs: delay,
    reason,
  });
  return { retryAt, reason };
}
