/**
 * The `checkout_refunds` table (migration 4): one row per REFUND transaction of a paid checkout.
 * The sum rule (Σ refunds not refused ≤ amount paid) is checked in the insert's SQL transaction with
 * the checkout's row locked, so two refunds sent at once cannot add up past what was paid.
 */
import { checkRefundOfPaid } from '../../ledger/refundable';
import { RuleViolation } from '../../ledger/violation';
import { toSafeInteger } from '../../transactions/row-values';
import type { SqlExecutor } from '../../transactions/sql-client';

export interface RefundRow {
  transactionId: string;
  refundOf: string;
  amount: number;
  reason: string | null;
  processorRefundId: string | null;
  state: 'NOT_SENT' | 'REFUNDED' | 'REFUSED';
}

function refundFrom(raw: Record<string, unknown>): RefundRow {
  return {
    transactionId: String(raw.transaction_id),
    refundOf: String(raw.refund_of),
    amount: toSafeInteger(raw.amount_cents, 'amount_cents'),
    reason: (raw.reason as string | null) ?? null,
    processorRefundId: (raw.processor_refund_id as string | null) ?? null,
    state: raw.state as RefundRow['state'],
  };
}

/** Insert the refund, refusing (AMOUNT_OUT_OF_RANGE) when it and the others not refused exceed what was paid. */
export async function insertRefund(
  tx: SqlExecutor,
  refund: { transactionId: string; refundOf: string; amount: number; reason: string | null; now: Date },
): Promise<void> {
  const { rows } = await tx.query<{ amount_paid_cents: unknown }>(
    `SELECT amount_paid_cents FROM checkouts WHERE transaction_id = $1 AND status = 'PAID' FOR UPDATE`,
    [refund.refundOf],
  );
  if (!rows[0])
    throw new RuleViolation({ code: 'BAD_USER_INPUT', message: `transaction ${refund.refundOf} has no paid checkout to refund` });
  const paid = toSafeInteger(rows[0].amount_paid_cents, 'amount_paid_cents');
  const { rows: sums } = await tx.query<{ refunded: unknown }>(
    `SELECT COALESCE(SUM(amount_cents), 0) AS refunded FROM checkout_refunds WHERE refund_of = $1 AND state <> 'REFUSED'`,
    [refund.refundOf],
  );
  const refunded = toSafeInteger(sums[0]?.refunded, 'refunded');
  const tooMuch = checkRefundOfPaid(refund.amount, { paid, refunded });
  if (tooMuch) throw new RuleViolation(tooMuch);
  await tx.query(
    `INSERT INTO checkout_refunds (transaction_id, refund_of, amount_cents, reason, created_at)
     VALUES ($1, $2, $3::bigint, $4, $5::timestamptz)`,
    [refund.transactionId, refund.refundOf, String(refund.amount), refund.reason, refund.now.toISOString()],
  );
}

export async function getRefund(sql: SqlExecutor, transactionId: string): Promise<RefundRow | null> {
  const { rows } = await sql.query<Record<string, unknown>>('SELECT * FROM checkout_refunds WHERE transaction_id = $1', [
    transactionId,
  ]);
  return rows[0] ? refundFrom(rows[0]) : null;
}

/** The REFUND transactions' ids of a checkout, oldest first. */
export async function refundIdsOf(sql: SqlExecutor, refundOf: string): Promise<string[]> {
  const { rows } = await sql.query<{ transaction_id: string }>(
    'SELECT transaction_id FROM checkout_refunds WHERE refund_of = $1 ORDER BY created_at, transaction_id',
    [refundOf],
  );
  return rows.map((r) => r.transaction_id);
}

/** The processor gave the money back (or refused to): record it once, and the checkout's refunded total. */
export async function settleRefund(
  tx: SqlExecutor,
  refund: RefundRow,
  outcome: { state: 'REFUNDED'; processorRefundId: string } | { state: 'REFUSED' },
  now: Date,
): Promise<void> {
  const { rowCount } = await tx.query(
    `UPDATE checkout_refunds SET state = $2, processor_refund_id = $3 WHERE transaction_id = $1 AND state = 'NOT_SENT'`,
    [refund.transactionId, outcome.state, outcome.state === 'REFUNDED' ? outcome.processorRefundId : null],
  );
  if (rowCount === 1 && outcome.state === 'REFUNDED') {
    await tx.query(
      `UPDATE checkouts SET amount_refunded_cents = amount_refunded_cents + $2::bigint, updated_at = $3::timestamptz
        WHERE transaction_id = $1`,
      [refund.refundOf, String(refund.amount), now.toISOString()],
    );
  }
}

/** PENDING refunds without a live job (a restart resumes them), oldest first. */
export async function refundsWithoutJob(
  sql: SqlExecutor,
  limit: number,
): Promise<Array<{ practiceId: string; transactionId: string }>> {
  const { rows } = await sql.query<{ practice_id: string; transaction_id: string }>(
    `SELECT t.practice_id, t.transaction_id FROM checkout_refunds r JOIN ledger_transactions t ON t.transaction_id = r.transaction_id
      WHERE t.status = 'PENDING'
        AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'collection.refund'
                         AND j.singleton_key = r.transaction_id AND j.state IN ('queued', 'active'))
      ORDER BY r.created_at LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ practiceId: r.practice_id, transactionId: r.transaction_id }));
}
