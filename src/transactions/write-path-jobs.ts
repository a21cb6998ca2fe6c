/**
 * The write path's asynchronous work, as jobs of the durable queue (`src/jobs/`): every later,
 * repeated or periodic piece of it is a row in `jobs`, enqueued in the same SQL transaction as the
 * ledger row it is about (an outbox), leased, retried or deferred, and visible to operators.
 *
 * | kind                         | enqueued                                          | handler            |
 * | ---------------------------- | ------------------------------------------------- | ------------------ |
 * | `ledger.submit`              | with the PENDING row (runs inline at once, too)   | `submit.ts`        |
 * | `ledger.poll`                | with the SUBMITTED transition, at + `pollAfterMs` | `poll.ts`          |
 * | `ledger.recover-collection`  | with the PENDING collection, at + lease           | `collection.ts`    |
 * | `transactions.prune`         | hourly schedule                                   | below              |
 *
 * Every transaction job carries `{ practiceId, transactionId }` (ids only: payloads are readable
 * through the API) and the singleton key `transactionId`, so a transaction has at most one live job
 * of each kind, whoever enqueues it.
 *
 *     const queue = createWritePathQueue(ctxDeps);   // createJobQueue over the store's SqlClient
 *     defineWritePathJobs(ctx);                      // the handlers
 *     await enqueueSubmit(ctx, tx, row);             // inside createTransaction's SQL transaction
 */
import type { JobOutcome, JobQueue } from '../jobs/types';
import { recoverCollectionJob } from './collection';
import type { WritePathContext } from './context';
import { pollJob } from './poll';
import type { SqlExecutor } from './sql-client';
import type { StoredTransaction } from './store';
import { submitJob } from './submit';

/** The payload of every transaction job: ids only. */
export interface TransactionJobPayload {
  practiceId: string;
  transactionId: string;
}

export type WritePathJobKinds = {
  'ledger.submit': TransactionJobPayload;
  'ledger.poll': TransactionJobPayload;
  'ledger.recover-collection': TransactionJobPayload;
  'transactions.prune': { tickAt: string };
  /** A processor checkout's state machine (`src/flows/collection/advance.ts`), defined by the collection flow. */
  'collection.advance': TransactionJobPayload;
  /** A checkout refund: the processor's refund, then the ledger posting (`src/flows/collection/refund.ts`). */
  'collection.refund': TransactionJobPayload;
  /** A practice's catch-up through its processor's change list (`src/flows/collection/catch-up.ts`). */
  'collection.catch-up': { practiceId: string };
  /** A billing cycle: select, checkouts, reminders enqueued (`src/flows/billing-cycle/cycle-job.ts`). */
  'billing.cycle': { practiceId: string; cycleId: string };
  /** One reminder's send, once (`src/flows/billing-cycle/send-job.ts`). */
  'billing.remind': { practiceId: string; reminderId: string };
  /** A practice's `billing.schedule` tick: starts that tick's cycle (`src/flows/billing-cycle/schedule.ts`). */
  'billing.scheduled': { practiceId: string; tickAt: string };
  /** A COMPLETED collection/refund booked to the practice's books, once (`src/flows/booking/book-job.ts`). */
  'booking.book': TransactionJobPayload;
  /** A booked entry read again after the books said it changed (`src/flows/booking/events.ts`). */
  'booking.reread': TransactionJobPayload;
  /** A practice's booking catch-up: open bookings, the books' change data capture (`src/flows/booking/catch-up.ts`). */
  'booking.catch-up': { practiceId: string };
  /** One watched claim's next claim-status inquiry, deferred along its cadence (`src/flows/claim-watch/inquire.ts`). */
  'claims.inquire': { practiceId: string; claimId: string };
  /** A patient's balance re-read after a claim-status change, then the announcement (`src/flows/claim-watch/reread.ts`). */
  'claims.reread': { practiceId: string; claimId: string; eventId: string; step: number };
  /** A practice's nightly search for claims to watch (`src/flows/claim-watch/discover.ts`). */
  'claims.discover': { practiceId: string; tickAt: string };
  /** A processed claim's checkout and reminder (`billing.onClaimProcessed`, `src/flows/claim-watch/on-processed.ts`). */
  'claims.on-processed': { practiceId: string; claimId: string; patientId: string; eventId: string; amount: number };
};

export type WritePathQueue = JobQueue<WritePathJobKinds>;

/** The job kinds of the write path, for the API and tests. */
export const WRITE_PATH_JOB_KINDS = ['ledger.submit', 'ledger.poll', 'ledger.recover-collection', 'transactions.prune'] as const;

export const PRUNE_SCHEDULE = 'transactions.prune';

/**
 * Attempts of a submit job before the queue gives up on its own: far more than the 48 h deadline
 * allows at the longest retry delay, so the deadline (checked in the handler → FAILED) decides.
 */
const SUBMIT_MAX_ATTEMPTS = 100_000;
/** Polls and recoveries defer (no attempt spent); attempts only count handler crashes. */
const WAITING_MAX_ATTEMPTS = 1_000;

function payloadOf(row: StoredTransaction): TransactionJobPayload {
  return { practiceId: row.practiceId, transactionId: row.transactionId };
}

/** Register the handlers (once per queue, before `start()`). */
export function defineWritePathJobs(ctx: WritePathContext): void {
  const { jobs, options } = ctx;
  // Thrown errors (a crash seam, the database) are retried after the submitter's delays. The
  // handler itself answers unavailability with the same delays, counted on the row's attempts.
  const backoff = { delaysMs: options.submitRetryDelaysMs, jitter: 0 };
  jobs.define('ledger.submit', ({ job }) => submitJob(ctx, job.payload.transactionId), {
    maxAttempts: SUBMIT_MAX_ATTEMPTS,
    backoff,
    concurrency: options.concurrency,
    leaseMs: options.submitLeaseMs,
  });
  jobs.define('ledger.poll', ({ job }) => pollJob(ctx, job.payload.transactionId), {
    maxAttempts: WAITING_MAX_ATTEMPTS,
    backoff,
    concurrency: options.concurrency,
  });
  jobs.define('ledger.recover-collection', ({ job }) => recoverCollectionJob(ctx, job.payload.transactionId), {
    maxAttempts: WAITING_MAX_ATTEMPTS,
    backoff,
    concurrency: options.concurrency,
  });
  jobs.define('transactions.prune', () => prune(ctx), { maxAttempts: 3, concurrency: 1 });
}

/** Idempotency keys past their retention and webhook receipts past theirs. */
async function prune(ctx: WritePathContext): Promise<JobOutcome> {
  const at = ctx.now().getTime();
  const keys = await ctx.store.pruneIdempotencyKeys(new Date(at - ctx.options.idempotencyRetentionMs));
  const receipts = await ctx.store.pruneWebhookReceipts(new Date(at - ctx.options.webhookReceiptRetentionMs));
  if (keys + receipts > 0) ctx.log.info('pruned idempotency keys and webhook receipts', { keys, receipts });
  return 'done';
}

/** Register the hourly prune (every instance does; the queue fires each tick once). */
export async function schedulePrune(ctx: WritePathContext): Promise<void> {
  await ctx.jobs.schedule(PRUNE_SCHEDULE, { kind: 'transactions.prune', cron: '0 * * * *', payload: {} });
}

/** The PENDING ledger write's submit job, due now; `tx`: the row's own SQL transaction. Its id. */
export async function enqueueSubmit(
  ctx: WritePathContext,
  tx: SqlExecutor | undefined,
  row: StoredTransaction,
  runAt?: Date,
): Promise<string> {
  const { job } = await ctx.jobs.enqueue('ledger.submit', payloadOf(row), {
    singletonKey: row.transactionId,
    ...(runAt ? { runAt } : {}),
    ...(tx ? { tx } : {}),
  });
  return job.id;
}

/** The SUBMITTED write's poll job, first due `pollAfterMs` after the submission (or `runAt`). */
export async function enqueuePoll(
  ctx: WritePathContext,
  tx: SqlExecutor | undefined,
  row: StoredTransaction,
  runAt?: Date,
): Promise<void> {
  await ctx.jobs.enqueue('ledger.poll', payloadOf(row), {
    singletonKey: row.transactionId,
    runAt: runAt ?? ctx.later(ctx.options.pollAfterMs),
    ...(tx ? { tx } : {}),
  });
}

/** The PENDING collection's recovery job, due when its lease runs out (if its process died). */
export async function enqueueCollectionRecovery(
  ctx: WritePathContext,
  tx: SqlExecutor | undefined,
  row: StoredTransaction,
  runAt?: Date,
): Promise<void> {
  await ctx.jobs.enqueue('ledger.recover-collection', payloadOf(row), {
    singletonKey: row.transactionId,
    runAt: runAt ?? ctx.later(ctx.options.collectionLeaseMs),
    ...(tx ? { tx } : {}),
  });
}

/**
 * Give every unfinished row without a live job its job: rows a store written before the write path
 * ran on jobs still has. Idempotent (singleton keys), so every instance may run it at start.
 */
export async function enqueueMissingJobs(ctx: WritePathContext): Promise<number> {
  let enqueued = 0;
  for (;;) {
    const rows = await ctx.store.unfinishedWithoutJob(ctx.options.batchSize);
    if (rows.length === 0) return enqueued;
    for (const row of rows) {
      const due = (iso: string | null) => (iso ? new Date(iso) : ctx.now());
      if (row.status === 'SUBMITTED') await enqueuePoll(ctx, undefined, row, due(row.nextPollAt));
      else if (row.kind === 'COLLECTION') await enqueueCollectionRecovery(ctx, undefined, row, due(row.nextAttemptAt));
      else await enqueueSubmit(ctx, undefined, row, due(row.nextAttemptAt));
      enqueued++;
    }
    ctx.log.info('gave unfinished transactions their jobs', { count: rows.length });
    if (rows.length < ctx.options.batchSize) return enqueued;
  }
}

/** A defer that never loops tightly: at least `minMs` from now. */
export function deferUntil(ctx: WritePathContext, until: Date, reason: string, minMs = 1_000): JobOutcome {
  const at = Math.max(until.getTime(), ctx.now().getTime() + minMs);
  return { retryAt: new Date(at), spendAttempt: false, reason };
}
