/**
 * Polling a SUBMITTED write: when no webhook delivery settled it within `pollAfterMs`, the
 * background pass looks it up upstream every `pollIntervalMs` until it lands, or until
 * `pollDeadlineMs` after its submission, when it FAILS with "no insertion status from upstream".
 *
 *     for (const row of await ctx.store.duePolls(ctx.now(), 100)) await pollOne(ctx, row);
 */
import { errorText, type WritePathContext } from './context';
import type { StoredTransaction } from './store';
import { foreignRowsReason, lookUpUpstream } from './upstream-lookup';

/** Claim one due poll (the next is scheduled by the claim itself) and act on the answer. */
export async function pollOne(ctx: WritePathContext, row: StoredTransaction): Promise<void> {
  const claimed = await ctx.store.claimPoll(row.transactionId, ctx.now(), ctx.later(ctx.options.pollIntervalMs));
  if (!claimed) return;
  const submittedAt = Date.parse(claimed.submittedAt ?? claimed.createdAt);
  const pastDeadline = ctx.now().getTime() - submittedAt >= ctx.options.pollDeadlineMs;
  const found = await lookUpUpstream(ctx, claimed);
  switch (found.answer) {
    case 'landed':
      await ctx.move(claimed, 'COMPLETED', { records: found.records });
      return;
    case 'unknown':
      // Unknown is not "absent": keep polling, even past the deadline.
      ctx.log.warn('poll look-up failed; will retry', { transactionId: claimed.transactionId, error: errorText(found.error) });
      return;
    case 'foreign':
      ctx.log.warn('poll found rows under this transaction id that are not this write', {
        transactionId: claimed.transactionId,
        why: found.why,
      });
      if (pastDeadline) await ctx.move(claimed, 'FAILED', { failureReason: foreignRowsReason(claimed, found.why) });
      return;
    case 'absent':
      if (pastDeadline) await ctx.move(claimed, 'FAILED', { failureReason: 'no insertion status from upstream' });
      return;
  }
}
