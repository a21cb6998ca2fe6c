/** Status transitions: one forward-only UPDATE each, so a final status never moves back. */
import type { SqlExecutor } from './sql-client';
import type { StoredTransaction, TransitionFields } from './store';
import { rowFrom, sqlList, TABLE } from './transaction-rows';
import { ALLOWED_FROM, emptyRecords, type TransactionStatus } from './types';

/** Where a staff resolution's columns go in a final UPDATE's SET list. */
const RESOLUTION = '/*resolution*/';

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
  // A settlement by staff (only of a row that needs attention, only to its own outcome) is recorded
  // in the same UPDATE as the status (`RESOLUTION` is filled in below, once the parameters are
  // numbered). Reaching a final status clears `attention`: nobody needs to act on a settled write.
  const resolution = fields.resolution ?? null;
  if (resolution && resolution.outcome !== to) throw new Error(`a resolution to ${resolution.outcome} cannot move to ${to}`);
  const resolutionGuard = resolution ? ' AND attention IS NOT NULL' : '';
  let sql: string;
  let params: unknown[];
  switch (to) {
    case 'SUBMITTED':
      if (!fields.nextPollAt) throw new Error('a SUBMITTED transition needs nextPollAt');
      sql = `UPDATE ${TABLE} SET status = 'SUBMITTED', submitted_at = $2::timestamptz, updated_at = $2::timestamptz,
               next_poll_at = $3::timestamptz, next_attempt_at = NULL,
               attention = COALESCE($4::text, attention),
               attention_since = CASE WHEN $4::text IS NULL THEN attention_since ELSE $2::timestamptz END
             WHERE transaction_id = $1 AND status IN (${from})${attemptsGuard} RETURNING *`;
      params = [transactionId, now, fields.nextPollAt.toISOString(), fields.attention?.slice(0, 2000) ?? null];
      break;
    case 'COMPLETED':
      sql = `UPDATE ${TABLE} SET status = 'COMPLETED', records = $3::jsonb, receipt_id = COALESCE($4, receipt_id),
               updated_at = $2::timestamptz, next_poll_at = NULL, next_attempt_at = NULL, attention = NULL${RESOLUTION}
             WHERE transaction_id = $1 AND status IN (${from})${attemptsGuard}${resolutionGuard} RETURNING *`;
      params = [transactionId, now, JSON.stringify(fields.records ?? emptyRecords()), fields.receiptId ?? null];
      break;
    case 'FAILED':
      if (!fields.failureReason) throw new Error('a FAILED transition needs failureReason');
      sql = `UPDATE ${TABLE} SET status = 'FAILED', failure_reason = $3, updated_at = $2::timestamptz,
               next_poll_at = NULL, next_attempt_at = NULL, attention = NULL${RESOLUTION}
             WHERE transaction_id = $1 AND status IN (${from})${attemptsGuard}${resolutionGuard} RETURNING *`;
      params = [transactionId, now, fields.failureReason.slice(0, 2000)];
      break;
  }
  let set = '';
  if (resolution) {
    const n = params.length;
    set = `, resolution_outcome = '${to}', resolution_note = $${n + 1}, resolved_by = $${n + 2}, resolved_at = $2::timestamptz`;
    params.push(resolution.note, resolution.by);
  }
  sql = sql.replace(RESOLUTION, set);
  const { rows } = await exec.query<Record<string, unknown>>(sql, params);
  return rows[0] ? rowFrom(rows[0]) : null;
}
