/**
 * The `claim_watches` and `claim_status_events` tables (migration 9): SQL only. A watch row is a
 * claim's polling state and its last payer status; an event row is one change the fingerprint found.
 */
import { fromJson, toIsoOrNull, toSafeInteger } from '../../transactions/row-values';
import type { SqlClient, SqlExecutor } from '../../transactions/sql-client';
import type { PatientBalance } from '../../ledger/patient-balance';
import type { CadenceStep } from './cadence';
import type { ClaimCategory, ClaimEvent, ClaimStatusRecord, PollingState } from './types';

export interface WatchRow {
  practiceId: string;
  claimId: string;
  patientId: string;
  guarantorId: string | null;
  polling: PollingState;
  attentionReason: string | null;
  ledgerStatus: string | null;
  inquiryKeyHash: string | null;
  serviceDate: string | null;
  category: ClaimCategory | null;
  fingerprint: string | null;
  record: ClaimStatusRecord | null;
  payerClaimNumber: string | null;
  notFoundCount: number;
  errorCount: number;
  confirming: boolean;
  lastChangeAt: string | null;
  checkedAt: string | null;
  nextInquiryAt: string | null;
}

export interface EventRow {
  eventId: string;
  practiceId: string;
  claimId: string;
  event: ClaimEvent;
  category: ClaimCategory;
  previousCategory: ClaimCategory | null;
  balance: PatientBalance | null;
  publishedAt: string | null;
  createdAt: string;
}

function watchFrom(raw: Record<string, unknown>): WatchRow {
  return {
    practiceId: String(raw.practice_id),
    claimId: String(raw.claim_id),
    patientId: String(raw.patient_id),
    guarantorId: (raw.guarantor_id as string | null) ?? null,
    polling: raw.polling as PollingState,
    attentionReason: (raw.attention_reason as string | null) ?? null,
    ledgerStatus: (raw.ledger_status as string | null) ?? null,
    inquiryKeyHash: (raw.inquiry_key_hash as string | null) ?? null,
    serviceDate: (raw.service_date as string | null) ?? null,
    category: (raw.category as ClaimCategory | null) ?? null,
    fingerprint: (raw.fingerprint as string | null) ?? null,
    record: raw.record == null ? null : fromJson<ClaimStatusRecord>(raw.record),
    payerClaimNumber: (raw.payer_claim_number as string | null) ?? null,
    notFoundCount: toSafeInteger(raw.not_found_count, 'not_found_count'),
    errorCount: toSafeInteger(raw.error_count, 'error_count'),
    confirming: raw.confirming === true,
    lastChangeAt: toIsoOrNull(raw.last_change_at),
    checkedAt: toIsoOrNull(raw.checked_at),
    nextInquiryAt: toIsoOrNull(raw.next_inquiry_at),
  };
}

function eventFrom(raw: Record<string, unknown>): EventRow {
  return {
    eventId: String(raw.event_id),
    practiceId: String(raw.practice_id),
    claimId: String(raw.claim_id),
    event: raw.event as ClaimEvent,
    category: raw.category as ClaimCategory,
    previousCategory: (raw.previous_category as ClaimCategory | null) ?? null,
    balance: raw.balance == null ? null : fromJson<PatientBalance>(raw.balance),
    publishedAt: toIsoOrNull(raw.published_at),
    createdAt: toIsoOrNull(raw.created_at)!,
  };
}

export async function getWatch(sql: SqlExecutor, practiceId: string, claimId: string): Promise<WatchRow | null> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `SELECT * FROM claim_watches WHERE practice_id = $1 AND claim_id = $2`,
    [practiceId, claimId],
  );
  return rows[0] ? watchFrom(rows[0]) : null;
}

/** The watches of some claims of one practice (a loader's batch). */
export async function watchesOf(sql: SqlExecutor, practiceId: string, claimIds: readonly string[]): Promise<WatchRow[]> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `SELECT * FROM claim_watches WHERE practice_id = $1 AND claim_id = ANY($2::text[])`,
    [practiceId, [...claimIds]],
  );
  return rows.map(watchFrom);
}

export interface NewWatch {
  practiceId: string;
  claimId: string;
  patientId: string;
  guarantorId: string | null;
  ledgerStatus: string;
  inquiryKeyHash: string;
  serviceDate: string;
  nextInquiryAt: Date;
  now: Date;
}

/**
 * Start watching a claim, or update what the ledger says of one already watched. A claim waiting
 * for the practice (NEEDS_ATTENTION) is watched again once its inquiry key or ledger status
 * changed; `created`/`resumed` tell the caller to enqueue its job.
 */
export async function upsertWatch(sql: SqlExecutor, w: NewWatch): Promise<{ row: WatchRow; created: boolean; resumed: boolean }> {
  const now = w.now.toISOString();
  const inserted = await sql.query<Record<string, unknown>>(
    `INSERT INTO claim_watches (practice_id, claim_id, patient_id, guarantor_id, ledger_status, inquiry_key_hash,
                                service_date, next_inquiry_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
     ON CONFLICT (practice_id, claim_id) DO NOTHING RETURNING *`,
    [
      w.practiceId,
      w.claimId,
      w.patientId,
      w.guarantorId,
      w.ledgerStatus,
      w.inquiryKeyHash,
      w.serviceDate,
      w.nextInquiryAt.toISOString(),
      now,
    ],
  );
  if (inserted.rows[0]) return { row: watchFrom(inserted.rows[0]), created: true, resumed: false };
  const resumed = await sql.query<Record<string, unknown>>(
    `UPDATE claim_watches SET polling = 'WATCHING', attention_reason = NULL, not_found_count = 0, error_count = 0,
            ledger_status = $3, inquiry_key_hash = $4, next_inquiry_at = $5, updated_at = $6
      WHERE practice_id = $1 AND claim_id = $2 AND polling = 'NEEDS_ATTENTION'
        AND (ledger_status IS DISTINCT FROM $3 OR inquiry_key_hash IS DISTINCT FROM $4)
      RETURNING *`,
    [w.practiceId, w.claimId, w.ledgerStatus, w.inquiryKeyHash, w.now.toISOString(), now],
  );
  if (resumed.rows[0]) return { row: watchFrom(resumed.rows[0]), created: false, resumed: true };
  const updated = await sql.query<Record<string, unknown>>(
    `UPDATE claim_watches SET ledger_status = $3, inquiry_key_hash = $4, patient_id = $5, guarantor_id = $6, updated_at = $7
      WHERE practice_id = $1 AND claim_id = $2 RETURNING *`,
    [w.practiceId, w.claimId, w.ledgerStatus, w.inquiryKeyHash, w.patientId, w.guarantorId, now],
  );
  return { row: watchFrom(updated.rows[0]!), created: false, resumed: false };
}

/**
 * Take the claim's next clearinghouse inquiry: one conditional UPDATE, so of two callers at once (two
 * `refreshClaimStatus`, or one and the `claims.inquire` job, on any instances) one wins and the other
 * answers from the stored status. Wins only when the last inquiry is at least `minIntervalMs` old (or
 * there was none); the winner's `checked_at` is `now`, which its stored outcome keeps.
 */
export async function claimInquiry(
  sql: SqlExecutor,
  practiceId: string,
  claimId: string,
  now: Date,
  minIntervalMs: number,
): Promise<boolean> {
  const { rowCount } = await sql.query(
    `UPDATE claim_watches SET checked_at = $3, updated_at = $3
      WHERE practice_id = $1 AND claim_id = $2
        AND (checked_at IS NULL OR checked_at <= $3::timestamptz - $4::double precision * interval '1 millisecond')`,
    [practiceId, claimId, now.toISOString(), minIntervalMs],
  );
  return rowCount > 0;
}

/** Store an inquiry's outcome: the cadence's step, and the record when the payer answered. */
export async function storeStep(
  sql: SqlExecutor,
  practiceId: string,
  claimId: string,
  step: CadenceStep,
  answered: { record: ClaimStatusRecord; fingerprint: string } | null,
  /** The fingerprint the caller read: the update applies only if it is still the stored one. */
  expectedFingerprint: string | null,
  now: Date,
): Promise<boolean> {
  const { rowCount } = await sql.query(
    `UPDATE claim_watches SET polling = $3, attention_reason = $4, not_found_count = $5, error_count = $6,
            confirming = $7, last_change_at = $8, next_inquiry_at = $9, checked_at = $10, updated_at = $10,
            record = COALESCE($11::jsonb, record), fingerprint = COALESCE($12, fingerprint),
            category = COALESCE($13, category), payer_claim_number = COALESCE(payer_claim_number, $14)
      WHERE practice_id = $1 AND claim_id = $2 AND fingerprint IS NOT DISTINCT FROM $15`,
    [
      practiceId,
      claimId,
      step.polling,
      step.attentionReason,
      step.notFoundCount,
      step.errorCount,
      step.confirming,
      step.lastChangeAt,
      step.nextInquiryAt?.toISOString() ?? null,
      now.toISOString(),
      answered ? JSON.stringify(answered.record) : null,
      answered?.fingerprint ?? null,
      answered?.record.category ?? null,
      answered?.record.payerClaimControlNumber ?? null,
      expectedFingerprint,
    ],
  );
  return rowCount > 0;
}

export async function insertEvent(
  sql: SqlExecutor,
  e: {
    practiceId: string;
    claimId: string;
    event: ClaimEvent;
    category: ClaimCategory;
    previousCategory: ClaimCategory | null;
    fingerprint: string;
    now: Date;
  },
): Promise<EventRow> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `INSERT INTO claim_status_events (event_id, practice_id, claim_id, event, category, previous_category, fingerprint, created_at)
     VALUES ('CSE' || nextval('claim_status_event_id_seq'), $1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [e.practiceId, e.claimId, e.event, e.category, e.previousCategory, e.fingerprint, e.now.toISOString()],
  );
  return eventFrom(rows[0]!);
}

export async function getEvent(sql: SqlExecutor, eventId: string): Promise<EventRow | null> {
  const { rows } = await sql.query<Record<string, unknown>>(`SELECT * FROM claim_status_events WHERE event_id = $1`, [eventId]);
  return rows[0] ? eventFrom(rows[0]) : null;
}

/**
 * Record a re-read balance. Answers whether to announce it: the first re-read of an event always
 * (it marks the event published, once), a later one when the total moved.
 */
export async function recordReread(sql: SqlClient, eventId: string, balance: PatientBalance, now: Date): Promise<boolean> {
  return sql.transaction(async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT balance, published_at FROM claim_status_events WHERE event_id = $1 FOR UPDATE`,
      [eventId],
    );
    const before = rows[0];
    if (!before) return false;
    const previous = before.balance == null ? null : fromJson<PatientBalance>(before.balance);
    await tx.query(
      `UPDATE claim_status_events SET balance = $2::jsonb, published_at = COALESCE(published_at, $3) WHERE event_id = $1`,
      [eventId, JSON.stringify(balance), now.toISOString()],
    );
    return before.published_at == null || previous?.total !== balance.total;
  });
}

/** Every event of a claim, oldest first (its history). */
export async function eventsOf(sql: SqlExecutor, practiceId: string, claimId: string): Promise<EventRow[]> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `SELECT * FROM claim_status_events WHERE practice_id = $1 AND claim_id = $2 ORDER BY created_at, event_id`,
    [practiceId, claimId],
  );
  return rows.map(eventFrom);
}
