/**
 * The `checkouts` table (migration 4) and its companions `processor_events` and
 * `processor_webhook_registrations`: SQL only, over the store's own handle (`store.sql`), so a
 * checkout's row, its ledger transaction and its jobs commit together where they must.
 *
 * Every change is one `UPDATE … WHERE <the states it may come from>`: a checkout is paid once (the
 * first payment id wins and is never replaced), and closes (EXPIRED, CANCELED) only while OPEN.
 */
import type { SqlExecutor } from '../../transactions/sql-client';
import { fromJson, toIso, toIsoOrNull, toSafeInteger } from '../../transactions/row-values';
import type { ProcessorName } from '../../adapters/processor/port';
import type { CheckoutLine } from '../../ledger/checkout-lines';

/** The gateway's view of a checkout (GraphQL `CheckoutStatus`). */
export type CheckoutStatus = 'OPEN' | 'PAID' | 'EXPIRED' | 'CANCELED';

export interface CheckoutRow {
  transactionId: string;
  practiceId: string;
  processor: ProcessorName;
  status: CheckoutStatus;
  lines: CheckoutLine[];
  /** Positive cents, frozen at creation. */
  total: number;
  currency: string;
  paymentTypeId: string;
  returnUrl: string | null;
  expiresAt: string;
  /** The processor's checkout id, match id and hosted page, once opened. */
  checkoutId: string | null;
  matchId: string | null;
  url: string | null;
  /** How many `createCheckout` calls were started (each with key `<transactionId>:checkout:<n>`). */
  openAttempts: number;
  paymentId: string | null;
  amountPaid: number;
  amountRefunded: number;
  paidAt: string | null;
  /** The ledger posting of a paid checkout (migration 4). */
  postState: PostState;
  /** Why it closed unpaid when the status alone does not say (migration 5), e.g. `the payment failed to settle`. */
  closeReason: string | null;
  createdAt: string;
  updatedAt: string;
  /** What the pay page greets the patient with (migration 6); null for older checkouts. */
  patientFirstName: string | null;
}

/** NOT_SENT → SENT (the ledger took it) or REFUSED (attention; `retryPosting` → NOT_SENT again). */
export type PostState = 'NOT_SENT' | 'SENT' | 'REFUSED';

export interface NewCheckout {
  transactionId: string;
  practiceId: string;
  processor: ProcessorName;
  lines: CheckoutLine[];
  total: number;
  currency: string;
  paymentTypeId: string;
  returnUrl: string | null;
  expiresAt: Date;
  payTokenHash: string;
  patientFirstName: string | null;
  now: Date;
}

/** A `checkouts` row as read (also by the pay page's joined lookup, `pay-page-access.ts`). */
export function checkoutFrom(raw: Record<string, unknown>): CheckoutRow {
  return {
    transactionId: String(raw.transaction_id),
    practiceId: String(raw.practice_id),
    processor: raw.processor as ProcessorName,
    status: raw.status as CheckoutStatus,
    lines: fromJson<CheckoutLine[]>(raw.lines),
    total: toSafeInteger(raw.total_cents, 'total_cents'),
    currency: String(raw.currency),
    paymentTypeId: String(raw.payment_type_id),
    returnUrl: (raw.return_url as string | null) ?? null,
    expiresAt: toIso(raw.expires_at),
    checkoutId: (raw.checkout_id as string | null) ?? null,
    matchId: (raw.match_id as string | null) ?? null,
    url: (raw.url as string | null) ?? null,
    openAttempts: toSafeInteger(raw.open_attempts, 'open_attempts'),
    paymentId: (raw.payment_id as string | null) ?? null,
    amountPaid: toSafeInteger(raw.amount_paid_cents, 'amount_paid_cents'),
    amountRefunded: toSafeInteger(raw.amount_refunded_cents, 'amount_refunded_cents'),
    paidAt: toIsoOrNull(raw.paid_at),
    postState: raw.post_state as PostState,
    closeReason: (raw.close_reason as string | null) ?? null,
    createdAt: toIso(raw.created_at),
    updatedAt: toIso(raw.updated_at),
    patientFirstName: (raw.patient_first_name as string | null) ?? null,
  };
}

export async function insertCheckout(tx: SqlExecutor, checkout: NewCheckout): Promise<void> {
  const now = checkout.now.toISOString();
  await tx.query(
    `INSERT INTO checkouts (transaction_id, practice_id, processor, lines, total_cents, currency, payment_type_id,
       return_url, expires_at, pay_token_hash, created_at, updated_at, patient_first_name)
     VALUES ($1, $2, $3, $4::jsonb, $5::bigint, $6, $7, $8, $9::timestamptz, $10, $11::timestamptz, $11::timestamptz, $12)`,
    [
      checkout.transactionId,
      checkout.practiceId,
      checkout.processor,
      JSON.stringify(checkout.lines),
      String(checkout.total),
      checkout.currency,
      checkout.paymentTypeId,
      checkout.returnUrl,
      checkout.expiresAt.toISOString(),
      checkout.payTokenHash,
      now,
      checkout.patientFirstName,
    ],
  );
}

export async function getCheckout(sql: SqlExecutor, transactionId: string): Promise<CheckoutRow | null> {
  const { rows } = await sql.query<Record<string, unknown>>('SELECT * FROM checkouts WHERE transaction_id = $1', [transactionId]);
  return rows[0] ? checkoutFrom(rows[0]) : null;
}

/** The practice's checkout an event names by any of the processor's references (indexed), or `null`. */
export async function findCheckout(
  sql: SqlExecutor,
  practiceId: string,
  refs: { transactionId?: string | null; checkoutId?: string | null; matchId?: string | null; paymentId?: string | null },
): Promise<CheckoutRow | null> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `SELECT * FROM checkouts WHERE practice_id = $1 AND (
       transaction_id = $2 OR checkout_id = $3 OR match_id = $4 OR match_id = $3 OR payment_id = $5)
     LIMIT 1`,
    [practiceId, refs.transactionId ?? null, refs.checkoutId ?? null, refs.matchId ?? null, refs.paymentId ?? null],
  );
  return rows[0] ? checkoutFrom(rows[0]) : null;
}

/** Count one more `createCheckout` attempt, durably, before the call; the attempt's number. */
export async function claimOpenAttempt(sql: SqlExecutor, transactionId: string, now: Date): Promise<number> {
  const { rows } = await sql.query<{ open_attempts: unknown }>(
    `UPDATE checkouts SET open_attempts = open_attempts + 1, updated_at = $2::timestamptz
      WHERE transaction_id = $1 RETURNING open_attempts`,
    [transactionId, now.toISOString()],
  );
  return toSafeInteger(rows[0]?.open_attempts, 'open_attempts');
}

/** Remember what the processor answered for the checkout (its ids and page). */
export async function recordOpened(
  sql: SqlExecutor,
  transactionId: string,
  opened: { checkoutId: string; matchId: string; url: string | null },
  now: Date,
): Promise<CheckoutRow | null> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `UPDATE checkouts SET checkout_id = $2, match_id = $3, url = $4, updated_at = $5::timestamptz
      WHERE transaction_id = $1 RETURNING *`,
    [transactionId, opened.checkoutId, opened.matchId, opened.url, now.toISOString()],
  );
  return rows[0] ? checkoutFrom(rows[0]) : null;
}

/**
 * The checkout was paid with `paymentId`: OPEN → PAID (the hosted page is gone). `newly: true` only
 * for the first paid signal; a repeat with the same payment changes nothing; another payment id for
 * a checkout already paid is refused (`null`): the processor's page takes one payment.
 */
export async function markPaid(
  tx: SqlExecutor,
  transactionId: string,
  payment: { paymentId: string; amountPaid: number },
  now: Date,
): Promise<{ row: CheckoutRow; newly: boolean } | null> {
  const { rows } = await tx.query<Record<string, unknown>>(
    `UPDATE checkouts SET status = 'PAID', payment_id = $2, amount_paid_cents = $3::bigint, url = NULL,
            paid_at = $4::timestamptz, updated_at = $4::timestamptz
      WHERE transaction_id = $1 AND status IN ('OPEN', 'EXPIRED', 'CANCELED') AND payment_id IS NULL RETURNING *`,
    [transactionId, payment.paymentId, String(payment.amountPaid), now.toISOString()],
  );
  if (rows[0]) return { row: checkoutFrom(rows[0]), newly: true };
  const current = await getCheckout(tx, transactionId);
  return current?.paymentId === payment.paymentId ? { row: current, newly: false } : null;
}

/** OPEN → EXPIRED or CANCELED; `null` when it is not OPEN any more (paid meanwhile, closed already). */
export async function markClosed(
  tx: SqlExecutor,
  transactionId: string,
  status: 'EXPIRED' | 'CANCELED',
  now: Date,
  reason: string | null = null,
): Promise<CheckoutRow | null> {
  const { rows } = await tx.query<Record<string, unknown>>(
    `UPDATE checkouts SET status = $2, url = NULL, updated_at = $3::timestamptz, close_reason = $4
      WHERE transaction_id = $1 AND status = 'OPEN' RETURNING *`,
    [transactionId, status, now.toISOString(), reason],
  );
  return rows[0] ? checkoutFrom(rows[0]) : null;
}

/** Whether a processor event id was recorded already (to skip a redelivery's read-back). */
export async function processorEventSeen(sql: SqlExecutor, practiceId: string, eventId: string): Promise<boolean> {
  const { rows } = await sql.query('SELECT 1 FROM processor_events WHERE practice_id = $1 AND event_id = $2', [
    practiceId,
    eventId,
  ]);
  return rows.length > 0;
}

/** Record a processor event id; `false` when it was seen before (a redelivery: apply nothing). */
export async function recordProcessorEvent(tx: SqlExecutor, practiceId: string, eventId: string, now: Date): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO processor_events (practice_id, event_id, received_at) VALUES ($1, $2, $3::timestamptz)
     ON CONFLICT (practice_id, event_id) DO NOTHING`,
    [practiceId, eventId, now.toISOString()],
  );
  return rowCount === 1;
}

export interface ProcessorRegistration {
  endpointId: string;
  secret: string;
  url: string;
}

export async function getProcessorRegistration(sql: SqlExecutor, practiceId: string): Promise<ProcessorRegistration | null> {
  const { rows } = await sql.query<{ endpoint_id: string; secret: string; url: string }>(
    'SELECT endpoint_id, secret, url FROM processor_webhook_registrations WHERE practice_id = $1',
    [practiceId],
  );
  const row = rows[0];
  return row ? { endpointId: row.endpoint_id, secret: row.secret, url: row.url } : null;
}

/**
 * Keep the practice's registration for its URL: instances starting together on one URL converge on
 * the first one saved; a registration for another URL (the public URL changed) replaces it.
 */
export async function saveProcessorRegistration(
  sql: SqlExecutor,
  practiceId: string,
  registration: ProcessorRegistration,
  now: Date,
): Promise<ProcessorRegistration> {
  await sql.query(
    `INSERT INTO processor_webhook_registrations (practice_id, endpoint_id, secret, url, created_at)
     VALUES ($1, $2, $3, $4, $5::timestamptz)
     ON CONFLICT (practice_id) DO UPDATE SET endpoint_id = EXCLUDED.endpoint_id, secret = EXCLUDED.secret,
       url = EXCLUDED.url, created_at = EXCLUDED.created_at
     WHERE processor_webhook_registrations.url <> EXCLUDED.url`,
    [practiceId, registration.endpointId, registration.secret, registration.url, now.toISOString()],
  );
  return (await getProcessorRegistration(sql, practiceId)) ?? registration;
}

/** The OPEN checkouts past `expiresAt` at `now` (for the expiry sweep), oldest first. */
export async function checkoutsPastExpiry(sql: SqlExecutor, now: Date, limit: number): Promise<CheckoutRow[]> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `SELECT * FROM checkouts WHERE status = 'OPEN' AND expires_at <= $1::timestamptz ORDER BY expires_at LIMIT $2`,
    [now.toISOString(), limit],
  );
  return rows.map(checkoutFrom);
}

/** Move the posting's state from one of `from` to `to`; `false` when it was not in `from`. */
export async function setPostState(
  sql: SqlExecutor,
  transactionId: string,
  from: readonly PostState[],
  to: PostState,
  now: Date,
): Promise<boolean> {
  const { rowCount } = await sql.query(
    `UPDATE checkouts SET post_state = $2, updated_at = $3::timestamptz
      WHERE transaction_id = $1 AND post_state = ANY($4::text[])`,
    [transactionId, to, now.toISOString(), from],
  );
  return rowCount === 1;
}

/** Checkouts of unfinished transactions without a live job (a restart resumes them), oldest first. */
export async function checkoutsWithoutJob(sql: SqlExecutor, limit: number): Promise<string[]> {
  const { rows } = await sql.query<{ transaction_id: string }>(
    `SELECT c.transaction_id FROM checkouts c JOIN ledger_transactions t ON t.transaction_id = c.transaction_id
      WHERE t.status IN ('PENDING', 'SUBMITTED') AND c.post_state <> 'REFUSED'
        AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'collection.advance'
                         AND j.singleton_key = c.transaction_id AND j.state IN ('queued', 'active'))
      ORDER BY c.created_at LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.transaction_id);
}
