/**
 * The transaction service: what the GraphQL layer and the webhook routes call to write into ledgers
 * without ever losing or doubling a cent. This file is the facade — the interface and its wiring;
 * each part of the write path lives in a file named for what it does (`src/transactions/README.md`
 * walks through them in order):
 *
 * - `ledger-writes.ts`    store a PAYMENT / ADJUSTMENT and its submit job durably, then run the job;
 * - `submit.ts`           the `ledger.submit` job: claim, look up an earlier attempt, post, store;
 * - `poll.ts`             the `ledger.poll` job: look up a SUBMITTED write no webhook settled;
 * - `attention.ts`        a write with no answer for 48 h: attention, never FAILED by the clock;
 * - `resolution.ts`       staff settle a write that needs attention;
 * - `insertion-events.ts` apply a webhook delivery once, never backwards;
 * - `collection.ts`       charge a card once; resolve an interrupted collection without the card;
 * - `upstream-lookup.ts`  the one look-up they all share: landed / foreign / absent / unknown;
 * - `write-path-jobs.ts`  the job kinds on the durable queue (`src/jobs/`), their enqueueing, prune;
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
import { createJobQueue } from '../jobs/queue';
import { migrateJobs } from '../jobs/migrations';
import { collect, type CollectInput } from './collection';
import { createWritePathContext, errorText, toTransactionRow, type WritePathContext } from './context';
import { handleInsertionEvent, type InsertionEventResult } from './insertion-events';
import { createLedgerWrite, type CreateLedgerTransactionInput } from './ledger-writes';
import { resolveOptions, type TransactionServiceDeps } from './options';
import { resolveWrite, type ResolveWriteInput, type ResolveWriteResult } from './resolution';
import type { TransactionRow, TransactionStatus } from './types';
import {
  defineWritePathJobs,
  enqueueMissingJobs,
  schedulePrune,
  type WritePathJobKinds,
  type WritePathQueue,
} from './write-path-jobs';

export type { CollectInput } from './collection';
export { toTransactionRow } from './context';
export type { InsertionEventResult } from './insertion-events';
export type { CreateLedgerTransactionInput } from './ledger-writes';
export type { ResolveWriteInput, ResolveWriteResult } from './resolution';
export type { TransactionLogger, TransactionServiceDeps, TransactionServiceHooks } from './options';
export type { TransactionJobPayload, WritePathJobKinds, WritePathQueue } from './write-path-jobs';

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
  findByIdempotencyKey(
    practiceId: string,
    idempotencyKey: string,
  ): Promise<{ fingerprint: string; transaction: TransactionRow } | null>;
  /**
   * Staff settle a write that needs attention (COMPLETED or FAILED, with a note and who): refused
   * (`ok: false`) for an unknown transaction or one that needs no resolution. See `resolution.ts`.
   */
  resolve(input: ResolveWriteInput): Promise<ResolveWriteResult>;
  /** The practice's transactions, newest first. */
  listByPractice(practiceId: string, options?: { limit?: number; status?: TransactionStatus }): Promise<TransactionRow[]>;
  /**
   * Apply a verified webhook delivery. `duplicate`: the event key was seen before (nothing changes).
   * `ignored`: unknown transaction, or already terminal (out-of-order delivery; nothing moves back).
   * Rejects (so the route answers non-2xx and the vendor redelivers) when a completion carries no
   * rows and they cannot be fetched yet.
   */
  handleInsertionEvent(practiceId: string, event: InsertionEvent): Promise<InsertionEventResult>;
  /**
   * Give unfinished rows without a job theirs (a store written before the jobs), then run the job
   * queue in the background: what is due (resuming what a previous process left) starts at once,
   * but `start()` resolves without waiting for it (nor for any upstream).
   */
  start(): Promise<void>;
  /** Refuse new work, wait for in-flight requests, then stop the job queue (its running jobs finish). */
  stop(): Promise<void>;
  /** Run every due job now and wait for it, after `start()`'s first pass (tests drive the fake clock with it). */
  tick(): Promise<void>;
  /** The durable job queue of the write path (visibility: `list`, `get`, `counts`). */
  readonly jobs: WritePathQueue;
  /**
   * The write path's shared context, for flows built on it (`src/flows/collection/`): they define
   * their job kinds on `context.jobs` before `start()` and move rows with `context.move`.
   */
  readonly context: WritePathContext;
}

/** Build the service. Nothing runs in the background until `start()`; bad options throw here. */
export function createTransactionService(deps: TransactionServiceDeps): TransactionService {
  const options = resolveOptions(deps);
  const now = deps.now ?? (() => new Date());
  // One database handle: the queue shares the store's SqlClient (the outbox needs both in one SQL
  // transaction, and PGlite allows one instance per directory).
  const jobs = createJobQueue<WritePathJobKinds>({
    sql: deps.store.sql,
    now,
    pollIntervalMs: options.pollIntervalMs,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  const ctx = createWritePathContext(deps, options, jobs);
  defineWritePathJobs(ctx);
  const { store } = ctx;
  let stopped = false;
  let started = false;
  let readying: Promise<void> | null = null;
  /** The first pass over due jobs, started by `start()` and not awaited there. */
  let resuming: Promise<void> = Promise.resolve();
  const assertOpen = () => {
    if (stopped) throw new Error('the transaction service is stopped');
  };
  /** The job schema (`openStore` migrated it already; a store built by hand may not be) and the prune schedule. */
  const ready = (): Promise<void> => {
    readying ??= (async () => {
      await migrateJobs(store.sql);
      await schedulePrune(ctx);
    })().catch((error: unknown) => {
      readying = null;
      throw error;
    });
    return readying;
  };
  return {
    jobs,
    context: ctx,
    // async: a stopped service rejects, it does not throw synchronously.
    async createLedgerTransaction(input) {
      assertOpen();
      return ctx.inFlight.track(async () => {
        await ready();
        return createLedgerWrite(ctx, input);
      });
    },
    async collect(input) {
      assertOpen();
      return ctx.inFlight.track(async () => {
        await ready();
        return collect(ctx, input);
      });
    },
    async get(practiceId, transactionId) {
      const row = await store.get(practiceId, transactionId);
      return row ? toTransactionRow(row) : null;
    },
    async findByIdempotencyKey(practiceId, idempotencyKey) {
      const found = await store.findByIdempotencyKey(practiceId, idempotencyKey);
      return found ? { fingerprint: found.fingerprint, transaction: toTransactionRow(found.row) } : null;
    },
    async resolve(input) {
      assertOpen();
      return ctx.inFlight.track(() => resolveWrite(ctx, input));
    },
    async listByPractice(practiceId, options) {
      return (await store.listByPractice(practiceId, options)).map(toTransactionRow);
    },
    handleInsertionEvent(practiceId, event) {
      return ctx.inFlight.track(() => handleInsertionEvent(ctx, practiceId, event));
    },
    async start() {
      if (started) return;
      assertOpen();
      started = true;
      try {
        await ready();
        // Only unfinished rows (an index of them, migration 2): as fast with 5,000 finished
        // transactions in the store as with none.
        await enqueueMissingJobs(ctx);
      } catch (error) {
        ctx.log.error('resuming unfinished transactions failed; the job queue will retry', { error: errorText(error) });
      }
      // What a previous process left (submits, polls, recoveries, with their upstream look-ups) runs
      // in the background, at once: never awaited here, so the gateway's readiness does not wait on
      // an upstream (a look-up that hangs, a slow vendor). This first pass claims before the queue's
      // own loop starts; `tick()` waits for it, so tests still see a restart's resumption complete.
      resuming = jobs.tick().then(
        () => undefined,
        (error: unknown) =>
          ctx.log.error('resuming unfinished transactions failed; the job queue will retry', { error: errorText(error) }),
      );
      await jobs.start();
    },
    async stop() {
      stopped = true;
      await ctx.inFlight.settle();
      await jobs.stop();
    },
    async tick() {
      assertOpen();
      await ready();
      await resuming;
      await jobs.tick();
    },
  };
}
