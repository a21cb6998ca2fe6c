/**
 * Webhook bookkeeping: receipts (each insertion event applied once, whatever the redeliveries) and
 * the per-practice webhook registration (created once across instances, under an advisory lock).
 */
import type { WebhookRegistration } from '../adapters/ledger/port';
import type { SqlClient, SqlExecutor } from './sql-client';
import type { InsertionApplyResult, InsertionEventRecord, StoredTransaction } from './store';
import { TABLE } from './transaction-rows';
import { transitionWith } from './transitions';

export async function hasWebhookReceipt(sql: SqlClient, practiceId: string, eventKey: string): Promise<boolean> {
  const { rows } = await sql.query('SELECT 1 FROM webhook_receipts WHERE practice_id = $1 AND event_key = $2', [
    practiceId,
    eventKey,
  ]);
  return rows.length > 0;
}

/** Record the event's receipt and apply its outcome in one SQL transaction; a known receipt is a duplicate. */
export async function applyInsertionEvent(
  sql: SqlClient,
  event: InsertionEventRecord,
): Promise<{ result: InsertionApplyResult; row: StoredTransaction | null }> {
  return sql.transaction(async (tx) => {
    const known = await tx.query(`SELECT 1 FROM ${TABLE} WHERE practice_id = $1 AND transaction_id = $2`, [
      event.practiceId,
      event.transactionId,
    ]);
    if (known.rows.length === 0) return { result: 'ignored' as const, row: null };
    const receipt = await tx.query(
      `INSERT INTO webhook_receipts (practice_id, event_key, transaction_id, outcome, received_at)
       VALUES ($1, $2, $3, $4, $5::timestamptz)
       ON CONFLICT (practice_id, event_key) DO NOTHING`,
      [event.practiceId, event.eventKey, event.transactionId, event.outcome, event.now.toISOString()],
    );
    if (receipt.rowCount === 0) return { result: 'duplicate' as const, row: null };
    const row =
      event.outcome === 'COMPLETED'
        ? await transitionWith(tx, event.transactionId, 'COMPLETED', { now: event.now, records: event.records })
        : await transitionWith(tx, event.transactionId, 'FAILED', {
            now: event.now,
            failureReason: event.reason?.trim() || 'the upstream reported the insertion as failed',
          });
    return { result: row ? ('applied' as const) : ('ignored' as const), row };
  });
}

export async function pruneWebhookReceipts(sql: SqlClient, cutoff: Date): Promise<number> {
  const result = await sql.query('DELETE FROM webhook_receipts WHERE received_at < $1::timestamptz', [cutoff.toISOString()]);
  return result.rowCount;
}

/** Create or replace a practice's webhook registration (one row per practice). */
export async function upsertWebhookRegistration(
  sql: SqlExecutor,
  practiceId: string,
  registration: WebhookRegistration,
  now: Date,
): Promise<void> {
  await sql.query(
    `INSERT INTO webhook_registrations (practice_id, endpoint_id, secret, created_at, updated_at)
     VALUES ($1, $2, $3, $4::timestamptz, $4::timestamptz)
     ON CONFLICT (practice_id) DO UPDATE
       SET endpoint_id = EXCLUDED.endpoint_id, secret = EXCLUDED.secret, updated_at = EXCLUDED.updated_at`,
    [practiceId, registration.endpointId, registration.secret, now.toISOString()],
  );
}

export async function getWebhookRegistration(sql: SqlClient, practiceId: string): Promise<WebhookRegistration | null> {
  const { rows } = await sql.query<{ endpoint_id: string; secret: string }>(
    'SELECT endpoint_id, secret FROM webhook_registrations WHERE practice_id = $1',
    [practiceId],
  );
  const row = rows[0];
  return row ? { endpointId: row.endpoint_id, secret: row.secret } : null;
}

/** Register at most once per practice across instances: `register` runs under the practice's advisory lock. */
export async function registerWebhookOnce(
  sql: SqlClient,
  practiceId: string,
  register: () => Promise<WebhookRegistration>,
  now: Date,
): Promise<WebhookRegistration> {
  return sql.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('ledger-webhook:' || $1))`, [practiceId]);
    const registration = await register();
    await upsertWebhookRegistration(tx, practiceId, registration, now);
    return registration;
  });
}
