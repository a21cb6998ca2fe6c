/**
 * The store's SQL for writes that need a person (`attention`, migration 3): marking one, and ending
 * its look-ups once their window is over. Settling one is a status transition (`transitions.ts`,
 * `resolution`), so it stays forward-only like every other.
 */
import type { SqlExecutor } from './sql-client';
import type { StoredTransaction } from './store';
import { rowFrom, TABLE } from './transaction-rows';

/** Set `attention` on a SUBMITTED row once (the first text and time stay); the row, or `null` if not SUBMITTED. */
export async function setAttention(
  exec: SqlExecutor,
  transactionId: string,
  attention: string,
  now: Date,
): Promise<StoredTransaction | null> {
  const { rows } = await exec.query<Record<string, unknown>>(
    `UPDATE ${TABLE} SET attention = COALESCE(attention, $2), attention_since = COALESCE(attention_since, $3::timestamptz)
      WHERE transaction_id = $1 AND status = 'SUBMITTED' RETURNING *`,
    [transactionId, attention.slice(0, 2000), now.toISOString()],
  );
  return rows[0] ? rowFrom(rows[0]) : null;
}

/**
 * The write's look-ups are over (30 days): `next_poll_at = NULL`. Together with `attention` it tells
 * `unfinishedWithoutJob` not to give the row a poll job again at every start.
 */
export async function stopPolling(exec: SqlExecutor, transactionId: string): Promise<void> {
  await exec.query(`UPDATE ${TABLE} SET next_poll_at = NULL WHERE transaction_id = $1 AND status = 'SUBMITTED'`, [transactionId]);
}
