/**
 * The `billing_cycles` and `billing_cycle_items` tables (migration 7): SQL only, over the store's
 * own handle. A cycle moves forward only (`stage` SELECT → CHECKOUTS → SENDING → DONE; `status`
 * RUNNING → COMPLETED | FAILED | CANCELED, final once left), each move one `UPDATE … WHERE` the states
 * it may come from, so a resumed or duplicated job run cannot move it back.
 */
import type { Channel } from '../../adapters/messaging/port';
import { fromJson, toIso, toIsoOrNull, toSafeInteger } from '../../transactions/row-values';
import type { SqlExecutor } from '../../transactions/sql-client';
import type { Chosen, SkipReason } from './selection';

export type CycleStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED';
export type CycleStage = 'SELECT' | 'CHECKOUTS' | 'SENDING' | 'DONE';

export interface CycleRow {
  cycleId: string;
  practiceId: string;
  idempotencyKey: string;
  fingerprint: string;
  status: CycleStatus;
  stage: CycleStage;
  dryRun: boolean;
  minBalance: number;
  channels: Channel[];
  considered: number;
  checkoutsCreated: number;
  remindersSent: number;
  skipped: Partial<Record<SkipReason, number>>;
  failureReason: string | null;
  startedAt: string;
  finishedAt: string | null;
  updatedAt: string;
}

export interface CycleItem {
  guarantorId: string;
  patientSourceId: string;
  amount: number;
  phone: string | null;
  email: string | null;
  transactionId: string | null;
}

function cycleFrom(raw: Record<string, unknown>): CycleRow {
  return {
    cycleId: String(raw.cycle_id),
    practiceId: String(raw.practice_id),
    idempotencyKey: String(raw.idempotency_key),
    fingerprint: String(raw.fingerprint),
    status: raw.status as CycleStatus,
    stage: raw.stage as CycleStage,
    dryRun: raw.dry_run === true,
    minBalance: toSafeInteger(raw.min_balance_cents, 'min_balance_cents'),
    channels: fromJson<Channel[]>(raw.channels),
    considered: toSafeInteger(raw.considered, 'considered'),
    checkoutsCreated: toSafeInteger(raw.checkouts_created, 'checkouts_created'),
    remindersSent: toSafeInteger(raw.reminders_sent, 'reminders_sent'),
    skipped: fromJson<Partial<Record<SkipReason, number>>>(raw.skipped),
    failureReason: (raw.failure_reason as string | null) ?? null,
    startedAt: toIso(raw.started_at),
    finishedAt: toIsoOrNull(raw.finished_at),
    updatedAt: toIso(raw.updated_at),
  };
}

export interface NewCycle {
  practiceId: string;
  idempotencyKey: string;
  fingerprint: string;
  dryRun: boolean;
  minBalance: number;
  channels: readonly Channel[];
  now: Date;
}

/** Insert a cycle, or find the one its idempotency key already made (`created: false`). */
export async function insertCycle(tx: SqlExecutor, cycle: NewCycle): Promise<{ row: CycleRow; created: boolean }> {
  const now = cycle.now.toISOString();
  const inserted = await tx.query<Record<string, unknown>>(
    `INSERT INTO billing_cycles (cycle_id, practice_id, idempotency_key, fingerprint, dry_run, min_balance_cents, channels,
       started_at, updated_at)
     VALUES ('bc_' || nextval('billing_cycle_id_seq'), $1, $2, $3, $4, $5::bigint, $6::jsonb, $7::timestamptz, $7::timestamptz)
     ON CONFLICT (practice_id, idempotency_key) DO NOTHING RETURNING *`,
    [
      cycle.practiceId,
      cycle.idempotencyKey,
      cycle.fingerprint,
      cycle.dryRun,
      String(cycle.minBalance),
      JSON.stringify(cycle.channels),
      now,
    ],
  );
  if (inserted.rows[0]) return { row: cycleFrom(inserted.rows[0]), created: true };
  const { rows } = await tx.query<Record<string, unknown>>(
    'SELECT * FROM billing_cycles WHERE practice_id = $1 AND idempotency_key = $2',
    [cycle.practiceId, cycle.idempotencyKey],
  );
  if (!rows[0]) throw new Error(`billing cycle with key of practice ${cycle.practiceId} vanished after a conflict`);
  return { row: cycleFrom(rows[0]), created: false };
}

export async function getCycle(sql: SqlExecutor, cycleId: string): Promise<CycleRow | null> {
  const { rows } = await sql.query<Record<string, unknown>>('SELECT * FROM billing_cycles WHERE cycle_id = $1', [cycleId]);
  return rows[0] ? cycleFrom(rows[0]) : null;
}

/**
 * Store a cycle's selection (its items, the counters it fills) and move SELECT → `next` in one SQL
 * transaction's worth of statements (the caller's `tx`): a crash before the commit selects again.
 */
export async function storeSelection(
  tx: SqlExecutor,
  cycleId: string,
  selection: { considered: number; chosen: readonly Chosen[]; skipped: Record<SkipReason, number> },
  counters: { checkoutsCreated: number; remindersSent: number },
  next: CycleStage,
  now: Date,
): Promise<boolean> {
  const moved = await tx.query(
    `UPDATE billing_cycles SET stage = $2, considered = $3, skipped = $4::jsonb, checkouts_created = $5, reminders_sent = $6,
       updated_at = $7::timestamptz
     WHERE cycle_id = $1 AND stage = 'SELECT' AND status = 'RUNNING'`,
    [
      cycleId,
      next,
      selection.considered,
      JSON.stringify(selection.skipped),
      counters.checkoutsCreated,
      counters.remindersSent,
      now.toISOString(),
    ],
  );
  if (moved.rowCount === 0) return false;
  for (const item of selection.chosen) {
    const sms = item.recipients.find((r) => r.channel === 'SMS')?.to ?? null;
    const email = item.recipients.find((r) => r.channel === 'EMAIL')?.to ?? null;
    await tx.query(
      `INSERT INTO billing_cycle_items (cycle_id, guarantor_id, patient_source_id, amount_cents, phone, email)
       VALUES ($1, $2, $3, $4::bigint, $5, $6) ON CONFLICT DO NOTHING`,
      [cycleId, item.guarantorId, item.patientSourceId, String(item.amount), sms, email],
    );
  }
  return true;
}

/** Items still waiting for their checkout, oldest guarantor id first, at most `limit`. */
export async function itemsWithoutCheckout(sql: SqlExecutor, cycleId: string, limit: number): Promise<CycleItem[]> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `SELECT * FROM billing_cycle_items WHERE cycle_id = $1 AND transaction_id IS NULL ORDER BY guarantor_id LIMIT $2`,
    [cycleId, limit],
  );
  return rows.map((raw) => ({
    guarantorId: String(raw.guarantor_id),
    patientSourceId: String(raw.patient_source_id),
    amount: toSafeInteger(raw.amount_cents, 'amount_cents'),
    phone: (raw.phone as string | null) ?? null,
    email: (raw.email as string | null) ?? null,
    transactionId: null,
  }));
}

/** Record an item's checkout (set once) and count it. */
export async function setItemCheckout(
  tx: SqlExecutor,
  cycleId: string,
  guarantorId: string,
  transactionId: string,
): Promise<boolean> {
  const set = await tx.query(
    'UPDATE billing_cycle_items SET transaction_id = $3 WHERE cycle_id = $1 AND guarantor_id = $2 AND transaction_id IS NULL',
    [cycleId, guarantorId, transactionId],
  );
  if (set.rowCount === 0) return false;
  await tx.query('UPDATE billing_cycles SET checkouts_created = checkouts_created + 1 WHERE cycle_id = $1', [cycleId]);
  return true;
}

/** Move a RUNNING cycle from one stage to the next. */
export async function moveStage(
  sql: SqlExecutor,
  cycleId: string,
  from: CycleStage,
  to: CycleStage,
  now: Date,
): Promise<boolean> {
  const moved = await sql.query(
    `UPDATE billing_cycles SET stage = $3, updated_at = $4::timestamptz WHERE cycle_id = $1 AND stage = $2 AND status = 'RUNNING'`,
    [cycleId, from, to, now.toISOString()],
  );
  return moved.rowCount > 0;
}

/** End a RUNNING cycle (COMPLETED, FAILED with a reason, CANCELED); `false` when it had already ended. */
export async function finishCycle(
  sql: SqlExecutor,
  cycleId: string,
  status: Exclude<CycleStatus, 'RUNNING'>,
  reason: string | null,
  now: Date,
): Promise<boolean> {
  const done = await sql.query(
    `UPDATE billing_cycles SET status = $2, stage = 'DONE', failure_reason = $3, finished_at = $4::timestamptz, updated_at = $4::timestamptz
     WHERE cycle_id = $1 AND status = 'RUNNING'`,
    [cycleId, status, reason, now.toISOString()],
  );
  return done.rowCount > 0;
}

/** A cycle's checkout transaction ids, by guarantor id, paged by guarantor id. */
export async function cycleCheckouts(
  sql: SqlExecutor,
  cycleId: string,
  first: number,
  after: string | null,
): Promise<{ ids: Array<{ guarantorId: string; transactionId: string }>; hasNextPage: boolean }> {
  const { rows } = await sql.query<{ guarantor_id: string; transaction_id: string }>(
    `SELECT guarantor_id, transaction_id FROM billing_cycle_items
     WHERE cycle_id = $1 AND transaction_id IS NOT NULL AND ($2::text IS NULL OR guarantor_id > $2)
     ORDER BY guarantor_id LIMIT $3`,
    [cycleId, after, first + 1],
  );
  return {
    ids: rows.slice(0, first).map((r) => ({ guarantorId: String(r.guarantor_id), transactionId: String(r.transaction_id) })),
    hasNextPage: rows.length > first,
  };
}

/**
 * Whether an older real cycle of the same practice is still selecting or making checkouts: cycles
 * of one practice run one at a time (the younger waits), whichever instances hold their jobs.
 */
export async function olderCycleRunning(sql: SqlExecutor, cycle: CycleRow): Promise<boolean> {
  const { rows } = await sql.query(
    `SELECT 1 FROM billing_cycles
     WHERE practice_id = $1 AND status = 'RUNNING' AND NOT dry_run AND stage IN ('SELECT', 'CHECKOUTS')
       AND (started_at, cycle_id) < ($2::timestamptz, $3) LIMIT 1`,
    [cycle.practiceId, cycle.startedAt, cycle.cycleId],
  );
  return rows.length > 0;
}
