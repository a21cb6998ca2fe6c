/**
 * The posting's idempotency key (migration 5, `processor_postings`): every movement of money at a
 * processor is posted to the ledger by exactly one gateway transaction, whichever path learned of it
 * (a webhook, the checkout's read-back, the catch-up through the change list, a refund's job). The
 * key names the movement in the processor's own ids:
 *
 * | movement | key | claimed by |
 * | --- | --- | --- |
 * | a checkout's payment | `payment:<processor payment id>` | the COLLECTION transaction, when the checkout is marked paid |
 * | a refund through `refundTransaction` | `refund:<processor refund id>` | its REFUND transaction, when the processor answered |
 * | a refund made at the processor (dashboard) | `refund:<processor refund id>`, or `refunded:<payment id>:<cumulative cents>` where the processor names no refund (Stripe's `charge.refunded`) | the REFUND transaction the flow makes for it |
 *
 * A claim is an `INSERT … ON CONFLICT DO NOTHING` in the same SQL transaction as the row that
 * obliges the posting, and the posting job checks it again just before it calls the ledger: a
 * transaction that does not own its key never posts. (The ledger's own deduplication is the
 * gateway's transaction id, `LG:n`, on the wire; the key above is what binds that id to the money.)
 */
import type { SqlExecutor } from '../../transactions/sql-client';

export const paymentKey = (paymentId: string) => `payment:${paymentId}`;
export const refundKey = (refundId: string) => `refund:${refundId}`;
/** A refund at the processor that names no refund id: the payment's refunded total it brings us to. */
export const refundedUpToKey = (paymentId: string, cumulativeCents: number) => `refunded:${paymentId}:${cumulativeCents}`;

/**
 * Claim `key` for `transactionId`. Answers the owner: `transactionId` when the claim is (or already
 * was) ours, another transaction's id when that one holds it.
 */
export async function claimPostingKey(
  tx: SqlExecutor,
  practiceId: string,
  key: string,
  transactionId: string,
  now: Date,
): Promise<string> {
  await tx.query(
    `INSERT INTO processor_postings (practice_id, posting_key, transaction_id, created_at)
     VALUES ($1, $2, $3, $4::timestamptz) ON CONFLICT DO NOTHING`,
    [practiceId, key, transactionId, now.toISOString()],
  );
  const owner = await postingKeyOwner(tx, practiceId, key);
  return owner ?? transactionId;
}

/** Which transaction posts the movement `key`; `null` when none claimed it. */
export async function postingKeyOwner(sql: SqlExecutor, practiceId: string, key: string): Promise<string | null> {
  const { rows } = await sql.query<{ transaction_id: string }>(
    'SELECT transaction_id FROM processor_postings WHERE practice_id = $1 AND posting_key = $2',
    [practiceId, key],
  );
  return rows[0]?.transaction_id ?? null;
}

/** The key `transactionId` posts under; `null` when it claimed none. */
export async function postingKeyOf(sql: SqlExecutor, transactionId: string): Promise<string | null> {
  const { rows } = await sql.query<{ posting_key: string }>(
    'SELECT posting_key FROM processor_postings WHERE transaction_id = $1',
    [transactionId],
  );
  return rows[0]?.posting_key ?? null;
}
