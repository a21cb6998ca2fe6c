/**
 * Versioned schema migrations for the transaction store, recorded in `schema_migrations`.
 *
 * `migrate(client)` runs at every open, through the shared runner (`migration-runner.ts`: one
 * advisory lock, one SQL transaction, each migration applied once across instances).
 *
 *     const applied = await migrate(client); // [1, 2] on a fresh database, [] afterwards
 *
 * Add a migration by appending `{ version: N + 1, name, statements }`; never edit a shipped one.
 */
import { BILLING_CYCLE_MIGRATION } from '../flows/billing-cycle/migration';
import { BOOKING_MIGRATION } from '../flows/booking/migration';
import { COVERAGE_FLOWS_MIGRATION } from '../flows/claim-watch/migration';
import { IDEMPOTENCY_KEY_HASH_SQL } from './idempotency-key-hash';
import { applyMigrations, type Migration } from './migration-runner';
import { REFRESH_TOKENS_MIGRATION } from './refresh-tokens';
import type { SqlClient } from './sql-client';

export type { Migration };

/** A constant key for `pg_advisory_xact_lock`: "ledger-gateway transactions schema". */
export const MIGRATION_LOCK_KEY = 7_381_946_025_113;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'transactions, idempotency keys, id sequence, webhook receipts and registrations',
    statements: [
      // Transaction ids are `<prefix>:<nextval>`: a SEQUENCE is unique across restarts and across
      // every instance sharing the server. Gaps (rolled-back inserts) are harmless.
      `CREATE SEQUENCE ledger_transaction_id_seq AS BIGINT START WITH 1000 NO CYCLE`,
      `CREATE TABLE ledger_transactions (
         transaction_id    TEXT PRIMARY KEY CHECK (char_length(transaction_id) BETWEEN 1 AND 50),
         practice_id       TEXT NOT NULL,
         kind              TEXT NOT NULL CHECK (kind IN ('PAYMENT', 'ADJUSTMENT', 'COLLECTION')),
         status            TEXT NOT NULL DEFAULT 'PENDING'
                             CHECK (status IN ('PENDING', 'SUBMITTED', 'COMPLETED', 'FAILED')),
         amount_cents      BIGINT NOT NULL
                             CHECK (amount_cents BETWEEN -9007199254740991 AND 9007199254740991),
         currency          TEXT NOT NULL,
         patient_source_id TEXT NOT NULL,
         idempotency_key   TEXT NOT NULL,
         request           JSONB NOT NULL,
         failure_reason    TEXT,
         records           JSONB NOT NULL DEFAULT '{"payments": [], "adjustments": []}'::jsonb,
         receipt_id        TEXT,
         attempts          INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
         last_error        TEXT,
         next_attempt_at   TIMESTAMPTZ,
         submitted_at      TIMESTAMPTZ,
         next_poll_at      TIMESTAMPTZ,
         created_at        TIMESTAMPTZ NOT NULL,
         updated_at        TIMESTAMPTZ NOT NULL,
         CONSTRAINT failure_reason_iff_failed CHECK ((status = 'FAILED') = (failure_reason IS NOT NULL))
       )`,
      `CREATE INDEX ledger_transactions_practice_idx
         ON ledger_transactions (practice_id, created_at DESC, transaction_id DESC)`,
      `CREATE INDEX ledger_transactions_due_submit_idx
         ON ledger_transactions (next_attempt_at) WHERE status = 'PENDING'`,
      `CREATE INDEX ledger_transactions_due_poll_idx
         ON ledger_transactions (next_poll_at) WHERE status = 'SUBMITTED'`,
      // Backstop for the forward-only rule every UPDATE already states in its WHERE clause.
      `CREATE FUNCTION ledger_transactions_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
              (OLD.status = 'PENDING' AND NEW.status IN ('SUBMITTED', 'COMPLETED', 'FAILED'))
           OR (OLD.status = 'SUBMITTED' AND NEW.status IN ('COMPLETED', 'FAILED'))
         ) THEN
           RAISE EXCEPTION 'ledger transaction % cannot move from % to %',
             OLD.transaction_id, OLD.status, NEW.status;
         END IF;
         IF OLD.status IN ('COMPLETED', 'FAILED') AND (
              NEW.records IS DISTINCT FROM OLD.records
           OR NEW.failure_reason IS DISTINCT FROM OLD.failure_reason
           OR NEW.amount_cents IS DISTINCT FROM OLD.amount_cents
         ) THEN
           RAISE EXCEPTION 'ledger transaction % is % and final', OLD.transaction_id, OLD.status;
         END IF;
         RETURN NEW;
       END
       $$`,
      `CREATE TRIGGER ledger_transactions_forward_only
         BEFORE UPDATE ON ledger_transactions
         FOR EACH ROW EXECUTE FUNCTION ledger_transactions_forward_only()`,
      // One row per (practice, key): the unique constraint is what makes racing requests converge.
      // The FK is deferred because the key is inserted before its transaction row, in one transaction.
      `CREATE TABLE idempotency_keys (
         practice_id     TEXT NOT NULL,
         idempotency_key TEXT NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
         fingerprint     TEXT NOT NULL,
         transaction_id  TEXT NOT NULL
                           REFERENCES ledger_transactions (transaction_id) DEFERRABLE INITIALLY DEFERRED,
         created_at      TIMESTAMPTZ NOT NULL,
         PRIMARY KEY (practice_id, idempotency_key)
       )`,
      `CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`,
      `CREATE TABLE webhook_receipts (
         practice_id    TEXT NOT NULL,
         event_key      TEXT NOT NULL,
         transaction_id TEXT NOT NULL,
         outcome        TEXT NOT NULL CHECK (outcome IN ('COMPLETED', 'FAILED')),
         received_at    TIMESTAMPTZ NOT NULL,
         PRIMARY KEY (practice_id, event_key)
       )`,
      `CREATE INDEX webhook_receipts_received_idx ON webhook_receipts (received_at)`,
      `CREATE TABLE webhook_registrations (
         practice_id TEXT PRIMARY KEY,
         endpoint_id TEXT NOT NULL,
         secret      TEXT NOT NULL,
         created_at  TIMESTAMPTZ NOT NULL,
         updated_at  TIMESTAMPTZ NOT NULL
       )`,
    ],
  },
  {
    version: 2,
    name: 'idempotency keys stored as sha256(practice id, key); an index of unfinished transactions',
    statements: [
      // In place, in both tables that held the key as given (a card number used as a key was stored
      // in clear). The code hashes the same way (`idempotency-key-hash.ts`), so replays of requests
      // made before this migration still find their transaction. The forward-only trigger allows it:
      // it guards status, records, failure reason and amount, not the key.
      `UPDATE idempotency_keys SET idempotency_key = ${IDEMPOTENCY_KEY_HASH_SQL}`,
      `UPDATE ledger_transactions SET idempotency_key = ${IDEMPOTENCY_KEY_HASH_SQL}`,
      // The start-up scan (`unfinishedWithoutJob`) reads only PENDING/SUBMITTED rows, oldest first:
      // restart time follows the unfinished rows, not the store's history.
      `CREATE INDEX ledger_transactions_unfinished_idx
         ON ledger_transactions (created_at, transaction_id) WHERE status IN ('PENDING', 'SUBMITTED')`,
    ],
  },
  {
    version: 3,
    name: 'attention on writes that may have landed, and staff resolutions',
    statements: [
      // `attention`: non-null when a person must act (a write with no answer for 48 h is never
      // failed by the clock: it may still land). `resolution_*`: who settled it by hand, how, why, when.
      `ALTER TABLE ledger_transactions
         ADD COLUMN attention          TEXT,
         ADD COLUMN attention_since    TIMESTAMPTZ,
         ADD COLUMN resolution_outcome TEXT CHECK (resolution_outcome IN ('COMPLETED', 'FAILED')),
         ADD COLUMN resolution_note    TEXT,
         ADD COLUMN resolved_by        TEXT,
         ADD COLUMN resolved_at        TIMESTAMPTZ`,
      `ALTER TABLE ledger_transactions ADD CONSTRAINT resolution_complete CHECK (
         (resolution_outcome IS NULL) = (resolution_note IS NULL)
         AND (resolution_outcome IS NULL) = (resolved_by IS NULL)
         AND (resolution_outcome IS NULL) = (resolved_at IS NULL)
         AND (resolution_outcome IS NULL OR resolution_outcome = status))`,
    ],
  },
  {
    version: 4,
    name: 'processor checkouts, processor events seen, processor webhook registrations, REFUND transactions',
    statements: [
      // A refund through a processor is a transaction of its own, linked to what it refunds.
      `ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check`,
      `ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
         CHECK (kind IN ('PAYMENT', 'ADJUSTMENT', 'COLLECTION', 'REFUND'))`,
      // One row per COLLECTION through a processor (src/flows/collection/README.md): what it pays
      // (lines and total frozen at creation), the processor's ids it is matched by, where it stands.
      `CREATE TABLE checkouts (
         transaction_id        TEXT PRIMARY KEY REFERENCES ledger_transactions (transaction_id),
         practice_id           TEXT NOT NULL,
         processor             TEXT NOT NULL CHECK (processor IN ('STRIPE', 'SQUARE')),
         status                TEXT NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'PAID', 'EXPIRED', 'CANCELED')),
         lines                 JSONB NOT NULL,
         total_cents           BIGINT NOT NULL CHECK (total_cents > 0),
         currency              TEXT NOT NULL,
         payment_type_id       TEXT NOT NULL,
         return_url            TEXT,
         expires_at            TIMESTAMPTZ NOT NULL,
         pay_token_hash        TEXT NOT NULL UNIQUE,
         checkout_id           TEXT,
         match_id              TEXT,
         url                   TEXT,
         open_attempts         INTEGER NOT NULL DEFAULT 0,
         payment_id            TEXT,
         amount_paid_cents     BIGINT NOT NULL DEFAULT 0 CHECK (amount_paid_cents >= 0),
         amount_refunded_cents BIGINT NOT NULL DEFAULT 0 CHECK (amount_refunded_cents >= 0),
         paid_at               TIMESTAMPTZ,
         -- The ledger posting of a paid checkout: NOT_SENT, SENT (the ledger took it; its rows come
         -- by webhook or poll) or REFUSED (attention set; retryPosting sends it again).
         post_state            TEXT NOT NULL DEFAULT 'NOT_SENT' CHECK (post_state IN ('NOT_SENT', 'SENT', 'REFUSED')),
         last_event_at         TIMESTAMPTZ,
         created_at            TIMESTAMPTZ NOT NULL,
         updated_at            TIMESTAMPTZ NOT NULL,
         -- Paid once: a PAID checkout names its payment, and the payment is never replaced.
         CONSTRAINT paid_has_payment CHECK (status <> 'PAID' OR payment_id IS NOT NULL)
       )`,
      // Webhook matching: a processor event names a checkout, its payment container or its payment.
      `CREATE INDEX checkouts_checkout_idx ON checkouts (practice_id, checkout_id)`,
      `CREATE INDEX checkouts_match_idx ON checkouts (practice_id, match_id)`,
      `CREATE UNIQUE INDEX checkouts_payment_idx ON checkouts (practice_id, payment_id) WHERE payment_id IS NOT NULL`,
      `CREATE INDEX checkouts_open_idx ON checkouts (expires_at) WHERE status = 'OPEN'`,
      // A REFUND transaction of a paid checkout: the processor's refund first, then the ledger posting.
      `CREATE TABLE checkout_refunds (
         transaction_id      TEXT PRIMARY KEY REFERENCES ledger_transactions (transaction_id),
         refund_of           TEXT NOT NULL REFERENCES checkouts (transaction_id),
         amount_cents        BIGINT NOT NULL CHECK (amount_cents > 0),
         reason              TEXT,
         processor_refund_id TEXT,
         state               TEXT NOT NULL DEFAULT 'NOT_SENT' CHECK (state IN ('NOT_SENT', 'REFUNDED', 'REFUSED')),
         created_at          TIMESTAMPTZ NOT NULL
       )`,
      `CREATE INDEX checkout_refunds_of_idx ON checkout_refunds (refund_of)`,
      // Processor deliveries are at-least-once: an event id is applied once (pruned with webhook receipts).
      `CREATE TABLE processor_events (
         practice_id TEXT NOT NULL,
         event_id    TEXT NOT NULL,
         received_at TIMESTAMPTZ NOT NULL,
         PRIMARY KEY (practice_id, event_id)
       )`,
      `CREATE INDEX processor_events_received_idx ON processor_events (received_at)`,
      // The endpoint the gateway registered at the practice's processor and its signing secret,
      // apart from the ledger's registration (a practice has both).
      // The key pay-page tokens are derived with (src/flows/collection/pay-token.ts): one per store,
      // made by the first instance, shared by all.
      `CREATE TABLE pay_page_keys (
         id         INTEGER PRIMARY KEY CHECK (id = 1),
         secret     TEXT NOT NULL,
         created_at TIMESTAMPTZ NOT NULL
       )`,
      `CREATE TABLE processor_webhook_registrations (
         practice_id TEXT PRIMARY KEY,
         endpoint_id TEXT NOT NULL,
         secret      TEXT NOT NULL,
         url         TEXT NOT NULL,
         created_at  TIMESTAMPTZ NOT NULL
       )`,
    ],
  },
  {
    version: 5,
    name: 'processor postings keyed by payment/refund id, refund post state, checkout close reason, processor catch-up cursors',
    statements: [
      // Exactly once (src/flows/collection/README.md): each processor money movement (a payment id,
      // a refund id, or a dashboard refund's "refunded up to N cents" of a payment) is posted by one
      // transaction only; the key is claimed in the SQL transaction that creates the obligation.
      `CREATE TABLE processor_postings (
         practice_id    TEXT NOT NULL,
         posting_key    TEXT NOT NULL,
         transaction_id TEXT NOT NULL UNIQUE,
         created_at     TIMESTAMPTZ NOT NULL,
         PRIMARY KEY (practice_id, posting_key)
       )`,
      // A refund's ledger posting, as a checkout's: REFUSED (attention) → retryPosting → NOT_SENT.
      `ALTER TABLE checkout_refunds ADD COLUMN post_state TEXT NOT NULL DEFAULT 'NOT_SENT'
         CHECK (post_state IN ('NOT_SENT', 'SENT', 'REFUSED'))`,
      // Why a checkout closed unpaid when the status alone does not say (an async payment that failed to settle).
      `ALTER TABLE checkouts ADD COLUMN close_reason TEXT`,
      // Where each practice's catch-up through the processor's change list stands.
      `CREATE TABLE processor_cursors (
         practice_id TEXT PRIMARY KEY,
         since       TIMESTAMPTZ NOT NULL,
         updated_at  TIMESTAMPTZ NOT NULL
       )`,
    ],
  },
  {
    version: 6,
    name: 'the pay page: the patient first name a checkout shows',
    statements: [
      // The pay page (src/web/) greets the patient by first name without a ledger call per view
      // (an anonymous page must not drive upstream traffic); null for checkouts made before.
      `ALTER TABLE checkouts ADD COLUMN patient_first_name TEXT`,
    ],
  },
  BILLING_CYCLE_MIGRATION,
  {
    version: 8,
    name: 'refunds settling at the processor',
    statements: [
      // A refund the processor took but has not finished (Square PENDING) is SETTLING: posted to the
      // ledger only once the processor says it is final, never on the word "pending".
      `ALTER TABLE checkout_refunds DROP CONSTRAINT checkout_refunds_state_check`,
      `ALTER TABLE checkout_refunds ADD CONSTRAINT checkout_refunds_state_check
         CHECK (state IN ('NOT_SENT', 'SETTLING', 'REFUNDED', 'REFUSED'))`,
    ],
  },
  COVERAGE_FLOWS_MIGRATION,
  REFRESH_TOKENS_MIGRATION,
  BOOKING_MIGRATION,
];

/** Apply every store migration newer than the database's (see `migration-runner.ts`); returns the versions applied. */
export function migrate(client: SqlClient, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return applyMigrations(client, {
    table: 'schema_migrations',
    lockKey: MIGRATION_LOCK_KEY,
    what: 'the transaction store',
    migrations,
  });
}
