/**
 * The store's migration 11: bookings to the practices' books (src/flows/booking/README.md). Appended
 * to the store's list in `src/transactions/migrations.ts`; never edited once shipped.
 *
 * - `bookings`: one row per COMPLETED collection or refund, made by a trigger in the very SQL
 *   transaction that marks it COMPLETED (whichever path completes it: the flow's posting, the
 *   ledger's webhook, the poll, a staff resolution), so no completion can be missed by a crash. The
 *   row says where the booking stands (PENDING → BOOKED | FAILED, retried) and what the books hold
 *   for it now (`books_*`: an accountant's edit, a void, a delete), for the reconciliation.
 * - `accounting_customers`: the books' customer of each (practice, guarantor), found or created once.
 * - `accounting_cursors`: where each practice's change-data-capture catch-up stands (the books' clock).
 * - `accounting_events`: webhook events applied (at-least-once deliveries, applied once).
 *
 * No foreign key points at `ledger_transactions`: the store's own resets (TRUNCATE of the
 * transaction tables) stay independent of these, as with migration 7.
 */
import type { Migration } from '../../transactions/migration-runner';

export const BOOKING_MIGRATION: Migration = {
  version: 11,
  name: 'bookings to the books, guarantor customers, accounting change cursors and webhook events',
  statements: [
    `CREATE TABLE bookings (
       transaction_id      TEXT PRIMARY KEY,
       practice_id         TEXT NOT NULL,
       kind                TEXT NOT NULL CHECK (kind IN ('SALE', 'REFUND')),
       status              TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'BOOKED', 'FAILED')),
       -- The books' config word (quickbooks) once a booking was tried; null before.
       system              TEXT,
       external_id         TEXT,
       customer_id         TEXT,
       -- What the gateway booked: the amount (cents, positive) and the entry's date.
       booked_amount_cents BIGINT CHECK (booked_amount_cents > 0),
       entry_date          TEXT,
       error               TEXT,
       error_code          TEXT,
       attempts            INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
       -- What the books hold for it now, as last read: CURRENT (as booked, or re-read unchanged),
       -- EDITED (an accountant changed it), VOIDED (kept with amount 0), DELETED (gone).
       books_state         TEXT CHECK (books_state IN ('CURRENT', 'EDITED', 'VOIDED', 'DELETED')),
       books_amount_cents  BIGINT CHECK (books_amount_cents >= 0),
       books_version       TEXT,
       books_read_at       TIMESTAMPTZ,
       -- An event said the entry changed and it has not been read again since: books_* may be stale.
       reread_pending      BOOLEAN NOT NULL DEFAULT false,
       completed_at        TIMESTAMPTZ NOT NULL,
       booked_at           TIMESTAMPTZ,
       created_at          TIMESTAMPTZ NOT NULL,
       updated_at          TIMESTAMPTZ NOT NULL,
       CONSTRAINT bookings_booked_has_entry CHECK (status <> 'BOOKED' OR external_id IS NOT NULL)
     )`,
    `CREATE INDEX bookings_practice_completed_idx ON bookings (practice_id, completed_at)`,
    `CREATE UNIQUE INDEX bookings_entry_idx ON bookings (practice_id, kind, external_id) WHERE external_id IS NOT NULL`,
    `CREATE INDEX bookings_open_idx ON bookings (practice_id, created_at) WHERE status <> 'BOOKED'`,
    // The outbox: a COLLECTION or REFUND reaching COMPLETED gets its PENDING booking in the same
    // SQL transaction, stamped with the completion's own time (the application's clock).
    `CREATE OR REPLACE FUNCTION bookings_on_completion() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF NEW.status = 'COMPLETED' AND NEW.kind IN ('COLLECTION', 'REFUND')
          AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'COMPLETED') THEN
         INSERT INTO bookings (transaction_id, practice_id, kind, completed_at, created_at, updated_at)
         VALUES (NEW.transaction_id, NEW.practice_id, CASE NEW.kind WHEN 'REFUND' THEN 'REFUND' ELSE 'SALE' END,
                 NEW.updated_at, NEW.updated_at, NEW.updated_at)
         ON CONFLICT (transaction_id) DO NOTHING;
       END IF;
       RETURN NULL;
     END
     $$`,
    `CREATE TRIGGER ledger_transactions_booking
       AFTER INSERT OR UPDATE OF status ON ledger_transactions
       FOR EACH ROW EXECUTE FUNCTION bookings_on_completion()`,
    `CREATE TABLE accounting_customers (
       practice_id         TEXT NOT NULL,
       guarantor_source_id TEXT NOT NULL,
       customer_id         TEXT NOT NULL,
       created_at          TIMESTAMPTZ NOT NULL,
       updated_at          TIMESTAMPTZ NOT NULL,
       PRIMARY KEY (practice_id, guarantor_source_id)
     )`,
    `CREATE INDEX accounting_customers_customer_idx ON accounting_customers (practice_id, customer_id)`,
    `CREATE TABLE accounting_cursors (
       practice_id TEXT PRIMARY KEY,
       since       TIMESTAMPTZ NOT NULL,
       updated_at  TIMESTAMPTZ NOT NULL
     )`,
    `CREATE TABLE accounting_events (
       practice_id TEXT NOT NULL,
       event_id    TEXT NOT NULL,
       received_at TIMESTAMPTZ NOT NULL,
       PRIMARY KEY (practice_id, event_id)
     )`,
    `CREATE INDEX accounting_events_received_idx ON accounting_events (received_at)`,
  ],
};
