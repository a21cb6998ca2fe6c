/**
 * The one question the write path asks an upstream about a transaction it may have sent: "what do
 * you have under this transaction id?" Five places ask it — a re-submit after a crash, a poll of a
 * SUBMITTED write, a webhook that reports a completion without rows, a card collection whose
 * charge call failed, the recovery of a collection interrupted by a crash — and each acts on the
 * same four answers:
 *
 * - `landed`:  rows that are this write's (right patient, adding up to its amount);
 * - `foreign`: rows under our id that are NOT this write's, with why (see `rowsMismatch`);
 * - `absent`:  the upstream knows nothing of it (or the adapter cannot look transactions up);
 * - `unknown`: the look-up failed, so nothing may be concluded — never read it as `absent`.
 *
 *     const found = await lookUpUpstream(ctx, row);
 *     if (found.answer === 'landed') await ctx.move(row, 'COMPLETED', { records: found.records });
 */
import type { LedgerRecords } from '../adapters/ledger/port';
import { rowsMismatch } from '../ledger/records-sum';
import type { WritePathContext } from './context';
import type { StoredTransaction } from './store';

/** The rows found are this transaction's. */
export interface Landed {
  answer: 'landed';
  records: LedgerRecords;
}

/** Rows found under the transaction id that cannot be this write's. */
export interface Foreign {
  answer: 'foreign';
  records: LedgerRecords;
  /** e.g. `a row of patient 43, not 42`, `rows totalling -50.00, not -100.00`. */
  why: string;
}

export type UpstreamLookup = Landed | Foreign | { answer: 'absent' } | { answer: 'unknown'; error: unknown };

/** True when `records` holds at least one row. */
export function hasRows(records: LedgerRecords | null | undefined): records is LedgerRecords {
  return !!records && records.payments.length + records.adjustments.length > 0;
}

/** Whether the practice's adapter can look transactions up at all. */
export function canLookUp(ctx: WritePathContext, practiceId: string): boolean {
  return typeof ctx.adapters(practiceId)?.findTransaction === 'function';
}

/**
 * Whether rows found under `row`'s transaction id are its own. A collection's rows are taken as
 * found: the check guards ledger writes, whose re-post the upstream may refuse as "id already used"
 * (and then shows another write's rows); a collection is charged once and never re-posted.
 */
export function judgeRows(row: StoredTransaction, records: LedgerRecords): Landed | Foreign {
  const why = row.kind === 'COLLECTION' ? null : rowsMismatch(row, records);
  return why ? { answer: 'foreign', records, why } : { answer: 'landed', records };
}

/**
 * Ask the practice's upstream what it has under `row`'s transaction id. Never throws for the
 * upstream's sake: a failed look-up is `unknown` (with the error), so each caller decides what
 * "cannot tell" means for it. A collection is looked up as the PAYMENT it lands as.
 */
export async function lookUpUpstream(ctx: WritePathContext, row: StoredTransaction): Promise<UpstreamLookup> {
  const adapter = ctx.adapters(row.practiceId);
  if (!adapter?.findTransaction) return { answer: 'absent' };
  const kind = row.kind === 'ADJUSTMENT' ? 'ADJUSTMENT' : 'PAYMENT';
  let found: LedgerRecords | null;
  try {
    found = await adapter.findTransaction(kind, row.transactionId, row.patientSourceId);
  } catch (error) {
    return { answer: 'unknown', error };
  }
  return hasRows(found) ? judgeRows(row, found) : { answer: 'absent' };
}

/** The failure reason of a write whose id upstream carries another write's rows. */
export function foreignRowsReason(row: StoredTransaction, why: string): string {
  return (
    `the rows upstream under transaction id ${row.transactionId} do not match this write (${why}): ` +
    'the id was probably used by another write; check the ledger before entering this one again'
  );
}
