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
  /**
   * NOT_SENT → (SETTLING →) REFUNDED or REFUSED. SETTLING (migration 8): the processor took the
   * refund and has not finished it (Square's PENDING): nothing is posted until it is final.
   */
  state: 'NOT_SENT' | 'SETTLING' | 'REFUNDED' | 'REFUSED';
  /** The ledger posting (migration 5): NOT_SENT → SENT, or REFUSED (attention; `retryPosting` → NOT_SENT). */
  postState: 'NOT_SENT' | 'SENT' | 'REFUSED';
}

function refundFrom(raw: Record<string, unknown>): RefundRow {
  return {
    transactionId: String(raw.transaction_id),
    refundOf: String(raw.refund_of),
    amount: toSafeInteger(raw.amount_cents, 'amount_cents'),
    reason: (raw.reason as string | null) ?? null,
    processorRefundId: (raw.processor_refund_id as string | null) ?? null,
    state: raw.state as RefundRow['state'],
    postState: (raw.post_state as RefundRow['postState'] | undefined) ?? 'NOT_SENT',
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

/**
 * What the gateway counts as refunded of a checkout: Σ of its refunds not refused (in flight
 * included). `lock: true` takes the checkout's row first, as `insertRefund` does.
 */
export async function refundedKnown(sql: SqlExecutor, refundOf: string, options: { lock?: boolean } = {}): Promise<number> {
  if (options.lock) await sql.query('SELECT 1 FROM checkouts WHERE transaction_id = $1 FOR UPDATE', [refundOf]);
  const { rows } = await sql.query<{ refunded: unknown }>(
    `SELECT COALESCE(SUM(amount_cents), 0) AS refunded FROM checkout_refunds WHERE refund_of = $1 AND state <> 'REFUSED'`,
    [refundOf],
  );
  return toSafeInteger(rows[0]?.refunded, 'refunded');
}

/** A refund the processor already made (in its dashboard): REFUNDED from the start, counted in the checkout's total. */
export async function insertProcessorRefund(
  tx: SqlExecutor,
  refund: { transactionId: string; refundOf: string; amount: number; now: Date },
): Promise<void> {
  await tx.query(
    `INSERT INTO checkout_refunds (transaction_id, refund_of, amount_cents, reason, state, created_at)
     VALUES ($1, $2, $3::bigint, 'made at the processor', 'REFUNDED', $4::timestamptz)`,
    [refund.transactionId, refund.refundOf, String(refund.amount), refund.now.toISOString()],
  );
  await tx.query(
    `UPDATE checkouts SET amount_refunded_cents = amount_refunded_cents + $2::bigint, updated_at = $3::timestamptz
      WHERE transaction_id = $1`,
    [refund.refundOf, String(refund.amount), refund.now.toISOString()],
  );
}

/** Move a refund's posting state from one of `from` to `to`; `false` when it was not in `from`. */
export async function setRefundPostState(
  sql: SqlExecutor,
  transactionId: string,
  from: ReadonlyArray<RefundRow['postState']>,
  to: RefundRow['postState'],
): Promise<boolean> {
  const { rowCount } = await sql.query(
    'UPDATE checkout_refunds SET post_state = $2 WHERE transaction_id = $1 AND post_state = ANY($3::text[])',
    [transactionId, to, from],
  );
  return rowCount === 1;
}

/** The REFUND transactions' ids of a checkout, oldest first. */
export async function refundIdsOf(sql: SqlExecutor, refundOf: string): Promise<string[]> {
  const { rows } = await sql.query<{ transaction_id: string }>(
    'SELECT transaction_id FROM checkout_refunds WHERE refund_of = $1 ORDER BY created_at, transaction_id',
    [refundOf],
  );
  return rows.map((r) => r.transaction_id);
}

/** The processor took the refund but has not finished it: remember its id; `false` when it was not NOT_SENT. */
export async function markRefundSettling(sql: SqlExecutor, transactionId: string, processorRefundId: string): Promise<boolean> {
  const { rowCount } = await sql.query(
    `UPDATE checkout_refunds SET state = 'SETTLING', processor_refund_id = $2 WHERE transaction_id = $1 AND state = 'NOT_SENT'`,
    [transactionId, processorRefundId],
  );
  return rowCount === 1;
}

/** The REFUND transaction waiting on the processor's refund `processorRefundId` (SETTLING), if any. */
export async function settlingRefundOf(sql: SqlExecutor, processorRefundId: string): Promise<string | null> {
  const { rows } = await sql.query<{ transaction_id: string }>(
    `SELECT transaction_id FROM checkout_refunds WHERE processor_refund_id = $1 AND state = 'SETTLING'`,
    [processorRefundId],
  );
  return rows[0]?.transaction_id ?? null;
}

/** The processor gave the money back (or refused to): record it once, and the checkout's refunded total. */
export async function settleRefund(
  tx: SqlExecutor,
  refund: RefundRow,
  outcome: { state: 'REFUNDED'; processorRefundId: string } | { state: 'REFUSED' },
  now: Date,
): Promise<void> {
  // A refused refund keeps the id the processor gave it (if any): the trail of what was asked.
  const { rowCount } = await tx.query(
    `UPDATE checkout_refunds SET state = $2, processor_refund_id = COALESCE($3, processor_refund_id)
      WHERE transaction_id = $1 AND state IN ('NOT_SENT', 'SETTLING')`,
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
      WHERE (t.status = 'PENDING' OR (t.status = 'SUBMITTED' AND r.state = 'REFUNDED' AND r.post_state = 'NOT_SENT'))
        AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'collection.refund'
                         AND j.singleton_key = r.transaction_id AND j.state IN ('queued', 'active'))
      ORDER BY r.created_at LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ practiceId: r.practice_id, transactionId: r.transaction_id }));
}
