/**
 * Webhook deliveries of insertion status (NexHealth): a verified event says a write COMPLETED (with
 * its rows, usually) or FAILED. Each delivery is applied at most once (its event key is recorded in
 * the same SQL transaction as the status change), and never moves a terminal transaction back.
 *
 *     const result = await handleInsertionEvent(ctx, 'smile-dental', event);
 *     // 'applied' | 'duplicate' (key seen before) | 'ignored' (unknown id, terminal, or not our rows)
 */
import { UpstreamError, type InsertionEvent, type LedgerRecords } from '../adapters/ledger/port';
import { warnIfRowsDoNotSum, type WritePathContext } from './context';
import type { StoredTransaction } from './store';
import { emptyRecords, isTerminal } from './types';
import { canLookUp, hasRows, judgeRows, lookUpUpstream, type Foreign, type Landed } from './upstream-lookup';

export type InsertionEventResult = 'applied' | 'duplicate' | 'ignored';

/**
 * Apply a verified delivery. Rejects (so the route answers non-2xx and the vendor redelivers) when
 * a completion carries no rows and they cannot be fetched yet.
 */
export async function handleInsertionEvent(
  ctx: WritePathContext,
  practiceId: string,
  event: InsertionEvent,
): Promise<InsertionEventResult> {
  const row = await ctx.store.get(practiceId, event.transactionId);
  if (!row) {
    ctx.log.info('webhook for an unknown transaction ignored', { practiceId, transactionId: event.transactionId });
    return 'ignored';
  }
  if (await ctx.store.hasWebhookReceipt(practiceId, event.eventKey)) return 'duplicate';
  const records = await completionRows(ctx, row, event);
  if (records === 'not-ours') return 'ignored';
  const { result, row: updated } = await ctx.store.applyInsertionEvent({
    practiceId,
    eventKey: event.eventKey,
    transactionId: event.transactionId,
    outcome: event.outcome,
    records,
    reason: event.reason,
    now: ctx.now(),
  });
  if (result === 'applied' && updated) {
    if (updated.status === 'COMPLETED') warnIfRowsDoNotSum(ctx.log, updated);
    ctx.log.info(`transaction ${updated.status.toLowerCase()} by webhook`, { practiceId, transactionId: updated.transactionId });
    await ctx.publish(updated);
  }
  return result;
}

/**
 * The rows to store with the delivery: its own, or for a completion without rows, those a look-up
 * finds (where the adapter can look up). `not-ours` when the rows under the id are another write's:
 * nothing is recorded, so the poller keeps looking for this write's own outcome. A failure, or a
 * delivery for a terminal transaction, is taken as it is (the store ignores the latter).
 */
async function completionRows(
  ctx: WritePathContext,
  row: StoredTransaction,
  event: InsertionEvent,
): Promise<LedgerRecords | 'not-ours'> {
  const delivered = event.records ?? emptyRecords();
  if (event.outcome !== 'COMPLETED' || isTerminal(row.status)) return delivered;
  const judged = hasRows(delivered) ? judgeRows(row, delivered) : await lookedUpRows(ctx, row);
  if (!judged) return delivered;
  if (judged.answer === 'landed') return judged.records;
  // Another write's completion under the same id: not ours.
  ctx.log.warn('webhook rows under this transaction id are not this write; ignored', {
    practiceId: row.practiceId,
    transactionId: row.transactionId,
    why: judged.why,
  });
  return 'not-ours';
}

/**
 * The rows upstream for a completion delivered without them; `null` when the adapter cannot look
 * up (the delivery is then stored as it came). Throws when they cannot be had yet — the look-up
 * failed, or found nothing — so the vendor redelivers later.
 */
async function lookedUpRows(ctx: WritePathContext, row: StoredTransaction): Promise<Landed | Foreign | null> {
  if (!canLookUp(ctx, row.practiceId)) return null;
  const found = await lookUpUpstream(ctx, row);
  if (found.answer === 'unknown') throw found.error;
  if (found.answer === 'absent') {
    throw new UpstreamError(
      `transaction ${row.transactionId} is reported complete but its rows are not visible upstream yet`,
      'UPSTREAM_UNAVAILABLE',
    );
  }
  return found;
}
