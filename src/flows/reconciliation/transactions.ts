/**
 * The gateway's side of a reconciliation: a practice's COLLECTION and REFUND transactions through
 * its processor, created in a window, each with its checkout's payment or its refund's processor
 * id. One indexed SQL read (`ledger_transactions (practice_id, created_at …)`), no upstream call.
 */
import type { ProcessorName } from '../../adapters/processor/port';
import { toSafeInteger } from '../../transactions/row-values';
import type { SqlExecutor } from '../../transactions/sql-client';
import type { StoredTransaction } from '../../transactions/store';
import { rowFrom, TABLE } from '../../transactions/transaction-rows';

/** A processor collection (a checkout) or a refund of one, as the store holds it. */
export interface ReconciledTransaction {
  row: StoredTransaction;
  kind: 'COLLECTION' | 'REFUND';
  /** The checkout's processor (a refund: its collection's). */
  processor: ProcessorName;
  /** A collection: the checkout's payment id, once paid. A refund: the processor's refund id, once it gave one. */
  processorId: string | null;
  /**
   * A refund the store holds as given back (`REFUNDED`) though the processor named no refund to read
   * again (one made in the processor's dashboard, Stripe's `charge.refunded`): its amount, else `null`.
   */
  refundedWithoutId: number | null;
}

/**
 * The practice's processor collections and their refunds created in `[start, end)`, oldest first.
 * Card collections through the ledger system itself (athenahealth `collectPayment`) have no
 * processor of their own and are not part of it.
 */
export async function transactionsInWindow(
  sql: SqlExecutor,
  practiceId: string,
  window: { start: Date; end: Date },
): Promise<ReconciledTransaction[]> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `SELECT t.*, c.processor AS c_processor, c.payment_id AS c_payment_id,
            rc.processor AS r_processor, r.processor_refund_id AS r_refund_id, r.state AS r_state, r.amount_cents AS r_amount
       FROM ${TABLE} t
       LEFT JOIN checkouts c ON c.transaction_id = t.transaction_id
       LEFT JOIN checkout_refunds r ON r.transaction_id = t.transaction_id
       LEFT JOIN checkouts rc ON rc.transaction_id = r.refund_of
      WHERE t.practice_id = $1 AND t.kind IN ('COLLECTION', 'REFUND')
        AND t.created_at >= $2::timestamptz AND t.created_at < $3::timestamptz
        AND (c.transaction_id IS NOT NULL OR r.transaction_id IS NOT NULL)
      ORDER BY t.created_at, t.transaction_id`,
    [practiceId, window.start.toISOString(), window.end.toISOString()],
  );
  return rows.map((raw) => {
    const row = rowFrom(raw);
    if (raw.c_processor != null) {
      return {
        row,
        kind: 'COLLECTION' as const,
        processor: raw.c_processor as ProcessorName,
        processorId: (raw.c_payment_id as string | null) ?? null,
        refundedWithoutId: null,
      };
    }
    const refundId = (raw.r_refund_id as string | null) ?? null;
    return {
      row,
      kind: 'REFUND' as const,
      processor: raw.r_processor as ProcessorName,
      processorId: refundId,
      refundedWithoutId: refundId === null && raw.r_state === 'REFUNDED' ? toSafeInteger(raw.r_amount, 'amount_cents') : null,
    };
  });
}
