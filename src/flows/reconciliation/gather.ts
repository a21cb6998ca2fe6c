/**
 * Gather the facts of a reconciliation (`src/ledger/books-reconciliation.ts` decides what they
 * mean): the gateway's transactions and ledger postings from the store, the processor's word on
 * each payment and refund, each booking from the booking store, and each booked entry as the books
 * hold it now (read live, in one `entries(refs)` call: the adapter batches it for its vendor).
 *
 *     const facts = await gatherReconciliation(deps, 'smile-dental', { start, end });
 *     reconcileBooks(facts.map((f) => f.facts), { currency: 'USD' });
 *
 * A source that cannot be read leaves that figure `UNAVAILABLE` (the report says so, and claims no
 * mismatch from it) rather than failing the report; the per-request upstream call cap is the one
 * error that fails it, so the client learns to ask for a shorter range.
 */
import type { AccountingAdapter, BookedEntryRecord, EntryKind, EntryRef } from '../../adapters/accounting/port';
import type { ProcessorAdapter } from '../../adapters/processor/port';
import {
  type AccountingFact,
  type LedgerFact,
  ledgerFactOf,
  type ProcessorFact,
  type ReconciliationFacts,
} from '../../ledger/books-reconciliation';
import type { BookingRow } from '../booking/booking-store';
import type { SqlExecutor } from '../../transactions/sql-client';
import { UpstreamCallCapExceeded } from '../../upstream-budget/request-scope';
import { type ReconciledTransaction, transactionsInWindow } from './transactions';
import { createLimiter } from '../../adapters/http/limiter';

/** Where a transaction's booking stands in the booking store (`src/flows/booking/booking-store.ts`). */
export type BookingState = Pick<BookingRow, 'status' | 'kind' | 'externalId'>;

export interface ReconciliationSources {
  /** The store (transactions, checkouts, refunds). */
  sql: SqlExecutor;
  /** The practice's processor; `null` when it has none configured now (its old movements are then unavailable). */
  processor: ProcessorAdapter | null;
  /** The practice's books; `null` when it keeps none the gateway knows of. */
  books: AccountingAdapter | null;
  /** The bookings of these transactions (absent: never booked). */
  bookings(transactionIds: readonly string[]): Promise<ReadonlyMap<string, BookingState>>;
}

export interface GatherOptions {
  /**
   * Processor reads in flight at once. Processors have no batch read of payments by id, so each
   * payment and refund is one call; the upstream budget spaces them per the vendor's limits.
   * Default 4.
   */
  processorConcurrency?: number;
}

export interface GatheredTransaction {
  transaction: ReconciledTransaction;
  facts: ReconciliationFacts;
}

const DEFAULT_PROCESSOR_CONCURRENCY = 4;

/** Every processor collection and refund of the practice created in `[start, end)`, with its facts, oldest first. */
export async function gatherReconciliation(
  sources: ReconciliationSources,
  practiceId: string,
  window: { start: Date; end: Date },
  options: GatherOptions = {},
): Promise<GatheredTransaction[]> {
  const transactions = await transactionsInWindow(sources.sql, practiceId, window);
  if (transactions.length === 0) return [];
  const [processorFacts, accountingFacts] = await Promise.all([
    (() => {
      const limit = createLimiter(options.processorConcurrency ?? DEFAULT_PROCESSOR_CONCURRENCY);
      return Promise.all(transactions.map((t) => limit(() => processorFact(sources.processor, t))));
    })(),
    booksFacts(sources, transactions),
  ]);
  return transactions.map((transaction, i) => ({
    transaction,
    facts: {
      transactionId: transaction.row.transactionId,
      kind: transaction.kind,
      currency: transaction.row.currency,
      processor: processorFacts[i]!,
      ledger: ledgerFact(transaction),
      accounting: accountingFacts[i]!,
    },
  }));
}

/** What the ledger holds (the rule: `ledgerFactOf`). */
function ledgerFact({ row }: ReconciledTransaction): LedgerFact {
  return ledgerFactOf({
    completed: row.status === 'COMPLETED',
    rowAmounts: [...row.records.payments, ...row.records.adjustments].map((r) => r.amount),
    amount: row.amount,
  });
}

async function processorFact(processor: ProcessorAdapter | null, t: ReconciledTransaction): Promise<ProcessorFact> {
  if (t.refundedWithoutId !== null) return { state: 'SUCCEEDED', id: null, amount: t.refundedWithoutId };
  const id = t.processorId;
  if (id === null) return { state: 'NONE' };
  // Movements of a processor the practice no longer uses cannot be read with the one it has now.
  if (!processor || processor.system !== t.processor) return { state: 'UNAVAILABLE', id };
  try {
    if (t.kind === 'COLLECTION') {
      const payment = await processor.getPayment(id);
      return payment.status === 'SUCCEEDED'
        ? { state: 'SUCCEEDED', id, amount: payment.amountReceived }
        : { state: 'NOT_SUCCEEDED', id };
    }
    const refund = await processor.getRefund(id);
    return refund.status === 'SUCCEEDED' ? { state: 'SUCCEEDED', id, amount: refund.amount } : { state: 'NOT_SUCCEEDED', id };
  } catch (error) {
    if (error instanceof UpstreamCallCapExceeded) throw error;
    return { state: 'UNAVAILABLE', id };
  }
}

/** Each transaction's booking, and each booked entry read live in one `entries` call. */
async function booksFacts(
  sources: ReconciliationSources,
  transactions: readonly ReconciledTransaction[],
): Promise<AccountingFact[]> {
  if (!sources.books) return transactions.map(() => ({ state: 'NOT_CONFIGURED' }));
  const bookings = await sources.bookings(transactions.map((t) => t.row.transactionId));
  const refs = transactions.map((t) => {
    const booking = bookings.get(t.row.transactionId);
    return booking?.status === 'BOOKED' && booking.externalId !== null ? { kind: booking.kind, id: booking.externalId } : null;
  });
  const wanted = refs.filter((r): r is EntryRef => r !== null);
  const read = new Map<string, BookedEntryRecord | null | Error>();
  if (wanted.length > 0) {
    let answers: Array<BookedEntryRecord | null | Error>;
    try {
      answers = await sources.books.entries(wanted);
    } catch (error) {
      if (error instanceof UpstreamCallCapExceeded) throw error;
      answers = wanted.map(() => error as Error);
    }
    for (const [i, ref] of wanted.entries())
      read.set(
        refKey(ref.kind, ref.id),
        i < answers.length ? (answers[i] as BookedEntryRecord | null | Error) : new Error('no answer for this entry'),
      );
  }
  return refs.map((ref): AccountingFact => {
    if (ref === null) return { state: 'NOT_BOOKED' };
    const entry = read.get(refKey(ref.kind, ref.id));
    if (entry instanceof Error || entry === undefined) return { state: 'UNAVAILABLE', id: ref.id };
    if (entry === null) return { state: 'DELETED', id: ref.id };
    return { state: 'BOOKED', id: ref.id, amount: entry.amount, voided: entry.voided, transactionId: entry.transactionId };
  });
}

function refKey(kind: EntryKind, id: string): string {
  return `${kind}:${id}`;
}
