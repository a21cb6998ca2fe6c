/** Status transitions: one forward-only UPDATE each, so a final status never moves back. */
import type { SqlExecutor } from './sql-client';
import type { StoredTransaction, TransitionFields } from './store';
import { rowFrom, sqlList, TABLE } from './transaction-rows';
import { ALLOWED_FROM, emptyRecords, type TransactionStatus } from './types';

/** The forward-only UPDATE: `WHERE status IN (ALLOWED_FROM[to])`. `null` = not allowed now (a no-op). */
export async function transitionWith(
  exec: SqlExecutor,
  transactionId: string,
  to: Exclude<TransactionStatus, 'PENDING'>,
  fields: TransitionFields,
): Promise<StoredTransaction | null> {
  const now = fields.now.toISOString();
  const from = sqlList(ALLOWED_FROM[to]);
  const attemptsGuard = fields.expectAttempts === undefined ? '' : ` AND attempts = ${Math.trunc(fields.expectAttempts)}`;
  let sql: string;
  let params: unknown[];
  switch (to) {
    case 'SUBMITTED':
      if (!fields.nextPollAt) throw new Error('a SUBMITTED transition needs nextPollAt');
      sql = `UPDATE ${TABLE} SET status = 'SUBMITTED', submitted_at = $2::timestamptz, updated_at = $2::timestamptz,
               next_poll_at = $3::timestamptz, next_attempt_at = NULL
             WHERE transaction_id = $1 AND status IN (${from})${attemptsGuard} RETURNING *`;
      params = [transactionId, now, fields.nextPollAt.toISOString()];
      break;
    case 'COMPLETED':
      sql = `UPDATE ${TABLE} SET status = 'COMPLETED', records = $3::jsonb, receipt_id = COALESCE($4, receipt_id),
               updated_at = $2::timestamptz, next_poll_at = NULL, next_attempt_at = NULL
             WHERE transaction_id = $1 AND status IN (${from})${attemptsGuard} RETURNING *`;
      params = [transactionId, now, JSON.stringify(fields.records ?? emptyRecords()), fields.receiptId ?? null];
      break;
    case 'FAILED':
      if (!fields.failureReason) throw new Error('a FAILED transition needs failureReason');
      sql = `UPDATE ${TABLE} SET status = 'FAILED', failure_reason = $3, updated_at = $2::timestamptz,
               next_poll_at = NULL, next_attempt_at = NULL
             WHERE transaction_id = $1 AND status IN (${from})${attemptsGuard} RETURNING *`;
      params = [transactionId, now, fields.failureReason.slice(0, 2000)];
      break;
  }
  const { rows } = await exec.query<Record<string, unknown>>(sql, params);
  return rows[0] ? rowFrom(rows[0]) : null;
}
