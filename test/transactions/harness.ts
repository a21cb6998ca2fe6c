/**
 * Builds a transaction service over a `memory://` store with a fake upstream, a fake clock and a
 * recording logger. `newService()` builds another service over the SAME store, as a restarted (or a
 * second) gateway instance would.
 */
import { createInProcessStatusBus, type StatusBus } from '../../src/transactions/status-bus';
import { PGlite } from '@electric-sql/pglite';
import { migrateJobs } from '../../src/jobs/migrations';
import { migrate } from '../../src/transactions/migrations';
import { createPgliteClient } from '../../src/transactions/pglite-client';
import type { SqlClient } from '../../src/transactions/sql-client';
import { SqlTransactionStore, type TransactionStore } from '../../src/transactions/store';
import {
  createTransactionService,
  type CreateLedgerTransactionInput,
  type TransactionService,
  type TransactionServiceDeps,
} from '../../src/transactions/service';
import { FakeLedgerAdapter, fakeClock, recordingLogger } from './fakes';

export const PRACTICE = 'smile-dental';

export function paymentInput(key = 'key-1', amount = -5000): CreateLedgerTransactionInput {
  return {
    practiceId: PRACTICE,
    idempotencyKey: key,
    fingerprint: `PAYMENT|42|${amount}|7`,
    write: {
      kind: 'PAYMENT',
      patientSourceId: '42',
      amount,
      currency: 'USD',
      typeSourceId: '7',
      providerSplits: null,
      chargeSplits: null,
      occurredAt: '2030-01-01T00:00:00.000Z',
      notes: null,
    },
  };
}

export interface Harness {
  store: TransactionStore;
  bus: StatusBus;
  upstream: FakeLedgerAdapter;
  clock: ReturnType<typeof fakeClock>;
  logs: string[];
  service: TransactionService;
  newService(overrides?: Partial<TransactionServiceDeps>): TransactionService;
  close(): Promise<void>;
}

let shared: { client: SqlClient; store: TransactionStore } | null = null;

/**
 * One in-memory PGlite per test file (what `openStore('memory://')` builds), emptied and its id
 * sequence restarted before each harness: starting PGlite costs seconds, a reset milliseconds.
 * Also gives tests the raw SQL client, to look at exactly what is stored.
 */
export async function freshMemoryStore(): Promise<{ client: SqlClient; store: TransactionStore }> {
  if (!shared) {
    const client = await createPgliteClient(new PGlite());
    await migrate(client);
    await migrateJobs(client);
    shared = { client, store: new SqlTransactionStore(client) };
  }
  await shared.client.query(
    `TRUNCATE ledger_transactions, idempotency_keys, webhook_receipts, webhook_registrations, jobs, job_schedules,
       checkouts, checkout_refunds, processor_events, processor_webhook_registrations, pay_page_keys,
       reminders, billing_cycle_items, billing_cycles, messaging_recipient_flags, messaging_events, bookings`,
  );
  await shared.client.query('ALTER SEQUENCE ledger_transaction_id_seq RESTART WITH 1000');
  return shared;
}

export async function harness(overrides: Partial<TransactionServiceDeps> = {}): Promise<Harness> {
  const ownStore = (await freshMemoryStore()).store;
  const bus = createInProcessStatusBus();
  const upstream = new FakeLedgerAdapter();
  const clock = fakeClock();
  const { lines, logger } = recordingLogger();
  const services: TransactionService[] = [];
  const newService = (more: Partial<TransactionServiceDeps> = {}) => {
    const service = createTransactionService({
      store: ownStore,
      bus,
      adapters: (practiceId) => (practiceId === PRACTICE ? upstream : undefined),
      transactionIdPrefix: 'LG',
      now: clock.now,
      pollIntervalMs: 5_000,
      pollAfterMs: 30_000,
      submitRetryDelaysMs: [1_000],
      logger,
      ...overrides,
      ...more,
    });
    services.push(service);
    return service;
  };
  const service = newService();
  return {
    store: ownStore,
    bus,
    upstream,
    clock,
    logs: lines,
    service,
    newService,
    async close() {
      for (const s of services) await s.stop();
      await bus.close();
    },
  };
}

/** Everything a subscription has queued right now; then unsubscribes. */
export async function drainNow<T>(sub: {
  next(): Promise<IteratorResult<T, unknown>>;
  return(): Promise<unknown>;
}): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const next = await Promise.race([sub.next(), new Promise<'none'>((r) => setTimeout(() => r('none'), 20))]);
    if (next === 'none' || next.done) break;
    out.push(next.value);
  }
  await sub.return();
  return out;
}
