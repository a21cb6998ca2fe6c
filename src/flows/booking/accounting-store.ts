/**
 * The booking flow's other tables (migration 11), SQL only: the guarantor → customer mapping
 * (`accounting_customers`), the change-data-capture cursor (`accounting_cursors`) and the webhook
 * events applied (`accounting_events`).
 */
import { toIso } from '../../transactions/row-values';
import type { SqlExecutor } from '../../transactions/sql-client';

/** The books' customer id stored for a guarantor of a practice, or `null` the first time. */
export async function customerOf(sql: SqlExecutor, practiceId: string, guarantorSourceId: string): Promise<string | null> {
  const { rows } = await sql.query<{ customer_id: string }>(
    'SELECT customer_id FROM accounting_customers WHERE practice_id = $1 AND guarantor_source_id = $2',
    [practiceId, guarantorSourceId],
  );
  return rows[0]?.customer_id ?? null;
}

/** Store (or correct) a guarantor's customer id: the one `ensureCustomer` answered. */
export async function saveCustomer(
  sql: SqlExecutor,
  practiceId: string,
  guarantorSourceId: string,
  customerId: string,
  now: Date,
): Promise<void> {
  await sql.query(
    `INSERT INTO accounting_customers (practice_id, guarantor_source_id, customer_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4::timestamptz, $4::timestamptz)
     ON CONFLICT (practice_id, guarantor_source_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, updated_at = EXCLUDED.updated_at
       WHERE accounting_customers.customer_id IS DISTINCT FROM EXCLUDED.customer_id`,
    [practiceId, guarantorSourceId, customerId, now.toISOString()],
  );
}

/**
 * A customer merged away in the books (QuickBooks `Merge`): every guarantor mapped to `mergedId`
 * now maps to the surviving id. How many mappings moved.
 */
export async function remapCustomer(
  sql: SqlExecutor,
  practiceId: string,
  mergedId: string,
  survivingId: string,
  now: Date,
): Promise<number> {
  const { rows } = await sql.query(
    `UPDATE accounting_customers SET customer_id = $3, updated_at = $4::timestamptz
      WHERE practice_id = $1 AND customer_id = $2 RETURNING guarantor_source_id`,
    [practiceId, mergedId, survivingId, now.toISOString()],
  );
  return rows.length;
}

/** Where the practice's change-data-capture catch-up stands (the books' clock), or `null` before the first. */
export async function readCursor(sql: SqlExecutor, practiceId: string): Promise<string | null> {
  const { rows } = await sql.query<{ since: unknown }>('SELECT since FROM accounting_cursors WHERE practice_id = $1', [
    practiceId,
  ]);
  return rows[0] ? toIso(rows[0].since) : null;
}

/** Move the cursor forward (never back: two runs racing keep the newer). */
export async function saveCursor(sql: SqlExecutor, practiceId: string, since: string, now: Date): Promise<void> {
  await sql.query(
    `INSERT INTO accounting_cursors (practice_id, since, updated_at) VALUES ($1, $2::timestamptz, $3::timestamptz)
     ON CONFLICT (practice_id) DO UPDATE SET since = GREATEST(accounting_cursors.since, EXCLUDED.since), updated_at = EXCLUDED.updated_at`,
    [practiceId, since, now.toISOString()],
  );
}

/**
 * The cursors of several practices in one query (a company's practices read its change data
 * capture together): where each stands and when it was last moved; a practice never read is absent.
 */
export async function readCursors(
  sql: SqlExecutor,
  practiceIds: readonly string[],
): Promise<Map<string, { since: string; updatedAt: string }>> {
  if (practiceIds.length === 0) return new Map();
  const { rows } = await sql.query<{ practice_id: string; since: unknown; updated_at: unknown }>(
    'SELECT practice_id, since, updated_at FROM accounting_cursors WHERE practice_id = ANY($1::text[])',
    [[...practiceIds]],
  );
  return new Map(rows.map((r) => [r.practice_id, { since: toIso(r.since), updatedAt: toIso(r.updated_at) }] as const));
}

/** {@link saveCursor} of several practices in one statement: one read of their company covered them all. */
export async function saveCursors(sql: SqlExecutor, practiceIds: readonly string[], since: string, now: Date): Promise<void> {
  if (practiceIds.length === 0) return;
  await sql.query(
    `INSERT INTO accounting_cursors (practice_id, since, updated_at)
       SELECT p, $2::timestamptz, $3::timestamptz FROM unnest($1::text[]) AS p
     ON CONFLICT (practice_id) DO UPDATE SET since = GREATEST(accounting_cursors.since, EXCLUDED.since), updated_at = EXCLUDED.updated_at`,
    [[...new Set(practiceIds)], since, now.toISOString()],
  );
}

/**
 * Record a webhook event as applied, inside the SQL transaction of its effect. `false` when it was
 * recorded before (a redelivery): the caller then applies nothing.
 */
export async function claimEvent(sql: SqlExecutor, practiceId: string, eventId: string, now: Date): Promise<boolean> {
  const { rows } = await sql.query(
    `INSERT INTO accounting_events (practice_id, event_id, received_at) VALUES ($1, $2, $3::timestamptz)
     ON CONFLICT DO NOTHING RETURNING event_id`,
    [practiceId, eventId.slice(0, 500), now.toISOString()],
  );
  return rows.length === 1;
}

/** Forget events older than `cutoff` (Intuit stops redelivering long before). How many were deleted. */
export async function pruneEvents(sql: SqlExecutor, cutoff: Date): Promise<number> {
  const { rows } = await sql.query('DELETE FROM accounting_events WHERE received_at < $1::timestamptz RETURNING event_id', [
    cutoff.toISOString(),
  ]);
  return rows.length;
}
