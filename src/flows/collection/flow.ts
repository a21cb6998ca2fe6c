/**
 * The collection flow's facade: what resolvers and the processor webhook route call. Creating a
 * checkout stores the PENDING COLLECTION row, its `checkouts` row and its `collection.advance` job
 * in one SQL transaction (the write path's outbox), then runs the job's first run inline so the
 * answer carries the processor's page. Everything after is the job (`advance.ts`) and the signals
 * (`signals.ts`). See `README.md` here.
 *
 *     const flow = createCollectionFlow({ transactions, practices, publicUrl: () => url });
 *     flow.defineJobs();                        // before transactions.start()
 *     const tx = await flow.createCheckout({ practiceId, idempotencyKey, fingerprint, … });
 */
import type { ProcessorName } from '../../adapters/processor/port';
import { UpstreamError } from '../../adapters/ledger/port';
import type { PracticeRegistry } from '../../practices';
import { toTransactionRow } from '../../transactions/context';
import type { TransactionService } from '../../transactions/service';
import { TABLE } from '../../transactions/transaction-rows';
import type { TransactionRow } from '../../transactions/types';
import { TransactionInputError } from '../../transactions/errors';
import { advanceJob } from './advance';
import { catchUpJob, catchUpKey } from './catch-up';
import { createRefund, refundJob, retryRefundPosting, type CreateRefundCommand } from './refund';
import { getRefund, refundIdsOf, refundsWithoutJob } from './refund-store';
import { checkoutsWithoutJob, getCheckout, insertCheckout, markClosed, setPostState, type CheckoutRow } from './checkout-store';
import { COLLECTION_DEFAULTS, type CollectionContext, type CollectionFlowOptions } from './context';
import type { CheckoutLine } from '../../ledger/checkout-lines';
import { payPageKey, payPageUrl, payToken, payTokenHash } from './pay-token';
import { applyCheckoutState, applyProcessorEvent, kick, type SignalResult } from './signals';
import type { ProcessorEvent } from '../../adapters/processor/port';

export interface CreateCheckoutCommand {
  practiceId: string;
  idempotencyKey: string;
  /** The canonical text of the request (`CreateCheckoutInput` minus the key): same key, other text = conflict. */
  fingerprint: string;
  patientSourceId: string;
  processor: ProcessorName;
  paymentTypeId: string;
  lines: CheckoutLine[];
  /** Positive cents: the sum of the lines. */
  total: number;
  currency: string;
  expiresAt: Date;
  returnUrl: string | null;
  /** Shown on the pay page (stored with the checkout; null when the ledger has none). */
  patientFirstName: string | null;
}

/** A checkout as `Checkout` renders it: its row and its pay page's URL. */
export interface CheckoutView extends CheckoutRow {
  payPageUrl: string;
}

export interface CollectionFlow {
  /** Register `collection.advance` on the write path's queue (before `transactions.start()`). */
  defineJobs(): void;
  /** Give checkouts whose job is gone (a crash between steps, an old store) their job again. */
  resume(): Promise<number>;
  createCheckout(command: CreateCheckoutCommand): Promise<TransactionRow>;
  /** The checkout of a COLLECTION transaction; `null` for other transactions. */
  checkout(transactionId: string): Promise<CheckoutView | null>;
  cancelCheckout(practiceId: string, transactionId: string): Promise<TransactionRow>;
  /** Post once more what the ledger refused: a paid checkout's payment, or a REFUND's refund (`refund.ts`). */
  retryPosting(practiceId: string, transactionId: string): Promise<TransactionRow>;
  /**
   * Run the practice's catch-up through its processor's change list now (`catch-up.ts`), as its
   * recurring job does every `catchUpIntervalMs`; resolves when the changes were applied.
   */
  catchUp(practiceId: string): Promise<void>;
  applyEvent(practiceId: string, event: ProcessorEvent): Promise<SignalResult>;
  /** Refund part or all of a paid checkout's payment: a REFUND transaction (`refund.ts`). */
  refund(command: CreateRefundCommand): Promise<TransactionRow>;
  /** The transaction a REFUND refunds; `null` for other transactions. */
  refundOf(transactionId: string): Promise<TransactionRow | null>;
  /** A checkout transaction's REFUND transactions, oldest first. */
  refunds(transactionId: string): Promise<TransactionRow[]>;
  readonly context: CollectionContext;
}

export interface CollectionFlowDeps extends CollectionFlowOptions {
  transactions: TransactionService;
  practices: PracticeRegistry;
  publicUrl: () => string;
}

export function createCollectionFlow(deps: CollectionFlowDeps): CollectionFlow {
  const ctx = deps.transactions.context;
  const flow: CollectionContext = {
    ctx,
    practices: deps.practices,
    publicUrl: deps.publicUrl,
    watchIntervalMs: deps.watchIntervalMs ?? COLLECTION_DEFAULTS.watchIntervalMs,
    defaultExpiresInMinutes: deps.defaultExpiresInMinutes ?? COLLECTION_DEFAULTS.defaultExpiresInMinutes,
    catchUpIntervalMs: deps.catchUpIntervalMs ?? COLLECTION_DEFAULTS.catchUpIntervalMs,
    catchUpLookbackMs: deps.catchUpLookbackMs ?? COLLECTION_DEFAULTS.catchUpLookbackMs,
  };
  const { store } = ctx;

  async function requireCheckout(practiceId: string, transactionId: string) {
    const row = await store.get(practiceId, transactionId);
    const checkout = row ? await getCheckout(store.sql, transactionId) : null;
    if (!row || !checkout) {
      throw new TransactionInputError(`no checkout transaction "${transactionId}" at practice "${practiceId}"`);
    }
    return { row, checkout };
  }

  async function current(transactionId: string): Promise<TransactionRow> {
    const row = await store.findById(transactionId);
    if (!row) throw new Error(`transaction ${transactionId} vanished`);
    return toTransactionRow(row);
  }

  return {
    context: flow,
    defineJobs() {
      ctx.jobs.define('collection.advance', ({ job }) => advanceJob(flow, job.payload.transactionId), {
        // Watching defers (no attempt spent); attempts only count failures and crashes.
        maxAttempts: 1_000,
        backoff: { delaysMs: ctx.options.submitRetryDelaysMs, jitter: 0 },
        concurrency: ctx.options.concurrency,
      });
      ctx.jobs.define('collection.refund', ({ job }) => refundJob(flow, job.payload.transactionId), {
        maxAttempts: 1_000,
        backoff: { delaysMs: ctx.options.submitRetryDelaysMs, jitter: 0 },
        concurrency: ctx.options.concurrency,
      });
      // Recurring: each run defers itself to the next interval (no attempt spent), failures included.
      ctx.jobs.define('collection.catch-up', ({ job }) => catchUpJob(flow, job.payload.practiceId), {
        maxAttempts: 1_000,
        backoff: { delaysMs: ctx.options.submitRetryDelaysMs, jitter: 0 },
        concurrency: 1,
      });
    },
    async resume() {
      const ids = await checkoutsWithoutJob(store.sql, 1_000);
      for (const transactionId of ids) {
        const row = await store.findById(transactionId);
        if (row)
          await ctx.jobs.enqueue(
            'collection.advance',
            { practiceId: row.practiceId, transactionId },
            { singletonKey: transactionId },
          );
      }
      // Each practice with a processor has its catch-up job, first due one interval from now.
      for (const practice of flow.practices.all()) {
        if (!practice.processor) continue;
        await ctx.jobs.enqueue(
          'collection.catch-up',
          { practiceId: practice.id },
          { singletonKey: catchUpKey(practice.id), runAt: ctx.later(flow.catchUpIntervalMs) },
        );
      }
      const refunds = await refundsWithoutJob(store.sql, 1_000);
      for (const payload of refunds)
        await ctx.jobs.enqueue('collection.refund', payload, { singletonKey: payload.transactionId });
      return ids.length + refunds.length;
    },
    async createCheckout(command) {
      const now = ctx.now();
      const key = await payPageKey(store.sql, now);
      let jobId: string | null = null;
      const { row, created } = await store.createTransaction({
        practiceId: command.practiceId,
        idempotencyKey: command.idempotencyKey,
        fingerprint: command.fingerprint,
        transactionIdPrefix: ctx.options.transactionIdPrefix,
        kind: 'COLLECTION',
        amount: -command.total,
        currency: command.currency,
        patientSourceId: command.patientSourceId,
        request: { kind: 'COLLECTION', checkout: { processor: command.processor, paymentTypeId: command.paymentTypeId } },
        now,
        afterInsert: async (tx, inserted) => {
          await insertCheckout(tx, {
            transactionId: inserted.transactionId,
            practiceId: command.practiceId,
            processor: command.processor,
            lines: command.lines,
            total: command.total,
            currency: command.currency,
            paymentTypeId: command.paymentTypeId,
            returnUrl: command.returnUrl,
            expiresAt: command.expiresAt,
            payTokenHash: payTokenHash(payToken(key, inserted.transactionId)),
            patientFirstName: command.patientFirstName,
            now,
          });
          const { job } = await ctx.jobs.enqueue(
            'collection.advance',
            { practiceId: command.practiceId, transactionId: inserted.transactionId },
            { singletonKey: inserted.transactionId, tx },
          );
          jobId = job.id;
        },
      });
      if (created) {
        await ctx.publish(row);
        // The first run inline: the answer carries the processor's page when it answered in time.
        if (jobId) await ctx.inFlight.track(() => ctx.jobs.run(jobId!));
      }
      return current(row.transactionId);
    },
    async checkout(transactionId) {
      const row = await getCheckout(store.sql, transactionId);
      if (!row) return null;
      const key = await payPageKey(store.sql, ctx.now());
      return { ...row, payPageUrl: payPageUrl(flow.publicUrl(), payToken(key, transactionId)) };
    },
    async cancelCheckout(practiceId, transactionId) {
      const { row, checkout } = await requireCheckout(practiceId, transactionId);
      if (checkout.status !== 'OPEN' || row.status !== 'PENDING') {
        throw new TransactionInputError(
          `the checkout of ${transactionId} is ${checkout.status}, not OPEN: there is nothing to cancel`,
        );
      }
      const processor = flow.practices.get(practiceId)?.processor;
      if (checkout.checkoutId && processor) {
        // The processor's answer decides: a patient may have paid while staff canceled.
        const record = await processor.adapter.cancelCheckout({
          checkoutId: checkout.checkoutId,
          idempotencyKey: `${transactionId}:cancel:1`,
        });
        if (record.status === 'OPEN' || record.status === 'PROCESSING') {
          throw new UpstreamError(`the processor did not cancel the checkout (it is ${record.status})`, 'UPSTREAM_REJECTED');
        }
        const seen = record.status === 'EXPIRED' ? { ...record, status: 'CANCELED' as const } : record;
        await applyCheckoutState(flow, transactionId, practiceId, seen, null);
      } else {
        // Never opened upstream (its job has not run yet): nothing to cancel there.
        if (await markClosed(store.sql, transactionId, 'CANCELED', ctx.now())) await kick(flow, practiceId, transactionId);
      }
      await ctx.inFlight.settle();
      return current(transactionId);
    },
    async retryPosting(practiceId, transactionId) {
      const refund = await getRefund(store.sql, transactionId);
      if (refund) {
        await retryRefundPosting(flow, practiceId, transactionId);
        return current(transactionId);
      }
      const { row, checkout } = await requireCheckout(practiceId, transactionId);
      if (row.status !== 'SUBMITTED' || checkout.postState !== 'REFUSED') {
        throw new TransactionInputError(
          `the posting of ${transactionId} was not refused by the ledger (status ${row.status}, checkout ${checkout.status}): nothing to retry`,
        );
      }
      const now = ctx.now();
      const reopened = await store.sql.transaction(async (tx) => {
        if (!(await setPostState(tx, transactionId, ['REFUSED'], 'NOT_SENT', now))) return false;
        // The refusal's attention goes with the retry; a new refusal sets it again.
        await tx.query(
          `UPDATE ${TABLE} SET attention = NULL, attention_since = NULL WHERE transaction_id = $1 AND status = 'SUBMITTED'`,
          [transactionId],
        );
        await ctx.jobs.enqueue('collection.advance', { practiceId, transactionId }, { singletonKey: transactionId, tx });
        return true;
      });
      if (reopened) {
        const { job } = await ctx.jobs.enqueue(
          'collection.advance',
          { practiceId, transactionId },
          { singletonKey: transactionId },
        );
        await ctx.inFlight.track(() => ctx.jobs.run(job.id));
      }
      return current(transactionId);
    },
    async catchUp(practiceId) {
      if (!flow.practices.get(practiceId)?.processor) {
        throw new TransactionInputError(`practice "${practiceId}" has no processor to catch up with`);
      }
      const { job } = await ctx.jobs.enqueue(
        'collection.catch-up',
        { practiceId },
        { singletonKey: catchUpKey(practiceId), runAt: ctx.later(flow.catchUpIntervalMs) },
      );
      // Runs the queued job now (`run` claims it whatever its due time); it defers itself to the next interval.
      await ctx.inFlight.track(() => ctx.jobs.run(job.id));
      await ctx.inFlight.settle();
    },
    refund(command) {
      return ctx.inFlight.track(() => createRefund(flow, command));
    },
    async refundOf(transactionId) {
      const refund = await getRefund(store.sql, transactionId);
      const row = refund ? await store.findById(refund.refundOf) : null;
      return row ? toTransactionRow(row) : null;
    },
    async refunds(transactionId) {
      const rows = await Promise.all((await refundIdsOf(store.sql, transactionId)).map((id) => store.findById(id)));
      return rows.flatMap((row) => (row ? [toTransactionRow(row)] : []));
    },
    applyEvent(practiceId, event) {
      return ctx.inFlight.track(() => applyProcessorEvent(flow, practiceId, event));
    },
  };
}
