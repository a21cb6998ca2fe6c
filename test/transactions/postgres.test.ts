/**
 * The `postgres://` back end against a real server: LEDGER_TEST_POSTGRES_URL names a throw-away
 * database (its ledger tables are dropped first). `npm test` sets it; by hand, e.g.
 *   LEDGER_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres npx vitest run test/transactions
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyConflict } from '../../src/transactions/errors';
import { openStore } from '../../src/transactions/open-store';
import { createInProcessStatusBus } from '../../src/transactions/status-bus';
import { createTransactionService } from '../../src/transactions/service';
import type { TransactionStore } from '../../src/transactions/store';
import { FakeLedgerAdapter } from './fakes';
import { paymentInput, PRACTICE } from './harness';
import { testPostgresUrl } from '../postgres-url';

const url = testPostgresUrl();

describe('postgres:// store (several gateway instances on one server)', () => {
  const stores: TransactionStore[] = [];

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP TABLE IF EXISTS eligibility_checks, claim_watches, claim_status_events, upstream_refresh_tokens, bookings, accounting_customers, accounting_cursors, accounting_events, reminders, billing_cycle_items, billing_cycles, messaging_recipient_flags, messaging_events, checkout_refunds, checkouts, processor_events, processor_webhook_registrations, pay_page_keys, processor_postings, processor_cursors, idempotency_keys, webhook_receipts, webhook_registrations,
      ledger_transactions, schema_migrations CASCADE`);
    await admin.query(
      'DROP SEQUENCE IF EXISTS ledger_transaction_id_seq, billing_cycle_id_seq, reminder_id_seq, claim_status_event_id_seq',
    );
    await admin.query('DROP FUNCTION IF EXISTS ledger_transactions_forward_only(), bookings_on_completion() CASCADE');
    await admin.end();
    // Two instances starting at once: the advisory lock lets exactly one migrate.
    stores.push(...(await Promise.all([openStore(url), openStore(url), openStore(url)])));
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
  });

  it('reads BIGINT amounts (strings from pg) back as numbers', async () => {
    const { row } = await stores[0]!.createTransaction({
      practiceId: PRACTICE,
      idempotencyKey: 'big',
      fingerprint: 'f',
      transactionIdPrefix: 'LG',
      kind: 'ADJUSTMENT',
      amount: -Number.MAX_SAFE_INTEGER,
      currency: 'USD',
      patientSourceId: '42',
      now: new Date(),
      request: { kind: 'ADJUSTMENT', write: { ...paymentInput().write, kind: 'ADJUSTMENT' } },
    });
    expect((await stores[1]!.get(PRACTICE, row.transactionId))?.amount).toBe(-Number.MAX_SAFE_INTEGER);
    await stores[2]!.transition(row.transactionId, 'FAILED', { now: new Date(), failureReason: 'test row' });
  });

  it('converges racing requests from three instances on one row and one upstream write', async () => {
    const upstream = new FakeLedgerAdapter();
    const services = stores.map((store) =>
      createTransactionService({ store, bus: createInProcessStatusBus(), adapters: () => upstream, transactionIdPrefix: 'LG' }),
    );
    const rows = await Promise.all(
      Array.from({ length: 30 }, (_, i) => services[i % 3]!.createLedgerTransaction(paymentInput('race'))),
    );
    expect(new Set(rows.map((r) => r.transactionId)).size).toBe(1);
    expect(upstream.submitCalls).toBe(1);
    await expect(services[1]!.createLedgerTransaction(paymentInput('race', -1))).rejects.toBeInstanceOf(IdempotencyConflict);

    // distinct keys from three instances: unique ids, one write each
    const many = await Promise.all(
      Array.from({ length: 30 }, (_, i) => services[i % 3]!.createLedgerTransaction(paymentInput(`k-${i}`))),
    );
    expect(new Set(many.map((r) => r.transactionId)).size).toBe(30);
    await Promise.all(services.map((s) => s.tick()));
    expect(upstream.accepted.size).toBe(31);
    expect(upstream.submitCalls).toBe(31);
    for (const s of services) await s.stop();
  });
});
