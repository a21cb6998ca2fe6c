/**
 * The transaction service: what the GraphQL layer and the webhook routes call to write into ledgers
 * without ever losing or doubling a cent. This file is the facade — the interface and its wiring;
 * each part of the write path lives in a file named for what it does (`src/transactions/README.md`
 * walks through them in order):
 *
 * - `ledger-writes.ts`    store a PAYMENT / ADJUSTMENT durably, then submit it;
 * - `submit.ts`           claim a PENDING write, look up an earlier attempt, post, store the outcome;
 * - `poll.ts`             look up a SUBMITTED write no webhook settled, until its deadline;
 * - `insertion-events.ts` apply a webhook delivery once, never backwards;
 * - `collection.ts`       charge a card once; resolve an interrupted collection without the card;
 * - `upstream-lookup.ts`  the one look-up they all share: landed / foreign / absent / unknown;
 * - `background.ts`       the timer, the pass and the service's start and stop;
 * - `context.ts`          what they share (store, adapters, clock, log, options, move/publish);
 * - `options.ts`          the deps, their defaults and checks.
 *
 *     const service = createTransactionService({
 *       store: await openStore(config.store.url),
 *       adapters: (practiceId) => adaptersByPractice.get(practiceId),
 *       bus: createInProcessStatusBus(),
 *       transactionIdPrefix: config.transactionIdPrefix,
 *       logger,
 *     });
 *     await service.start();
 *     const tx = await service.createLedgerTransaction({
 *       practiceId: 'smile-dental', idempotencyKey: input.idempotencyKey, fingerprint: prepared.fingerprint,
 *       write: { kind: 'PAYMENT', patientSourceId: '42', amount: -5000, currency: 'USD',
 *                typeSourceId: '7', providerSplits: null, chargeSplits: null,
 *                occurredAt: new Date().toISOString(), notes: null },
 *     });
 *     // tx.status is usually 'SUBMITTED'; subscribers hear about every later change.
 *     await service.stop();
 */
import type { InsertionEvent } from '../adapters/ledger/port';
import { BackgroundPasses } from './background';
import { collect, type CollectInput } from './collection';
import { createWritePathContext, toTransactionRow } from './context';
import { handleInsertionEvent, type InsertionEventResult } from './insertion-events';
import { createLedgerWrite, type CreateLedgerTransactionInput } from './ledger-writes';
import { resolveOptions, type TransactionServiceDeps } from './options';
import type { TransactionRow, TransactionStatus } from './types';

export type { CollectInput } from './collection';
export { toTransactionRow } from './context';
export type { InsertionEventResult } from './insertion-events';
export type { CreateLedgerTransactionInput } from './ledger-writes';
export type { TransactionLogger, TransactionServiceDeps, TransactionServiceHooks } from './options';

export interface TransactionService {
  /** Store a PENDING ledger write durably, then make its first submit attempt; returns the row after it. */
  createLedgerTransaction(input: CreateLedgerTransactionInput): Promise<TransactionRow>;
  /** Charge a card synchronously (adapter.collectPayment); the card is never stored. */
  collect(input: CollectInput): Promise<TransactionRow>;
  /** The practice's transaction, or `null` (also for another practice's id). */
  get(practiceId: string, transactionId: string): Promise<TransactionRow | null>;
  /**
   * The transaction an idempotency key is bound to and the fingerprint it was bound with, so a
   * replay can be answered before any upstream read; `null` for a new key.
   */
  findByIdempotencyKey(practiceId: string, idempotencyKey: string): Promise<{ fingerprint: string; transaction: TransactionRow } | null>;
  /** The practice's transactions, newest first. */
  listByPractice(practiceId: string, options?: { limit?: number; status?: TransactionStatus }): Promise<TransactionRow[]>;
  /**
   * Apply a verified webhook delivery. `duplicate`: the event key was seen before (nothing changes).
   * `ignored`: unknown transaction, or already terminal (out-of-order delivery; nothing moves back).
   * Rejects (so the route answers non-2xx and the vendor redelivers) when a completion carries no
   * rows and they cannot be fetched yet.
   */
  handleInsertionEvent(practiceId: string, event: InsertionEvent): Promise<InsertionEventResult>;
  /** Resume what the store holds unfinished (PENDING → submit, SUBMITTED → poll), then poll on a timer. */
  start(): Promise<void>;
  /** Stop the timer and wait for in-flight work. */
  stop(): Promise<void>;
  /** Run one submit / recover / poll / prune pass now (tests, and the timer). */
  tick(): Promise<void>;
}

/** Build the service. Nothing runs in the background until `start()`; bad options throw here. */
export function createTransactionService(deps: TransactionServiceDeps): TransactionService {
  const ctx = createWritePathContext(deps, resolveOptions(deps));
  const passes = new BackgroundPasses(ctx);
  const { store } = ctx;
  return {
    // async: a stopped service rejects, it does not throw synchronously.
    async createLedgerTransaction(input) {
      passes.assertOpen();
      return createLedgerWrite(ctx, input);
    },
    async collect(input) {
      passes.assertOpen();
      return collect(ctx, input);
    },
    async get(practiceId, transactionId) {
      const row = await store.get(practiceId, transactionId);
      return row ? toTransactionRow(row) : null;
    },
    async findByIdempotencyKey(practiceId, idempotencyKey) {
      const found = await store.findByIdempotencyKey(practiceId, idempotencyKey);
      return found ? { fingerprint: found.fingerprint, transaction: toTransactionRow(found.row) } : null;
    },
    async listByPractice(practiceId, options) {
      return (await store.listByPractice(practiceId, options)).map(toTransactionRow);
    },
    handleInsertionEvent(practiceId, event) {
      return ctx.inFlight.track(() => handleInsertionEvent(ctx, practiceId, event));
    },
    start: () => passes.start(),
    stop: () => passes.stop(),
    tick: () => passes.tick(),
  };
}
