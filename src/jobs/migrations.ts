/**
 * The job tables (`jobs`, `job_schedules`), versioned in their own `job_schema_migrations`.
 *
 * Why a list of its own: the runner refuses a database holding versions it does not know, so two
 * lists cannot share one record table. The job tables have their own list, record and advisory lock
 * (the runner is shared); `migrateJobs` works on a database with or without the transaction tables.
 *
 *     await migrateJobs(sql); // [1] on a fresh database, [] afterwards
 *
 * Add a migration by appending `{ version: N + 1, name, statements }`; never edit a shipped one.
 */
import { applyMigrations, type Migration } from '../transactions/migration-runner';
import type { SqlClient } from '../transactions/sql-client';

export type JobMigration = Migration;

/** A constant key for `pg_advisory_xact_lock`: "ledger-gateway jobs schema". */
export const JOB_MIGRATION_LOCK_KEY = 7_381_946_025_227;

export const JOB_MIGRATIONS: readonly JobMigration[] = [
  {
    version: 1,
    name: 'jobs and job_schedules',
    statements: [
      `CREATE TABLE jobs (
         id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         kind            TEXT NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 100),
         state           TEXT NOT NULL CHECK (state IN ('queued', 'active', 'done', 'failed', 'cancelled')),
         payload         JSONB NOT NULL,
         singleton_key   TEXT CHECK (char_length(singleton_key) BETWEEN 1 AND 255),
         idempotency_key TEXT CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
         run_at          TIMESTAMPTZ NOT NULL,
         attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
         max_attempts    INTEGER NOT NULL CHECK (max_attempts >= 1),
         runs            INTEGER NOT NULL DEFAULT 0 CHECK (runs >= 0),
         locked_by       TEXT,
         locked_until    TIMESTAMPTZ,
         last_error      TEXT,
         created_at      TIMESTAMPTZ NOT NULL,
         updated_at      TIMESTAMPTZ NOT NULL,
         finished_at     TIMESTAMPTZ,
         CONSTRAINT jobs_lease_iff_active CHECK ((state = 'active') = (locked_until IS NOT NULL)),
         CONSTRAINT jobs_finished_iff_final
           CHECK ((state IN ('done', 'failed', 'cancelled')) = (finished_at IS NOT NULL))
       )`,
      // The singleton rule IS this index: a second queued/active job with the key cannot exist, so
      // racing enqueues from several instances converge on one row (ON CONFLICT DO NOTHING).
      `CREATE UNIQUE INDEX jobs_singleton_key ON jobs (kind, singleton_key)
         WHERE singleton_key IS NOT NULL AND state IN ('queued', 'active')`,
      `CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (kind, idempotency_key)
         WHERE idempotency_key IS NOT NULL`,
      // The claim's scan: due queued jobs of one kind, oldest run_at first.
      `CREATE INDEX jobs_due ON jobs (kind, run_at, id) WHERE state = 'queued'`,
      // The reaper's scan: active jobs whose lease ran out.
      `CREATE INDEX jobs_leases ON jobs (locked_until) WHERE state = 'active'`,
      `CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL`,
      // The visibility API: by kind (and state), newest first.
      `CREATE INDEX jobs_by_kind ON jobs (kind, state, id DESC)`,
      `CREATE TABLE job_schedules (
         name         TEXT PRIMARY KEY CHECK (char_length(name) BETWEEN 1 AND 200),
         kind         TEXT NOT NULL,
         cron         TEXT NOT NULL,
         timezone     TEXT NOT NULL,
         payload      JSONB NOT NULL,
         last_tick_at TIMESTAMPTZ NOT NULL,
         created_at   TIMESTAMPTZ NOT NULL,
         updated_at   TIMESTAMPTZ NOT NULL
       )`,
    ],
  },
];

/**
 * Apply every job migration newer than the database's, through the store's shared runner (one advisory
 * lock, one SQL transaction, each migration once across instances). Returns the versions applied.
 */
export function migrateJobs(sql: SqlClient, migrations: readonly JobMigration[] = JOB_MIGRATIONS): Promise<number[]> {
  return applyMigrations(sql, {
    table: 'job_schema_migrations',
    lockKey: JOB_MIGRATION_LOCK_KEY,
    what: 'the job tables',
    plural: true,
    migrations,
  });
}
