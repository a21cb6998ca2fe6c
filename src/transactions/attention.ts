/**
 * Writes that need a person. A write that may have reached the upstream is never FAILED by the
 * clock: the practice's system may still insert it days later (an office's on-premise synchronizer
 * down over a long weekend), and staff told "failed" would enter it again — a double post. Instead,
 * after `pollDeadlineMs` (48 h) without an answer it keeps its status (SUBMITTED), gets `attention`
 * (the text below), and is looked up less and less often (`attentionPollSchedule`: hourly until the
 * write is 7 days old, daily until it is 30 days old); then the look-ups stop and the attention
 * stays until staff settle it (`resolveTransaction`, `resolution.ts`). A look-up that finds it
 * landed completes it, and reaching a final status clears the attention.
 *
 *     await markForAttention(ctx, row, NO_ANSWER_ATTENTION);      // once; announced on the bus
 *     const at = nextAttentionLookUp(ctx, row);                   // null: the window is over
 */
import type { WritePathContext } from './context';
import type { ServiceOptions } from './options';
import type { StoredTransaction } from './store';

/** What staff read on a write with no answer for 48 h. */
export const NO_ANSWER_ATTENTION = "no answer from the practice's system for 48 h: check the ledger before entering it again";

/** What staff read when rows under the write's id are not this write (and stayed so for 48 h). */
export function foreignRowsAttention(why: string): string {
  return `the practice's system has rows under this transaction id that do not match this write (${why}): check the ledger before entering it again`;
}

/**
 * Set the write's attention once and announce it (subscribers see the same status with its
 * attention). Later calls keep the first text. The row after it, `null` when it is no longer SUBMITTED.
 */
export async function markForAttention(
  ctx: WritePathContext,
  row: StoredTransaction,
  attention: string,
): Promise<StoredTransaction | null> {
  if (row.attention !== null) return row;
  const marked = await ctx.store.setAttention(row.transactionId, attention, ctx.now());
  if (!marked) return null;
  ctx.log.warn('transaction needs attention', {
    practiceId: marked.practiceId,
    transactionId: marked.transactionId,
    status: marked.status,
    attention: marked.attention,
  });
  await ctx.publish(marked);
  return marked;
}

/** The last age (since creation) at which a write that needs attention is looked up. */
export function attentionWindowMs(options: ServiceOptions): number {
  return options.attentionPollSchedule.at(-1)?.untilMs ?? options.pollDeadlineMs;
}

/**
 * When to look a write that needs attention up next, by its age since creation (so a write moved
 * to SUBMITTED at its submit deadline follows the same calendar as one submitted at once): the
 * step of `attentionPollSchedule` it is in, and never past the window's end, where one last look-up
 * happens. `null` once the window is over.
 */
export function nextAttentionLookUp(ctx: WritePathContext, row: StoredTransaction): Date | null {
  const createdAt = Date.parse(row.createdAt);
  const now = ctx.now().getTime();
  const age = now - createdAt;
  const step = ctx.options.attentionPollSchedule.find((s) => age < s.untilMs);
  if (!step) return null;
  return new Date(Math.min(now + step.everyMs, createdAt + attentionWindowMs(ctx.options)));
}

/** The look-ups are over: stop, keep the attention (nothing decides for staff). */
export async function stopLookingUp(ctx: WritePathContext, row: StoredTransaction): Promise<void> {
  await ctx.store.stopPolling(row.transactionId);
  ctx.log.warn('stopped looking up a write that needs attention; it stays SUBMITTED until staff resolve it', {
    practiceId: row.practiceId,
    transactionId: row.transactionId,
  });
}
