/**
 * The `bookings` table (migration 11): SQL only. One row per COMPLETED collection or refund, made by
 * the migration's trigger in the SQL transaction of the completion; the `booking.book` job moves it
 * PENDING → BOOKED, or FAILED (with the books' error) and BOOKED on a later retry. BOOKED is final:
 * no statement moves a booked row back, and its entry is never re-created (an accountant's void or
 * delete is recorded in `books_state`, not undone).
 *
 * The read API for the reconciliation is at the end ({@link bookingsBetween}, {@link bookingsFor},
 * {@link bookingByEntry}): what was booked and what the books hold for it as last read.
 */
import type { BookedEntryRecord, EntryKind } from '../../adapters/accounting/port';
import { toIso, toIsoOrNull, toSafeInteger } from '../../transactions/row-values';
import type { SqlExecutor } from '../../transactions/sql-client';

export type BookingStatus = 'PENDING' | 'BOOKED' | 'FAILED';

/**
 * What the books hold for a booked entry, as last read (at booking, by a webhook's re-read, by the
 * change-data-capture catch-up): `CURRENT` as booked (or re-read unchanged), `EDITED` an accountant
 * changed it (amount or anything else: the version moved), `VOIDED` kept with amount 0, `DELETED` gone.
 */
export type BooksState = 'CURRENT' | 'EDITED' | 'VOIDED' | 'DELETED';

export interface BookingRow {
  transactionId: string;
  practiceId: string;
  /** `SALE` for a COLLECTION, `REFUND` for a REFUND. */
  kind: EntryKind;
  status: BookingStatus;
  /** The books' config word (`quickbooks`) once tried; `null` before the first attempt. */
  system: string | null;
  /** The books' id of the entry (QuickBooks SalesReceipt / RefundReceipt Id); `null` until BOOKED. */
  externalId: string | null;
  /** The guarantor's customer id in the books the entry was booked under. */
  customerId: string | null;
  /** What the gateway booked, in cents (positive); `null` until BOOKED. */
  bookedAmount: number | null;
  /** The entry's date as booked (`YYYY-MM-DD`); `null` until BOOKED. */
  entryDate: string | null;
  /** The last failure (`FAILED`), in the books' words; `null` otherwise. */
  error: string | null;
  /** The books' error code of the last failure (`"6190"`); `null` when none. */
  errorCode: string | null;
  /** Booking attempts made (each job run that asked the books). */
  attempts: number;
  /** What the books hold now, as last read; `null` until BOOKED. */
  books: {
    state: BooksState;
    /** Cents, positive; 0 when voided; `null` when deleted. */
    amount: number | null;
    /** The books' version (QuickBooks SyncToken) last read. */
    version: string | null;
    readAt: string | null;
    /** An event said it changed after `readAt` and the re-read has not happened yet. */
    rereadPending: boolean;
  } | null;
  /** When the transaction COMPLETED (the store's clock). */
  completedAt: string;
  bookedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

function bookingFrom(raw: Record<string, unknown>): BookingRow {
  const amountOrNull = (value: unknown, column: string) => (value == null ? null : toSafeInteger(value, column));
  const booksState = (raw.books_state as BooksState | null) ?? null;
  return {
    transactionId: String(raw.transaction_id),
    practiceId: String(raw.practice_id),
    kind: raw.kind as EntryKind,
    status: raw.status as BookingStatus,
    system: (raw.system as string | null) ?? null,
    externalId: (raw.external_id as string | null) ?? null,
    customerId: (raw.customer_id as string | null) ?? null,
    bookedAmount: amountOrNull(raw.booked_amount_cents, 'booked_amount_cents'),
    entryDate: (raw.entry_date as string | null) ?? null,
    error: (raw.error as string | null) ?? null,
    errorCode: (raw.error_code as string | null) ?? null,
    attempts: toSafeInteger(raw.attempts, 'attempts'),
    books: booksState
      ? {
          state: booksState,
          amount: amountOrNull(raw.books_amount_cents, 'books_amount_cents'),
          version: (raw.books_version as string | null) ?? null,
          readAt: toIsoOrNull(raw.books_read_at),
          rereadPending: raw.reread_pending === true,
        }
      : null,
    completedAt: toIso(raw.completed_at),
    bookedAt: toIsoOrNull(raw.booked_at),
    createdAt: toIso(raw.created_at),
    updatedAt: toIso(raw.updated_at),
  };
}

export async function getBooking(sql: SqlExecutor, transactionId: string): Promise<BookingRow | null> {
  const { rows } = await sql.query<Record<string, unknown>>('SELECT * FROM bookings WHERE transaction_id = $1', [transactionId]);
  return rows[0] ? bookingFrom(rows[0]) : null;
}

/** Count an attempt and record which books it goes to; `null` when the row is gone or BOOKED already. */
export async function startAttempt(
  sql: SqlExecutor,
  transactionId: string,
  system: string,
  now: Date,
): Promise<BookingRow | null> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `UPDATE bookings SET attempts = attempts + 1, system = $2, updated_at = $3::timestamptz
      WHERE transaction_id = $1 AND status <> 'BOOKED' RETURNING *`,
    [transactionId, system, now.toISOString()],
  );
  return rows[0] ? bookingFrom(rows[0]) : null;
}

/** PENDING/FAILED → BOOKED with the entry as the books answered it. `null` when it was BOOKED already. */
export async function markBooked(
  sql: SqlExecutor,
  transactionId: string,
  booked: { customerId: string; amount: number; date: string; entry: BookedEntryRecord },
  now: Date,
): Promise<BookingRow | null> {
  const { entry } = booked;
  const { rows } = await sql.query<Record<string, unknown>>(
    `UPDATE bookings SET status = 'BOOKED', external_id = $2, customer_id = $3, booked_amount_cents = $4, entry_date = $5,
            error = NULL, error_code = NULL, books_state = $6, books_amount_cents = $7, books_version = $8,
            books_read_at = $9::timestamptz, reread_pending = false, booked_at = $9::timestamptz, updated_at = $9::timestamptz
      WHERE transaction_id = $1 AND status <> 'BOOKED' RETURNING *`,
    [
      transactionId,
      entry.ref.id,
      booked.customerId,
      booked.amount,
      booked.date,
      entry.voided ? 'VOIDED' : 'CURRENT',
      entry.amount,
      entry.version,
      now.toISOString(),
    ],
  );
  return rows[0] ? bookingFrom(rows[0]) : null;
}

/** PENDING/FAILED → FAILED with the books' error (a BOOKED row is never failed). */
export async function markFailed(
  sql: SqlExecutor,
  transactionId: string,
  failure: { error: string; code: string | null },
  now: Date,
): Promise<BookingRow | null> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `UPDATE bookings SET status = 'FAILED', error = $2, error_code = $3, updated_at = $4::timestamptz
      WHERE transaction_id = $1 AND status <> 'BOOKED' RETURNING *`,
    [transactionId, failure.error.slice(0, 2000), failure.code, now.toISOString()],
  );
  return rows[0] ? bookingFrom(rows[0]) : null;
}

/** The booking whose entry this is (routing a webhook event or a change-data-capture row). */
export async function bookingByEntry(
  sql: SqlExecutor,
  practiceId: string,
  kind: EntryKind,
  externalId: string,
): Promise<BookingRow | null> {
  const { rows } = await sql.query<Record<string, unknown>>(
    'SELECT * FROM bookings WHERE practice_id = $1 AND kind = $2 AND external_id = $3',
    [practiceId, kind, externalId],
  );
  return rows[0] ? bookingFrom(rows[0]) : null;
}

/**
 * The bookings of some entries of a practice in one query (a change-data-capture batch), keyed
 * `<kind>:<externalId>`; entries the gateway did not book find nothing.
 */
export async function bookingsByEntries(
  sql: SqlExecutor,
  practiceId: string,
  refs: readonly { kind: EntryKind; id: string }[],
): Promise<Map<string, BookingRow>> {
  if (refs.length === 0) return new Map();
  const { rows } = await sql.query<Record<string, unknown>>(
    `SELECT b.* FROM bookings b JOIN unnest($2::text[], $3::text[]) AS r(kind, external_id)
        ON b.kind = r.kind AND b.external_id = r.external_id
      WHERE b.practice_id = $1`,
    [practiceId, refs.map((r) => r.kind), refs.map((r) => r.id)],
  );
  return new Map(rows.map((raw) => [`${String(raw.kind)}:${String(raw.external_id)}`, bookingFrom(raw)] as const));
}

/** An event said the entry changed upstream: its `books_*` are stale until read again. */
export async function markRereadPending(sql: SqlExecutor, transactionId: string, now: Date): Promise<void> {
  await sql.query(`UPDATE bookings SET reread_pending = true, updated_at = $2::timestamptz WHERE transaction_id = $1`, [
    transactionId,
    now.toISOString(),
  ]);
}

/** {@link markRereadPending} of a delivery's bookings in one statement. */
export async function markRereadsPending(sql: SqlExecutor, transactionIds: readonly string[], now: Date): Promise<void> {
  if (transactionIds.length === 0) return;
  await sql.query(
    `UPDATE bookings SET reread_pending = true, updated_at = $2::timestamptz WHERE transaction_id = ANY($1::text[])`,
    [[...transactionIds], now.toISOString()],
  );
}

/**
 * A practice's BOOKED entries waiting for a re-read (`reread_pending`), oldest mark first, at most
 * `limit`: what one `booking.reread` run reads together. A booking whose flag a read already cleared
 * (another run, change data capture) is not among them.
 */
export async function pendingRereads(sql: SqlExecutor, practiceId: string, limit: number): Promise<BookingRow[]> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `SELECT * FROM bookings WHERE practice_id = $1 AND reread_pending AND status = 'BOOKED' AND external_id IS NOT NULL
      ORDER BY updated_at, transaction_id LIMIT $2`,
    [practiceId, limit],
  );
  return rows.map(bookingFrom);
}

/** The books' state of an entry as read (`null`: it no longer exists), against what was booked. */
export function booksStateOf(entry: BookedEntryRecord | null, bookedAmount: number | null): BooksState {
  if (!entry) return 'DELETED';
  if (entry.voided) return 'VOIDED';
  return entry.amount === bookedAmount ? 'CURRENT' : 'EDITED';
}

/**
 * What the books hold now, from a live read (`entries` after an event, change data capture) or an
 * event that needs no read (a delete: `null`). Reads are of the entry as it stands, so the newest
 * read wins whatever order the events came in. Only a BOOKED row is touched.
 */
export async function recordBooksRead(
  sql: SqlExecutor,
  booking: BookingRow,
  entry: BookedEntryRecord | null,
  now: Date,
): Promise<BookingRow | null> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `UPDATE bookings SET books_state = $2, books_amount_cents = $3, books_version = COALESCE($4, books_version),
            books_read_at = $5::timestamptz, reread_pending = false, updated_at = $5::timestamptz
      WHERE transaction_id = $1 AND status = 'BOOKED' RETURNING *`,
    [
      booking.transactionId,
      booksStateOf(entry, booking.bookedAmount),
      entry ? entry.amount : null,
      entry ? entry.version : null,
      now.toISOString(),
    ],
  );
  return rows[0] ? bookingFrom(rows[0]) : null;
}

/**
 * {@link recordBooksRead} of many bookings in one statement (a change-data-capture batch). A booking
 * named twice keeps its last read, as one read after another would. Answers the rows it touched.
 *
 * `readStartedAt` (default `now`): when the live read began. Reads and events overlap, so two guards
 * keep the newest knowledge:
 * - a re-read mark made after the read began stays (the event it stands for may postdate what the
 *   read saw; that event's own job reads again), where a plain `reread_pending = false` cleared it;
 * - a booking whose books were last read after this read began is left as it is (that read, done
 *   while or after this one ran, is at least as new), so an older read never overwrites a newer.
 */
export async function recordBooksReads(
  sql: SqlExecutor,
  reads: readonly { booking: BookingRow; entry: BookedEntryRecord | null }[],
  now: Date,
  readStartedAt: Date = now,
): Promise<BookingRow[]> {
  const last = new Map(reads.map((r) => [r.booking.transactionId, r] as const));
  if (last.size === 0) return [];
  const list = [...last.values()];
  const { rows } = await sql.query<Record<string, unknown>>(
    `UPDATE bookings b SET books_state = r.state, books_amount_cents = r.amount, books_version = COALESCE(r.version, b.books_version),
            books_read_at = $5::timestamptz, reread_pending = (b.reread_pending AND b.updated_at > $6::timestamptz),
            updated_at = $5::timestamptz
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS r(transaction_id, state, amount, version)
      WHERE b.transaction_id = r.transaction_id AND b.status = 'BOOKED'
        AND (b.books_read_at IS NULL OR b.books_read_at <= $6::timestamptz) RETURNING b.*`,
    [
      list.map((r) => r.booking.transactionId),
      list.map((r) => booksStateOf(r.entry, r.booking.bookedAmount)),
      list.map((r) => (r.entry ? r.entry.amount : null)),
      list.map((r) => (r.entry ? r.entry.version : null)),
      now.toISOString(),
      readStartedAt.toISOString(),
    ],
  );
  return rows.map(bookingFrom);
}

/**
 * Bookings still to make of a practice: PENDING or FAILED, made since `since` (the retry window):
 * what the catch-up gives a job when a crash lost the one the completion should have had.
 */
export async function openBookings(sql: SqlExecutor, practiceId: string, since: Date, limit = 500): Promise<BookingRow[]> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `SELECT * FROM bookings WHERE practice_id = $1 AND status <> 'BOOKED' AND created_at >= $2::timestamptz
      ORDER BY created_at, transaction_id LIMIT $3`,
    [practiceId, since.toISOString(), limit],
  );
  return rows.map(bookingFrom);
}

// ---------------------------------------------------------------------------------------------
// The read API for the reconciliation
// ---------------------------------------------------------------------------------------------

/**
 * The practice's bookings of transactions COMPLETED in `[from, to)` (instants; the caller turns the
 * practice's calendar dates into them), oldest first: PENDING and FAILED ones too (not booked yet),
 * BOOKED ones with what the books hold as last read (`books`). A transaction completed without a
 * booking row has none (its practice had no accounting then, or it is not a COLLECTION/REFUND).
 */
export async function bookingsBetween(sql: SqlExecutor, practiceId: string, from: Date, to: Date): Promise<BookingRow[]> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `SELECT * FROM bookings WHERE practice_id = $1 AND completed_at >= $2::timestamptz AND completed_at < $3::timestamptz
      ORDER BY completed_at, transaction_id`,
    [practiceId, from.toISOString(), to.toISOString()],
  );
  return rows.map(bookingFrom);
}

/** The bookings of these transactions of a practice (others' ids find nothing), keyed by transaction id. */
export async function bookingsFor(
  sql: SqlExecutor,
  practiceId: string,
  transactionIds: readonly string[],
): Promise<Map<string, BookingRow>> {
  if (transactionIds.length === 0) return new Map();
  const { rows } = await sql.query<Record<string, unknown>>(
    'SELECT * FROM bookings WHERE practice_id = $1 AND transaction_id = ANY($2::text[])',
    [practiceId, [...transactionIds]],
  );
  return new Map(rows.map((raw) => [String(raw.transaction_id), bookingFrom(raw)] as const));
}
