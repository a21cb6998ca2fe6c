/**
 * The store's migration 9: eligibility checks (the 24 h cache and the pending inquiries a later
 * request resumes) and the claim watch (each claim's polling state, its last payer status and its
 * event history). Appended to the store's list in `src/transactions/migrations.ts`; never edited
 * once shipped.
 *
 * No member id, name or birth date is stored: an eligibility check is keyed by a hash of what it
 * asked (`cache_key`), and a claim's inquiry key by its hash (`inquiry_key_hash`), so a change of the
 * key is noticed without keeping the PHI it is made of.
 */
import type { Migration } from '../../transactions/migration-runner';

export const COVERAGE_FLOWS_MIGRATION: Migration = {
  version: 9,
  name: 'eligibility checks (cache, pending inquiries), claim watches and their payer-status events',
  statements: [
    // One eligibility question (practice, patient, coverage, payer, member, date, service types),
    // by the hash of its canonical text. PENDING keeps the clearinghouse's inquiry id so the next
    // request polls it instead of posting again; COMPLETE/PARTIAL answers are the 24 h cache.
    `CREATE TABLE eligibility_checks (
       cache_key     TEXT PRIMARY KEY,
       practice_id   TEXT NOT NULL,
       patient_id    TEXT NOT NULL,
       coverage_id   TEXT NOT NULL,
       payer_id      TEXT NOT NULL,
       as_of_date    TEXT NOT NULL,
       state         TEXT NOT NULL CHECK (state IN ('PENDING', 'COMPLETE', 'PARTIAL', 'REJECTED')),
       inquiry_id    TEXT,
       result        JSONB,
       posted_at     TIMESTAMPTZ,
       checked_at    TIMESTAMPTZ,
       updated_at    TIMESTAMPTZ NOT NULL
     )`,
    `CREATE INDEX eligibility_checks_patient_idx ON eligibility_checks (practice_id, patient_id)`,
    // One watched claim. `polling` is the cadence's state (WATCHING, NEEDS_ATTENTION, STOPPED);
    // `record` the last ClaimStatusRecord, `fingerprint` what decides a change.
    `CREATE TABLE claim_watches (
       practice_id        TEXT NOT NULL,
       claim_id           TEXT NOT NULL,
       patient_id         TEXT NOT NULL,
       guarantor_id       TEXT,
       polling            TEXT NOT NULL DEFAULT 'WATCHING'
                            CHECK (polling IN ('WATCHING', 'NEEDS_ATTENTION', 'STOPPED')),
       attention_reason   TEXT,
       ledger_status      TEXT,
       inquiry_key_hash   TEXT,
       service_date       TEXT,
       category           TEXT,
       fingerprint        TEXT,
       record             JSONB,
       payer_claim_number TEXT,
       not_found_count    INTEGER NOT NULL DEFAULT 0,
       error_count        INTEGER NOT NULL DEFAULT 0,
       confirming         BOOLEAN NOT NULL DEFAULT false,
       last_change_at     TIMESTAMPTZ,
       checked_at         TIMESTAMPTZ,
       next_inquiry_at    TIMESTAMPTZ,
       created_at         TIMESTAMPTZ NOT NULL,
       updated_at         TIMESTAMPTZ NOT NULL,
       PRIMARY KEY (practice_id, claim_id)
     )`,
    // Each change the fingerprint found, once: the claim's event history, and what the balance
    // re-reads and the subscription refer to.
    `CREATE TABLE claim_status_events (
       event_id           TEXT PRIMARY KEY,
       practice_id        TEXT NOT NULL,
       claim_id           TEXT NOT NULL,
       event              TEXT NOT NULL CHECK (event IN ('CLAIM_PROCESSED', 'PAYER_UPDATE_RECEIVED')),
       category           TEXT NOT NULL,
       previous_category  TEXT,
       fingerprint        TEXT NOT NULL,
       balance            JSONB,
       published_at       TIMESTAMPTZ,
       created_at         TIMESTAMPTZ NOT NULL
     )`,
    `CREATE SEQUENCE claim_status_event_id_seq AS BIGINT START WITH 1 NO CYCLE`,
    `CREATE INDEX claim_status_events_claim_idx ON claim_status_events (practice_id, claim_id, created_at)`,
  ],
};
