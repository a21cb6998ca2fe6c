/**
 * The `reminders`, `messaging_recipient_flags` and `messaging_events` tables (migration 7): SQL only.
 *
 * Exactly once. A reminder is sent only by the statement that moves it NOT_SENT → SENDING
 * ({@link claimSend}), committed before the provider is called; no statement ever moves it back to
 * NOT_SENT. A run that crashes after the claim finds SENDING and settles it from the provider (a
 * listing, an event), never by sending again: the port's rule for a send that may have arrived.
 *
 * A status only moves forward (the port's precedence): QUEUED < SENT < DELIVERED, and DELIVERED,
 * FAILED, SUPPRESSED are final, whatever order the provider's events arrive in.
 */
import type { Channel, RecipientFlag, ReminderStatus } from '../../adapters/messaging/port';
import { toIso, toIsoOrNull, toSafeInteger } from '../../transactions/row-values';
import type { SqlExecutor } from '../../transactions/sql-client';

export type SendState = 'NOT_SENT' | 'SENDING' | 'ACCEPTED' | 'REFUSED' | 'UNKNOWN' | 'SKIPPED';

export interface ReminderRow {
  reminderId: string;
  practiceId: string;
  transactionId: string;
  cycleId: string | null;
  guarantorId: string;
  channel: Channel;
  /** The full recipient: for the provider only; the API shows it masked. */
  recipient: string;
  system: string;
  amount: number;
  status: ReminderStatus;
  sendState: SendState;
  providerMessageId: string | null;
  failureReason: string | null;
  errorCode: string | null;
  sentAt: string | null;
  sendStartedAt: string | null;
  createdAt: string;
}

function reminderFrom(raw: Record<string, unknown>): ReminderRow {
  return {
    reminderId: String(raw.reminder_id),
    practiceId: String(raw.practice_id),
    transactionId: String(raw.transaction_id),
    cycleId: (raw.cycle_id as string | null) ?? null,
    guarantorId: String(raw.guarantor_id),
    channel: raw.channel as Channel,
    recipient: String(raw.recipient),
    system: String(raw.system),
    amount: toSafeInteger(raw.amount_cents, 'amount_cents'),
    status: raw.status as ReminderStatus,
    sendState: raw.send_state as SendState,
    providerMessageId: (raw.provider_message_id as string | null) ?? null,
    failureReason: (raw.failure_reason as string | null) ?? null,
    errorCode: (raw.error_code as string | null) ?? null,
    sentAt: toIsoOrNull(raw.sent_at),
    sendStartedAt: toIsoOrNull(raw.send_started_at),
    createdAt: toIso(raw.created_at),
  };
}

export interface NewReminder {
  practiceId: string;
  transactionId: string;
  cycleId: string | null;
  guarantorId: string;
  /** `sendReminder`'s idempotency key; `null` for a cycle's reminders (unique per cycle, guarantor, channel). */
  requestKey: string | null;
  channel: Channel;
  recipient: string;
  system: string;
  amount: number;
  now: Date;
}

/** Insert a reminder, or find the one its (cycle, guarantor, channel) or request key already made. */
export async function insertReminder(tx: SqlExecutor, r: NewReminder): Promise<{ row: ReminderRow; created: boolean }> {
  const inserted = await tx.query<Record<string, unknown>>(
    `INSERT INTO reminders (reminder_id, practice_id, transaction_id, cycle_id, guarantor_id, request_key, channel, recipient,
       system, amount_cents, created_at, updated_at)
     VALUES ('rem_' || nextval('reminder_id_seq'), $1, $2, $3, $4, $5, $6, $7, $8, $9::bigint, $10::timestamptz, $10::timestamptz)
     ON CONFLICT DO NOTHING RETURNING *`,
    [
      r.practiceId,
      r.transactionId,
      r.cycleId,
      r.guarantorId,
      r.requestKey,
      r.channel,
      r.recipient,
      r.system,
      String(r.amount),
      r.now.toISOString(),
    ],
  );
  if (inserted.rows[0]) return { row: reminderFrom(inserted.rows[0]), created: true };
  const { rows } = await tx.query<Record<string, unknown>>(
    r.cycleId !== null
      ? 'SELECT * FROM reminders WHERE cycle_id = $1 AND guarantor_id = $2 AND channel = $3'
      : 'SELECT * FROM reminders WHERE practice_id = $1 AND request_key = $2 AND channel = $3',
    r.cycleId !== null ? [r.cycleId, r.guarantorId, r.channel] : [r.practiceId, r.requestKey, r.channel],
  );
  if (!rows[0]) throw new Error(`reminder of ${r.transactionId} on ${r.channel} vanished after a conflict`);
  return { row: reminderFrom(rows[0]), created: false };
}

export async function getReminder(sql: SqlExecutor, reminderId: string): Promise<ReminderRow | null> {
  const { rows } = await sql.query<Record<string, unknown>>('SELECT * FROM reminders WHERE reminder_id = $1', [reminderId]);
  return rows[0] ? reminderFrom(rows[0]) : null;
}

/** A transaction's reminders, oldest first. */
export async function remindersOf(sql: SqlExecutor, transactionId: string): Promise<ReminderRow[]> {
  const { rows } = await sql.query<Record<string, unknown>>(
    'SELECT * FROM reminders WHERE transaction_id = $1 ORDER BY created_at, reminder_id',
    [transactionId],
  );
  return rows.map(reminderFrom);
}

/** The reminders one `sendReminder` key made (a replay answers them), by channel. */
export async function remindersByKey(sql: SqlExecutor, practiceId: string, requestKey: string): Promise<ReminderRow[]> {
  const { rows } = await sql.query<Record<string, unknown>>(
    'SELECT * FROM reminders WHERE practice_id = $1 AND request_key = $2 ORDER BY channel DESC',
    [practiceId, requestKey],
  );
  return rows.map(reminderFrom);
}

/** The only way to a send: NOT_SENT → SENDING, committed before the provider is called. */
export async function claimSend(sql: SqlExecutor, reminderId: string, now: Date): Promise<ReminderRow | null> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `UPDATE reminders SET send_state = 'SENDING', send_started_at = $2::timestamptz, updated_at = $2::timestamptz
     WHERE reminder_id = $1 AND send_state = 'NOT_SENT' RETURNING *`,
    [reminderId, now.toISOString()],
  );
  return rows[0] ? reminderFrom(rows[0]) : null;
}

/** A claimed send that nothing reached the provider with (the adapter threw `UpstreamError`): SENDING → NOT_SENT, safe to retry. */
export async function releaseSend(sql: SqlExecutor, reminderId: string, now: Date): Promise<void> {
  await sql.query(
    `UPDATE reminders SET send_state = 'NOT_SENT', send_started_at = NULL, updated_at = $2::timestamptz
     WHERE reminder_id = $1 AND send_state = 'SENDING'`,
    [reminderId, now.toISOString()],
  );
}

/** The statuses a status may move to from each (forward only; final states move nowhere). */
const FORWARD: Record<ReminderStatus, ReminderStatus[]> = {
  QUEUED: [],
  SENT: ['QUEUED'],
  DELIVERED: ['QUEUED', 'SENT'],
  FAILED: ['QUEUED', 'SENT'],
  SUPPRESSED: ['QUEUED', 'SENT'],
};

/** Where a send ended: its send state, and the status, reasons and provider id it brought. */
export interface SendResult {
  sendState: Exclude<SendState, 'NOT_SENT' | 'SENDING'>;
  status: ReminderStatus;
  providerMessageId?: string | null;
  failureReason?: string | null;
  errorCode?: string | null;
  sentAt?: string | null;
}

/**
 * Record a send's end (from SENDING, or SKIPPED straight from NOT_SENT); the status moves only
 * forward (an event may have come first). A cycle's reminder accepted by its provider counts in
 * `reminders_sent`. `false` when the reminder was not in a state to end.
 */
export async function recordSend(tx: SqlExecutor, reminderId: string, result: SendResult, now: Date): Promise<boolean> {
  const from = result.sendState === 'SKIPPED' ? 'NOT_SENT' : 'SENDING';
  const forward = FORWARD[result.status];
  const { rows } = await tx.query<{ cycle_id: string | null }>(
    `UPDATE reminders SET send_state = $2,
       provider_message_id = COALESCE(provider_message_id, $3),
       status = CASE WHEN status = ANY($4::text[]) THEN $5 ELSE status END,
       failure_reason = CASE WHEN status = ANY($4::text[]) THEN $6 ELSE failure_reason END,
       error_code = CASE WHEN status = ANY($4::text[]) THEN $7 ELSE error_code END,
       sent_at = COALESCE(sent_at, $8::timestamptz),
       updated_at = $9::timestamptz
     WHERE reminder_id = $1 AND send_state = $10 RETURNING cycle_id`,
    [
      reminderId,
      result.sendState,
      result.providerMessageId ?? null,
      forward,
      result.status,
      result.failureReason ?? null,
      result.errorCode ?? null,
      result.sentAt ?? null,
      now.toISOString(),
      from,
    ],
  );
  const row = rows[0];
  if (!row) return false;
  if (row.cycle_id && result.sendState === 'ACCEPTED') {
    await tx.query('UPDATE billing_cycles SET reminders_sent = reminders_sent + 1 WHERE cycle_id = $1', [row.cycle_id]);
  }
  return true;
}

/**
 * Settle a send whose answer was lost (UNKNOWN): ACCEPTED when the provider has it (its listing
 * found it, or an event moved it), REFUSED when it never turned up (FAILED, `unknown`). The status
 * moves only forward; a cycle's reminder the provider had counts in `reminders_sent`.
 */
export async function settleUnknown(
  tx: SqlExecutor,
  reminderId: string,
  result: {
    sendState: 'ACCEPTED' | 'REFUSED';
    status: ReminderStatus;
    providerMessageId: string | null;
    failureReason: string | null;
  },
  now: Date,
): Promise<boolean> {
  const { rows } = await tx.query<{ cycle_id: string | null }>(
    `UPDATE reminders SET send_state = $2, provider_message_id = COALESCE(provider_message_id, $3),
       status = CASE WHEN status = ANY($4::text[]) THEN $5 ELSE status END,
       failure_reason = CASE WHEN status = ANY($4::text[]) THEN $6 ELSE failure_reason END,
       updated_at = $7::timestamptz
     WHERE reminder_id = $1 AND send_state = 'UNKNOWN' RETURNING cycle_id`,
    [
      reminderId,
      result.sendState,
      result.providerMessageId,
      FORWARD[result.status],
      result.status,
      result.failureReason,
      now.toISOString(),
    ],
  );
  const row = rows[0];
  if (!row) return false;
  if (row.cycle_id && result.sendState === 'ACCEPTED') {
    await tx.query('UPDATE billing_cycles SET reminders_sent = reminders_sent + 1 WHERE cycle_id = $1', [row.cycle_id]);
  }
  return true;
}

/**
 * A provider's word on a sent message (an event, a read-back), found by our reminder id or the
 * provider's message id; the status moves only forward. Answers the reminder it changed, `null` when
 * none matched or it was already past that status.
 */
export async function applyStatus(
  tx: SqlExecutor,
  practiceId: string,
  system: string,
  ref: { reminderId: string | null; providerMessageId: string | null },
  change: { status: ReminderStatus; failureReason: string | null; errorCode: string | null; at: Date },
): Promise<ReminderRow | null> {
  const { rows } = await tx.query<Record<string, unknown>>(
    `UPDATE reminders SET status = $5, failure_reason = $6, error_code = $7,
       provider_message_id = COALESCE(provider_message_id, $4),
       sent_at = CASE WHEN $5 IN ('SENT', 'DELIVERED') THEN COALESCE(sent_at, $9::timestamptz) ELSE sent_at END,
       updated_at = $9::timestamptz
     WHERE practice_id = $1 AND system = $2 AND status = ANY($8::text[])
       AND (reminder_id = $3 OR ($3::text IS NULL AND provider_message_id = $4))
     RETURNING *`,
    [
      practiceId,
      system,
      ref.reminderId,
      ref.providerMessageId,
      change.status,
      change.failureReason,
      change.errorCode,
      FORWARD[change.status],
      change.at.toISOString(),
    ],
  );
  return rows[0] ? reminderFrom(rows[0]) : null;
}

/** The guarantors a cycle reminded since `since` (the frequency cap), not counting reminders that never went out. */
export async function remindedSince(sql: SqlExecutor, practiceId: string, since: Date): Promise<Set<string>> {
  const { rows } = await sql.query<{ guarantor_id: string }>(
    `SELECT DISTINCT guarantor_id FROM reminders
     WHERE practice_id = $1 AND cycle_id IS NOT NULL AND created_at >= $2::timestamptz AND status NOT IN ('FAILED', 'SUPPRESSED')`,
    [practiceId, since.toISOString()],
  );
  return new Set(rows.map((r) => String(r.guarantor_id)));
}

/** How many of a cycle's reminders have not finished sending (NOT_SENT or SENDING). */
export async function unsentOfCycle(sql: SqlExecutor, cycleId: string): Promise<number> {
  const { rows } = await sql.query<{ n: unknown }>(
    `SELECT count(*) AS n FROM reminders WHERE cycle_id = $1 AND send_state IN ('NOT_SENT', 'SENDING')`,
    [cycleId],
  );
  return toSafeInteger(rows[0]?.n ?? 0, 'count');
}

// ---------------------------------------------------------------------------------------------
// The suppression list and events seen
// ---------------------------------------------------------------------------------------------

/** Flag a recipient (opted out, invalid); an existing flag takes the newer reason. */
export async function setFlag(
  tx: SqlExecutor,
  practiceId: string,
  channel: Channel,
  recipient: string,
  flag: RecipientFlag,
  reason: string,
  now: Date,
): Promise<void> {
  await tx.query(
    `INSERT INTO messaging_recipient_flags (practice_id, channel, recipient, flag, reason, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6::timestamptz)
     ON CONFLICT (practice_id, channel, recipient) DO UPDATE SET flag = EXCLUDED.flag, reason = EXCLUDED.reason,
       updated_at = EXCLUDED.updated_at`,
    [practiceId, channel, recipient, flag, reason, now.toISOString()],
  );
}

/** She opted back in: her opt-out goes (an INVALID flag stays: a bad number does not become good by a START). */
export async function clearOptOut(tx: SqlExecutor, practiceId: string, channel: Channel, recipient: string): Promise<void> {
  await tx.query(
    `DELETE FROM messaging_recipient_flags WHERE practice_id = $1 AND channel = $2 AND recipient = $3 AND flag = 'OPTED_OUT'`,
    [practiceId, channel, recipient],
  );
}

/** The flag on one recipient, or `null`. */
export async function flagOf(
  sql: SqlExecutor,
  practiceId: string,
  channel: Channel,
  recipient: string,
): Promise<{ flag: RecipientFlag; reason: string } | null> {
  const { rows } = await sql.query<{ flag: RecipientFlag; reason: string }>(
    'SELECT flag, reason FROM messaging_recipient_flags WHERE practice_id = $1 AND channel = $2 AND recipient = $3',
    [practiceId, channel, recipient],
  );
  return rows[0] ?? null;
}

/** Every flagged recipient of a practice as `<channel>:<recipient>` (selection's `flagged`). */
export async function flaggedOf(sql: SqlExecutor, practiceId: string): Promise<Set<string>> {
  const { rows } = await sql.query<{ channel: string; recipient: string }>(
    'SELECT channel, recipient FROM messaging_recipient_flags WHERE practice_id = $1',
    [practiceId],
  );
  return new Set(rows.map((r) => `${r.channel}:${r.recipient}`));
}

/** Record an event id once; `false` when it was seen before (a redelivery). */
export async function recordEvent(
  tx: SqlExecutor,
  practiceId: string,
  system: string,
  eventId: string,
  now: Date,
): Promise<boolean> {
  const inserted = await tx.query(
    `INSERT INTO messaging_events (practice_id, system, event_id, received_at) VALUES ($1, $2, $3, $4::timestamptz)
     ON CONFLICT DO NOTHING`,
    [practiceId, system, eventId, now.toISOString()],
  );
  return inserted.rowCount > 0;
}
