/**
 * The `ledger.poll` job: when no webhook delivery settled a SUBMITTED write within `pollAfterMs`
 * (the job's first `runAt`), look it up upstream every `pollIntervalMs` (a deferral: waiting spends
 * no attempt) until it lands. A write with no answer `pollDeadlineMs` (48 h) after its submission is
 * never FAILED by the clock (it may still land): it gets `attention` and is looked up on the slower
 * `attentionPollSchedule` until its window ends (`attention.ts`). A row already terminal (a webhook
 * or staff won) ends the job.
 *
 *     queue.define('ledger.poll', ({ job }) => pollJob(ctx, job.payload.transactionId));
 */
import type { JobOutcome } from '../jobs/types';
import { foreignRowsAttention, markForAttention, NO_ANSWER_ATTENTION, nextAttentionLookUp, stopLookingUp } from './attention';
import { errorText, type WritePathContext } from './context';
import type { StoredTransaction } from './store';
import { lookUpUpstream } from './upstream-lookup';
import { deferUntil } from './write-path-jobs';

/** Look the write up once and act on the answer; look again later unless settled. */
export async function pollJob(ctx: WritePathContext, transactionId: string): Promise<JobOutcome> {
  const row = await ctx.store.findById(transactionId);
  if (row?.status !== 'SUBMITTED') return 'done';
  const found = await lookUpUpstream(ctx, row);
  switch (found.answer) {
    case 'landed':
      await ctx.move(row, 'COMPLETED', { records: found.records });
      return 'done';
    case 'unknown':
      // Unknown is not "absent": keep looking (a failing look-up is no answer either).
      ctx.log.warn('poll look-up failed; will retry', { transactionId: row.transactionId, error: errorText(found.error) });
      return lookAgain(ctx, row, `look-up failed: ${errorText(found.error)}`, NO_ANSWER_ATTENTION);
    case 'foreign':
      ctx.log.warn('poll found rows under this transaction id that are not this write', {
        transactionId: row.transactionId,
        why: found.why,
      });
      return lookAgain(ctx, row, 'rows under this transaction id are not this write yet', foreignRowsAttention(found.why));
    case 'absent':
      return lookAgain(ctx, row, 'not landed upstream yet', NO_ANSWER_ATTENTION);
  }
}

/**
 * Not settled: within `pollDeadlineMs` of submission, look again after `pollIntervalMs`. Past it (or
 * once it has attention), mark it for attention and follow the slower calendar; at its end, stop.
 */
async function lookAgain(ctx: WritePathContext, row: StoredTransaction, reason: string, attention: string): Promise<JobOutcome> {
  const submittedAt = Date.parse(row.submittedAt ?? row.createdAt);
  const pastDeadline = ctx.now().getTime() - submittedAt >= ctx.options.pollDeadlineMs;
  if (!pastDeadline && row.attention === null) return deferUntil(ctx, ctx.later(ctx.options.pollIntervalMs), reason, 1);
  const marked = await markForAttention(ctx, row, attention);
  if (!marked) return 'done'; // settled meanwhile (a webhook, staff)
  const at = nextAttentionLookUp(ctx, marked);
  if (!at) {
    await stopLookingUp(ctx, marked);
    return 'done';
  }
  return deferUntil(ctx, at, `needs attention; ${reason}`, 1);
}
