/**
 * The store's migration 7: reminders, the recipients' flags (the suppression list), messaging
 * events seen, billing cycles and their per-(cycle, guarantor) items. Appended to the store's list in
 * `src/transactions/migrations.ts`; never edited once shipped.
 *
 * No foreign key points at `ledger_transactions`: a reminder names its checkout transaction by id,
 * and the store's own resets (TRUNCATE of the transaction tables) stay independent of these.
 */
import type { Migration } from '../../transactions/migration-runner';

export const BILLING_CYCLE_MIGRATION: Migration = {
  version: 7,
  name: 'reminders, recipient flags (suppressions), messaging events, billing cycles and their items',
  statements: [
    // One billing cycle of a practice (src/flows/billing-cycle/README.md). `stage` is where its job
    // stands; the counters are what GraphQL shows (a dry run fills them and creates nothing else).
    `CREATE TABLE billing_cycles (
       cycle_id          TEXT PRIMARY KEY,
       practice_id       TEXT NOT NULL,
       idempotency_key   TEXT NOT NULL,
       fingerprint       TEXT NOT NULL,
       status            TEXT NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'COMPLETED', 'FAILED', 'CANCELED')),
       stage             TEXT NOT NULL DEFAULT 'SELECT' CHECK (stage IN ('SELECT', 'CHECKOUTS', 'SENDING', 'DONE')),
       dry_run           BOOLEAN NOT NULL,
       min_balance_cents BIGINT NOT NULL CHECK (min_balance_cents > 0),
       channels          JSONB NOT NULL,
       considered        INTEGER NOT NULL DEFAULT 0,
       checkouts_created INTEGER NOT NULL DEFAULT 0,
       reminders_sent    INTEGER NOT NULL DEFAULT 0,
       skipped           JSONB NOT NULL DEFAULT '{}'::jsonb,
       failure_reason    TEXT,
       started_at        TIMESTAMPTZ NOT NULL,
       finished_at       TIMESTAMPTZ,
       updated_at        TIMESTAMPTZ NOT NULL,
       UNIQUE (practice_id, idempotency_key)
     )`,
    `CREATE SEQUENCE billing_cycle_id_seq AS BIGINT START WITH 1 NO CYCLE`,
    // One guarantor of a cycle: what selection decided (amount, whom to reach) and the checkout made
    // for it. The primary key is what makes "one checkout per (cycle, guarantor)" hold.
    `CREATE TABLE billing_cycle_items (
       cycle_id           TEXT NOT NULL REFERENCES billing_cycles (cycle_id),
       guarantor_id       TEXT NOT NULL,
       patient_source_id  TEXT NOT NULL,
       amount_cents       BIGINT NOT NULL CHECK (amount_cents > 0),
       phone              TEXT,
       email              TEXT,
       transaction_id     TEXT,
       PRIMARY KEY (cycle_id, guarantor_id)
     )`,
    // One message to one recipient on one channel. `send_state` is the exactly-once guard: a reminder
    // leaves NOT_SENT for SENDING in its own committed UPDATE before the provider is called, and is
    // never sent from any other state (a crash in SENDING is settled from the provider, not resent).
    `CREATE TABLE reminders (
       reminder_id         TEXT PRIMARY KEY,
       practice_id         TEXT NOT NULL,
       transaction_id      TEXT NOT NULL,
       cycle_id            TEXT REFERENCES billing_cycles (cycle_id),
       guarantor_id        TEXT NOT NULL,
       request_key         TEXT,
       channel             TEXT NOT NULL CHECK (channel IN ('SMS', 'EMAIL')),
       recipient           TEXT NOT NULL,
       system              TEXT NOT NULL,
       amount_cents        BIGINT NOT NULL CHECK (amount_cents > 0),
       status              TEXT NOT NULL DEFAULT 'QUEUED'
                             CHECK (status IN ('QUEUED', 'SENT', 'DELIVERED', 'FAILED', 'SUPPRESSED')),
       send_state          TEXT NOT NULL DEFAULT 'NOT_SENT'
                             CHECK (send_state IN ('NOT_SENT', 'SENDING', 'ACCEPTED', 'REFUSED', 'UNKNOWN', 'SKIPPED')),
       provider_message_id TEXT,
       failure_reason      TEXT,
       error_code          TEXT,
       sent_at             TIMESTAMPTZ,
       send_started_at     TIMESTAMPTZ,
       created_at          TIMESTAMPTZ NOT NULL,
       updated_at          TIMESTAMPTZ NOT NULL
     )`,
    `CREATE SEQUENCE reminder_id_seq AS BIGINT START WITH 1 NO CYCLE`,
    `CREATE UNIQUE INDEX reminders_cycle_idx ON reminders (cycle_id, guarantor_id, channel) WHERE cycle_id IS NOT NULL`,
    `CREATE UNIQUE INDEX reminders_request_idx ON reminders (practice_id, request_key, channel) WHERE request_key IS NOT NULL`,
    `CREATE INDEX reminders_transaction_idx ON reminders (transaction_id, created_at)`,
    `CREATE INDEX reminders_guarantor_idx ON reminders (practice_id, guarantor_id, created_at) WHERE cycle_id IS NOT NULL`,
    `CREATE UNIQUE INDEX reminders_provider_idx ON reminders (practice_id, system, provider_message_id)
       WHERE provider_message_id IS NOT NULL`,
    // The suppression list: what the providers told us about a recipient (an opt-out from either
    // vendor, a hard bounce, an invalid number), per practice, channel and normalized address.
    `CREATE TABLE messaging_recipient_flags (
       practice_id TEXT NOT NULL,
       channel     TEXT NOT NULL CHECK (channel IN ('SMS', 'EMAIL')),
       recipient   TEXT NOT NULL,
       flag        TEXT NOT NULL CHECK (flag IN ('OPTED_OUT', 'INVALID')),
       reason      TEXT NOT NULL,
       updated_at  TIMESTAMPTZ NOT NULL,
       PRIMARY KEY (practice_id, channel, recipient)
     )`,
    // Each verified messaging event once (a redelivery changes nothing): recorded in the same SQL
    // transaction as its effect.
    `CREATE TABLE messaging_events (
       practice_id TEXT NOT NULL,
       system      TEXT NOT NULL,
       event_id    TEXT NOT NULL,
       received_at TIMESTAMPTZ NOT NULL,
       PRIMARY KEY (practice_id, system, event_id)
     )`,
  ],
};
