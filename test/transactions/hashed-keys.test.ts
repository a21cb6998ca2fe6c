/**
 * Idempotency keys are stored hashed, on both back ends: after a write (its row, its key, its job),
 * the key as the client gave it (here a card number) is in no text or JSON column of any table; a
 * replay and a conflict behave as before; and a store written by schema version 1 (keys in clear)
 * is migrated in place, its keys still finding their transactions.
 *
 * PostgreSQL: LEDGER_TEST_POSTGRES_URL, in a schema of this test's own (search_path), so it shares
 * the database with the other PostgreSQL tests without touching their tables.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateJobs } from '../../src/jobs/migrations';
import { IdempotencyConflict } from '../../src/transactions/errors';
import { idempotencyKeyHash } from '../../src/transactions/idempotency-key-hash';
import { MIGRATIONS, migrate } from '../../src/transactions/migrations';
import { createPgClient } from '../../src/transactions/pg-client';
import { createPgliteClient } from '../../src/transactions/pglite-client';
import { createTransactionService } from '../../src/transactions/service';
import type { SqlClient } from '../../src/transactions/sql-client';
import { createInProcessStatusBus } from '../../src/transactions/status-bus';
import { SqlTransactionStore } from '../../src/transactions/store';
import { testPostgresUrl } from '../postgres-url';
import { FakeLedgerAdapter } from './fakes';
import { paymentInput, PRACTICE } from './harness';

const CARD_KEY = '4111111111111111';
const SCHEMA = 'hashed_keys_test';

/** Every (table, column) of text or JSON type in the current schema, and the rows holding `needle`. */
async function occurrences(sql: SqlClient, needle: string): Promise<string[]> {
  const { rows: columns } = await sql.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = current_schema()
        AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')`,
  );
  expect(columns.length).toBeGreaterThan(10); // the scan sees the store's and the jobs' tables
  const found: string[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    const { rows } = await sql.query<{ n: unknown }>(
      `SELECT count(*) AS n FROM "${table}" WHERE strpos("${column}"::text, $1) > 0`,
      [needle],
    );
    if (Number(rows[0]?.n) > 0) found.push(`${table}.${column}`);
  }
  return found.sort();
}

const backEnds: Array<{ name: string; open(): Promise<SqlClient>; close?(): Promise<void> }> = [
  { name: 'PGlite', open: async () => createPgliteClient(new PGlite()) },
  {
    name: 'PostgreSQL',
    async open() {
      const url = new URL(testPostgresUrl());
      url.searchParams.set('options', `-c search_path=${SCHEMA}`);
      return createPgClient(url.toString());
    },
  },
];

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: testPostgresUrl() });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin.query(`CREATE SCHEMA ${SCHEMA}`);
  await admin.end();
});

afterAll(async () => {
  const admin = new pg.Client({ connectionString: testPostgresUrl() });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin.end();
});

describe.each(backEnds)('idempotency keys stored hashed ($name)', (backEnd) => {
  let sql: SqlClient;

  beforeAll(async () => {
    sql = await backEnd.open();
  });
  afterAll(async () => {
    await sql?.close();
  });

  async function reset() {
    await sql.query(`DROP TABLE IF EXISTS eligibility_checks, claim_watches, claim_status_events, upstream_refresh_tokens, bookings, accounting_customers, accounting_cursors, accounting_events, reminders, billing_cycle_items, billing_cycles, messaging_recipient_flags, messaging_events, checkout_refunds, checkouts, processor_events, processor_webhook_registrations, pay_page_keys, processor_postings, processor_cursors, idempotency_keys, webhook_receipts, webhook_registrations,
      ledger_transactions, schema_migrations, jobs, job_schedules, job_schema_migrations CASCADE`);
    await sql.query(
      'DROP SEQUENCE IF EXISTS ledger_transaction_id_seq, billing_cycle_id_seq, reminder_id_seq, claim_status_event_id_seq',
    );
    await sql.query('DROP FUNCTION IF EXISTS ledger_transactions_forward_only(), bookings_on_completion() CASCADE');
  }

  it('a write stores the key nowhere in clear; replay and conflict work as before', async () => {
    await reset();
    await migrate(sql);
    await migrateJobs(sql);
    const store = new SqlTransactionStore(sql);
    const service = createTransactionService({
      store,
      bus: createInProcessStatusBus(),
      adapters: () => new FakeLedgerAdapter(),
      transactionIdPrefix: 'LG',
    });
    const row = await service.createLedgerTransaction(paymentInput(CARD_KEY));
    expect(row.idempotencyKeyHash).toBe(idempotencyKeyHash(PRACTICE, CARD_KEY));
    expect(await occurrences(sql, CARD_KEY)).toEqual([]);

    expect((await service.createLedgerTransaction(paymentInput(CARD_KEY))).transactionId).toBe(row.transactionId);
    expect((await service.findByIdempotencyKey(PRACTICE, CARD_KEY))?.transaction.transactionId).toBe(row.transactionId);
    const conflict = await service.createLedgerTransaction(paymentInput(CARD_KEY, -1)).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(IdempotencyConflict);
    expect((conflict as Error).message).not.toContain(CARD_KEY);
    // The same key under another practice is another key.
    expect(await service.findByIdempotencyKey('other-practice', CARD_KEY)).toBeNull();
    await service.stop();
  });

  it('migrates a version-1 store: keys hashed in place, replays still find their transaction', async () => {
    await reset();
    expect(
      await migrate(
        sql,
        MIGRATIONS.filter((m) => m.version === 1),
      ),
    ).toEqual([1]);
    // What a version-1 gateway wrote: the key in clear in both tables.
    await sql.query(
      `INSERT INTO ledger_transactions (transaction_id, practice_id, kind, status, amount_cents, currency,
         patient_source_id, idempotency_key, request, created_at, updated_at, failure_reason)
       VALUES ('LG:1', $1, 'PAYMENT', 'FAILED', -5000, 'USD', '42', $2, $3::jsonb, now(), now(), 'declined')`,
      [PRACTICE, CARD_KEY, JSON.stringify({ kind: 'PAYMENT', write: paymentInput().write })],
    );
    await sql.query(
      `INSERT INTO idempotency_keys (practice_id, idempotency_key, fingerprint, transaction_id, created_at)
       VALUES ($1, $2, $3, 'LG:1', now())`,
      [PRACTICE, CARD_KEY, paymentInput(CARD_KEY).fingerprint],
    );
    expect(await occurrences(sql, CARD_KEY)).toEqual(
      ['ledger_transactions.idempotency_key', 'idempotency_keys.idempotency_key'].sort(),
    );

    expect(await migrate(sql)).toEqual(MIGRATIONS.map((m) => m.version).filter((v) => v > 1));
    await migrateJobs(sql);
    expect(await occurrences(sql, CARD_KEY)).toEqual([]);
    const store = new SqlTransactionStore(sql);
    // SQL's sha256 and the code's agree: the old key finds its transaction, a new input conflicts.
    expect((await store.findByIdempotencyKey(PRACTICE, CARD_KEY))?.row.transactionId).toBe('LG:1');
    expect((await store.get(PRACTICE, 'LG:1'))?.idempotencyKeyHash).toBe(idempotencyKeyHash(PRACTICE, CARD_KEY));
    await expect(
      store.createTransaction({
        ...paymentInput(CARD_KEY, -1),
        transactionIdPrefix: 'LG',
        kind: 'PAYMENT',
        amount: -1,
        currency: 'USD',
        patientSourceId: '42',
        request: { kind: 'PAYMENT', write: paymentInput(CARD_KEY, -1).write },
        now: new Date(),
      }),
    ).rejects.toBeInstanceOf(IdempotencyConflict);
  });
});
