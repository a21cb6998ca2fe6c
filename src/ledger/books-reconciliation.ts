/**
 * The three-way reconciliation of a practice's collections and refunds: what the processor took (or
 * gave back), what the ledger holds, what the books hold now. Pure: the caller gathers one
 * {@link ReconciliationFacts} per COLLECTION / REFUND transaction (README.md here, "Books
 * reconciliation"); this file names the mismatches and adds up the totals, exactly, in cents.
 *
 * (Not to be confused with `reconciliation.ts`, a guarantor's computed balance against her record.)
 *
 *     reconcileBooks([
 *       { transactionId: 'LG:7', kind: 'COLLECTION', currency: 'USD',
 *         processor: { state: 'SUCCEEDED', id: 'pi_1', amount: 5000 },
 *         ledger: { state: 'NOT_POSTED' }, accounting: { state: 'NOT_BOOKED' } },
 *     ], { currency: 'USD' });
 *     // rows[0].mismatches: ['PAID_NOT_POSTED']; totals: { processor: 5000, ledger: 0, accounting: 0 }
 */
import { absCents, isCents, MoneyError, subtractCents, sumCents } from './money';
import type { Cents } from './records';

export type ReconciledKind = 'COLLECTION' | 'REFUND';

/** The kinds of mismatch, in the order a row lists them (the GraphQL enum `MismatchKind`). */
export const MISMATCH_KINDS = [
  'PAID_NOT_POSTED',
  'POSTED_NOT_BOOKED',
  'AMOUNT_DIFFERS',
  'REFUND_NOT_POSTED',
  'BOOKED_NOT_PAID',
] as const;
export type MismatchKind = (typeof MISMATCH_KINDS)[number];

/** A source whose read failed: its figure is unknown (null), and no mismatch is claimed from it. */
export type ReconciliationSource = 'PROCESSOR' | 'LEDGER' | 'ACCOUNTING';

/**
 * The processor's word on the money movement (a collection's payment, a refund's refund):
 * - `SUCCEEDED`: the money moved; `amount` is what it took or gave back (positive cents). `id` is
 *   `null` for a refund the processor made without naming it (one made in its dashboard).
 * - `NOT_SUCCEEDED`: the processor knows the movement and says it did not (or no longer) succeed
 *   (pending, failed, canceled): it holds nothing for it, 0.
 * - `NONE`: there is no movement at the processor to ask about (a checkout never paid, a refund
 *   never sent).
 * - `UNAVAILABLE`: it could not be read now.
 */
export type ProcessorFact =
  | { state: 'SUCCEEDED'; id: string | null; amount: Cents }
  | { state: 'NOT_SUCCEEDED'; id: string }
  | { state: 'NONE' }
  | { state: 'UNAVAILABLE'; id: string | null };

/** The ledger: `POSTED` with the amount its rows hold (positive), or nothing posted. */
export type LedgerFact = { state: 'POSTED'; amount: Cents } | { state: 'NOT_POSTED' } | { state: 'UNAVAILABLE' };

/** A transaction's posting as the ledger fact needs it. */
export interface LedgerPosting {
  /** The posting is COMPLETED (final); anything else has posted nothing yet. */
  completed: boolean;
  /** The amounts of the rows it wrote (payments and adjustments; a refund's are negative). */
  rowAmounts: readonly Cents[];
  /** The transaction's own amount: what a staff resolution without rows posted by hand. */
  amount: Cents;
}

/**
 * What the ledger holds for one transaction: nothing until its posting COMPLETED, then the exact
 * sum of its rows (the transaction's amount when it wrote none), as a magnitude: the report
 * compares sizes, and a refund's rows are negative.
 */
export function ledgerFactOf(posting: LedgerPosting): LedgerFact {
  if (!posting.completed) return { state: 'NOT_POSTED' };
  const held = posting.rowAmounts.length > 0 ? sumCents(posting.rowAmounts) : posting.amount;
  return { state: 'POSTED', amount: absCents(held) };
}

/**
 * The books, read live:
 * - `BOOKED`: the entry as it stands (`amount` positive, whatever it is while `voided`;
 *   `transactionId` is the gateway id the entry carries, `null` once edited away).
 * - `DELETED`: the gateway booked it and the books no longer have it: they hold 0 for it.
 * - `NOT_BOOKED`: no entry (the booking is pending or failed, or was never made).
 * - `NOT_CONFIGURED`: the practice keeps no books the gateway knows of: nothing to compare.
 * - `UNAVAILABLE`: booked, but the entry could not be read now.
 */
export type AccountingFact =
  | { state: 'BOOKED'; id: string; amount: Cents; voided: boolean; transactionId: string | null }
  | { state: 'DELETED'; id: string }
  | { state: 'NOT_BOOKED' }
  | { state: 'NOT_CONFIGURED' }
  | { state: 'UNAVAILABLE'; id: string };

/** Everything known about one COLLECTION or REFUND transaction. */
export interface ReconciliationFacts {
  transactionId: string;
  kind: ReconciledKind;
  /** ISO 4217, upper case: every row of one report is in one currency. */
  currency: string;
  processor: ProcessorFact;
  ledger: LedgerFact;
  accounting: AccountingFact;
}

/** One line of the report: the three figures (positive cents, `null` where unknown or absent) and what disagrees. */
export interface ReconciledRow {
  transactionId: string;
  kind: ReconciledKind;
  /** What the processor took (a refund: gave back); 0 when it says the movement did not succeed; `null` when there is none or it could not be read. */
  processor: Cents | null;
  /** What the ledger holds for it; `null` when nothing is posted (or it could not be read). */
  ledger: Cents | null;
  /** What the books hold now; 0 when voided or deleted; `null` when not booked (or it could not be read). */
  accounting: Cents | null;
  processorId: string | null;
  accountingId: string | null;
  /** In {@link MISMATCH_KINDS} order; empty when the three agree. */
  mismatches: MismatchKind[];
  /** The sources that could not be read for this row: their figures are `null` and claim nothing. */
  unavailable: ReconciliationSource[];
}

/** Net per source: collections minus refunds, over the rows where the figure is known. */
export interface ReconciledTotals {
  processor: Cents;
  ledger: Cents;
  accounting: Cents;
}

export interface ReconciledReport {
  rows: ReconciledRow[];
  totals: ReconciledTotals;
  /** Σ over the rows of their mismatches (a row with two kinds counts two). */
  mismatchCount: number;
  /** Every source of every row was read: the totals are over everything. */
  complete: boolean;
}

export interface ReconcileOptions {
  /** The report's currency (ISO 4217, upper case); a fact in another currency is a `MoneyError`. */
  currency: string;
}

/** The row for one transaction's facts: figures, ids, mismatches. */
export function reconcileRow(facts: ReconciliationFacts): ReconciledRow {
  const { processor, ledger, accounting } = facts;
  const processorAmount = processor.state === 'SUCCEEDED' ? processor.amount : processor.state === 'NOT_SUCCEEDED' ? 0 : null;
  const ledgerAmount = ledger.state === 'POSTED' ? ledger.amount : null;
  const accountingAmount =
    accounting.state === 'BOOKED' ? (accounting.voided ? 0 : accounting.amount) : accounting.state === 'DELETED' ? 0 : null;
  for (const [what, cents] of [
    ['processor', processorAmount],
    ['ledger', ledgerAmount],
    ['accounting', accountingAmount],
  ] as const) {
    if (cents !== null && (!isCents(cents) || cents < 0)) {
      throw new MoneyError(`${facts.transactionId}: expected the ${what} amount as positive cents, got ${cents}`);
    }
  }

  const paid = processor.state === 'SUCCEEDED';
  const posted = ledger.state === 'POSTED';
  const mismatches = new Set<MismatchKind>();
  // Money moved at the processor and the ledger does not show it: the practice's most urgent finding.
  if (paid && ledger.state === 'NOT_POSTED')
    mismatches.add(facts.kind === 'COLLECTION' ? 'PAID_NOT_POSTED' : 'REFUND_NOT_POSTED');
  // Booking follows posting, so only a posted movement is expected in the books.
  if (posted && accounting.state === 'NOT_BOOKED') mismatches.add('POSTED_NOT_BOOKED');
  // The figures that are known and meaningful must agree. A processor that says the movement did
  // not succeed is not an amount to compare: that finding is BOOKED_NOT_PAID (when booked).
  const compared = [paid ? processorAmount : null, ledgerAmount, accountingAmount].filter((c): c is Cents => c !== null);
  if (compared.length >= 2 && compared.some((c) => c !== compared[0])) mismatches.add('AMOUNT_DIFFERS');
  // A live receipt that names this transaction while the processor holds no such money. A voided
  // (or deleted) receipt claims nothing; an unreadable processor proves nothing.
  const liveReceipt =
    accounting.state === 'BOOKED' &&
    !accounting.voided &&
    accounting.amount > 0 &&
    accounting.transactionId === facts.transactionId;
  if (liveReceipt && (processor.state === 'NOT_SUCCEEDED' || processor.state === 'NONE')) mismatches.add('BOOKED_NOT_PAID');

  const unavailable: ReconciliationSource[] = [];
  if (processor.state === 'UNAVAILABLE') unavailable.push('PROCESSOR');
  if (ledger.state === 'UNAVAILABLE') unavailable.push('LEDGER');
  if (accounting.state === 'UNAVAILABLE') unavailable.push('ACCOUNTING');

  return {
    transactionId: facts.transactionId,
    kind: facts.kind,
    processor: processorAmount,
    ledger: ledgerAmount,
    accounting: accountingAmount,
    processorId: processor.state === 'NONE' ? null : processor.id,
    accountingId: accounting.state === 'NOT_BOOKED' || accounting.state === 'NOT_CONFIGURED' ? null : accounting.id,
    mismatches: MISMATCH_KINDS.filter((kind) => mismatches.has(kind)),
    unavailable,
  };
}

/** Net of one source over the rows: Σ collections − Σ refunds, unknown figures left out. */
function net(rows: readonly ReconciledRow[], pick: (row: ReconciledRow) => Cents | null): Cents {
  const of = (kind: ReconciledKind) => sumCents(rows.filter((r) => r.kind === kind).flatMap((r) => pick(r) ?? []));
  return subtractCents(of('COLLECTION'), of('REFUND'));
}

/**
 * The report over every transaction's facts, rows in the order given. Throws a `MoneyError` for a
 * fact in another currency, an amount that is not positive cents, or a total past the safe range.
 */
export function reconcileBooks(facts: readonly ReconciliationFacts[], options: ReconcileOptions): ReconciledReport {
  const rows = facts.map((f) => {
    if (f.currency !== options.currency) {
      throw new MoneyError(`${f.transactionId}: expected an amount in ${options.currency}, got ${f.currency}`);
    }
    return reconcileRow(f);
  });
  return {
    rows,
    totals: {
      processor: net(rows, (r) => r.processor),
      ledger: net(rows, (r) => r.ledger),
      accounting: net(rows, (r) => r.accounting),
    },
    mismatchCount: rows.reduce((n, r) => n + r.mismatches.length, 0),
    complete: rows.every((r) => r.unavailable.length === 0),
  };
}
