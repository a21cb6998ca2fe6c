/**
 * The `ledger.poll` job: when no webhook delivery settled a SUBMITTED write within `pollAfterMs`
 * (the job's first `runAt`), look it up upstream every `pollIntervalMs` (a deferral: waiting spends
 * no attempt) until it lands, or until `pollDeadlineMs` after its submission, when it FAILS with
 * "no insertion status from upstream". A row already terminal (a webhook won) ends the job.
 *
 *     queue.define('ledger.poll', ({ job }) => pollJob(ctx, job.payload.transactionId));
 */
import type { JobOutcome } from '../jobs/types';
import { errorText, type WritePathContext } from './context';
import { foreignRowsReason, lookUpUpstream } from './upstream-lookup';
import { deferUntil } from './write-path-jobs';

/** Look the write up once and act on the answer; look again after `pollIntervalMs` unless settled. */
export async function pollJob(ctx: WritePathContext, transactionId: string): Promise<JobOutcome> {
  const row = await ctx.store.findById(transactionId);
  if (row?.status !== 'SUBMITTED') return 'done';
  const again = (reason: string) => deferUntil(ctx, ctx.later(ctx.options.pollIntervalMs), reason, 1);
  const submittedAt = Date.parse(row.submittedAt ?? row.createdAt);
  const pastDeadline = ctx.now().getTime() - submittedAt >= ctx.options.pollDeadlineMs;
  const found = await lookUpUpstream(ctx, row);
  switch (found.answer) {
    case 'landed':
      await ctx.move(row, 'COMPLETED', { records: found.records });
      return 'done';
    case 'unknown':
      // Unknown is not "absent": keep polling, even past the deadline.
      ctx.log.warn('poll look-up failed; will retry', { transactionId: row.transactionId, error: errorText(found.error) });
      return again(`look-up failed: ${errorText(found.error)}`);
    case 'foreign':
      ctx.log.warn('poll found rows under this transaction id that are not this write', {
        transactionId: row.transactionId,
        why: found.why,
      });
      if (!pastDeadline) return again('rows under this transaction id are not this write yet');
      await ctx.move(row, 'FAILED', { failureReason: foreignRowsReason(row, found.why) });
      return 'done';
    case 'absent':
      if (!pastDeadline) return again('not landed upstream yet');
      await ctx.move(row, 'FAILED', { failureReason: 'no insertion status from upstream' });
      return 'done';
  }
}
