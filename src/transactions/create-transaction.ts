/**
 * Creating a transaction exactly once per (practice, idempotency key): the key, the next transaction
 * id and the PENDING row in one SQL transaction (with the caller's `afterInsert`, e.g. its submit job).
 * A replay returns the existing row; a different request under a used key is an `IdempotencyConflict`.
 * The key is stored and looked up only as its hash (`idempotency-key-hash.ts`), in both tables.
 */
import { formatTransactionId } from '../ledger/transaction-id';
import { formatCents } from '../ledger/money';
import { IdempotencyConflict, RefundExceedsRefundable } from './errors';
import { idempotencyKeyHash } from './idempotency-key-hash';
import { toSafeInteger } from './row-values';
import type { SqlClient, SqlExecutor } from './sql-client';
import type { NewTransaction, StoredTransaction } from './store';
import { rowFrom, TABLE } from './transaction-rows';

export async function createTransaction(
  sql: SqlClient,
  input: NewTransaction,
): Promise<{ row: StoredTransaction; created: boolean }> {
  const { practiceId, idempotencyKey } = input;
  const keyHash = idempotencyKeyHash(practiceId, idempotencyKey);
  return sql.transaction(async (tx) => {
    const existing = await readKey(tx, practiceId, idempotencyKey);
    if (existing) return { row: checkReplay(existing, input), created: false };
    if (input.refundCeiling !== undefined) await checkRefundCeiling(tx, input, input.refundCeiling);

    const { rows } = await tx.query<{ id: unknown }>(`SELECT nextval('ledger_transaction_id_seq') AS id`);
    const transactionId = formatTransactionId(input.transactionIdPrefix, toSafeInteger(rows[0]?.id, 'nextval'));
    const now = input.now.toISOString();
    // The unique (practice_id, idempotency_key) makes racers converge: the loser's insert waits for
    // the winner's commit, does nothing, and reads the winner's row back.
    const key = await tx.query(
      `INSERT INTO idempotency_keys (practice_id, idempotency_key, fingerprint, transaction_id, created_at)
       VALUES ($1, $2, $3, $4, $5::timestamptz)
       ON CONFLICT (practice_id, idempotency_key) DO NOTHING`,
      [practiceId, keyHash, input.fingerprint, transactionId, now],
    );
    if (key.rowCount === 0) {
      const winner = await readKey(tx, practiceId, idempotencyKey);
      if (!winner) throw new Error(`an idempotency key of practice ${practiceId} vanished during a race`);
      return { row: checkReplay(winner, input), created: false };
    }
    const inserted = await tx.query<Record<string, unknown>>(
      `INSERT INTO ${TABLE} (transaction_id, practice_id, kind, status, amount_cents, currency,
         patient_source_id, idempotency_key, request, next_attempt_at, created_at, updated_at)
       VALUES ($1, $2, $3, 'PENDING', $4::bigint, $5, $6, $7, $8::jsonb, $9::timestamptz, $10::timestamptz, $10::timestamptz)
       RETURNING *`,
      [
        transactionId,
        practiceId,
        input.kind,
        String(toSafeInteger(input.amount, 'amount')),
        input.currency,
        input.patientSourceId,
        keyHash,
        JSON.stringify(input.request),
        input.nextAttemptAt ? input.nextAttemptAt.toISOString() : null,
        now,
      ],
    );
    const row = rowFrom(inserted.rows[0]!);
    await input.afterInsert?.(tx, row);
    return { row, created: true };
  });
}

/** The transaction an idempotency key (as the client gave it) names, with the fingerprint of the request that created it. */
export async function readKey(
  tx: SqlExecutor,
  practiceId: string,
  idempotencyKey: string,
): Promise<{ fingerprint: string; row: StoredTransaction } | null> {
  const { rows } = await tx.query<Record<string, unknown>>(
    `SELECT k.fingerprint AS key_fingerprint, t.*
       FROM idempotency_keys k JOIN ${TABLE} t ON t.transaction_id = k.transaction_id
      WHERE k.practice_id = $1 AND k.idempotency_key = $2`,
    [practiceId, idempotencyKeyHash(practiceId, idempotencyKey)],
  );
  const raw = rows[0];
  return raw ? { fingerprint: String(raw.key_fingerprint), row: rowFrom(raw) } : null;
}

/**
 * A refund's last check, in the insert's SQL transaction: its amount plus the patient's refunds not
 * yet in the ledger (PENDING or SUBMITTED positive payments: the ledger read the ceiling came from
 * does not hold them yet) must stay within `ceiling`. A transaction-scoped advisory lock per patient
 * orders two refunds sent at once (PostgreSQL; PGlite has one connection anyway): the second sees
 * the first's row. A SUBMITTED refund that has in fact landed is counted twice, which refuses too
 * much, never too little: a person can post the rest by hand, money paid out twice is gone.
 */
async function checkRefundCeiling(tx: SqlExecutor, input: NewTransaction, ceiling: number): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7381946025))', [
    `refund:${input.practiceId}:${input.patientSourceId}`,
  ]);
  const { rows } = await tx.query<{ in_flight: unknown }>(
    `SELECT COALESCE(SUM(amount_cents), 0) AS in_flight FROM ${TABLE}
      WHERE practice_id = $1 AND patient_source_id = $2 AND kind = 'PAYMENT' AND amount_cents > 0
        AND status IN ('PENDING', 'SUBMITTED')`,
    [input.practiceId, input.patientSourceId],
  );
  const inFlight = toSafeInteger(rows[0]?.in_flight, 'refunds in flight');
  if (input.amount + inFlight > ceiling) {
    throw new RefundExceedsRefundable(formatCents(input.amount), formatCents(ceiling), formatCents(inFlight));
  }
}

/** A replay of the same request gets its row; another request under the same key is a conflict. */
function checkReplay(existing: { fingerprint: string; row: StoredTransaction }, input: NewTransaction): StoredTransaction {
  if (existing.fingerprint !== input.fingerprint || existing.row.kind !== input.kind) {
    throw new IdempotencyConflict(input.practiceId, input.idempotencyKey, existing.row.transactionId);
  }
  return existing.row;
}
