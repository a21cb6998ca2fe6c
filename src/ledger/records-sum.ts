/**
 * What the ledger rows a write produced upstream add up to, and whether they can be that write's.
 * The write path asks both questions about rows it finds under its own transaction id (see
 * `src/transactions/README.md`, "exactly once"); the answers are pure, so they live here.
 *
 *     recordsSum({ payments: [row(-6000), row(-4000)], adjustments: [] }, -10000)
 *     // { state: 'matches', total: -10000 }
 *     rowsMismatch({ patientSourceId: '42', amount: -10000 }, { payments: [row(-5000)], adjustments: [] })
 *     // 'rows totalling -50.00, not -100.00'
 */
import { formatCents, MoneyError, sumCents } from './money';
import type { Cents, LedgerRecords } from './records';

/**
 * The rows' total against the amount they should make: `matches` / `differs` (with the total), or
 * `out-of-range` when the total (or a row) is not a safe integer of cents, which no real ledger
 * produces but a misbehaving upstream might.
 */
export type RecordsSum = { state: 'matches'; total: Cents } | { state: 'differs'; total: Cents } | { state: 'out-of-range' };

/** Every row of `records`, payments first. */
function allRows(records: LedgerRecords) {
  return [...records.payments, ...records.adjustments];
}

/**
 * The signed total of `records` compared with `amount`. Only a MoneyError (a sum past the
 * safe-integer range, or a row amount that is not cents) becomes `out-of-range`; anything else is
 * a bug and is thrown.
 */
export function recordsSum(records: LedgerRecords, amount: Cents): RecordsSum {
  let total: Cents;
  try {
    total = sumCents(allRows(records).map((r) => r.amount));
  } catch (error) {
    if (!(error instanceof MoneyError)) throw error;
    return { state: 'out-of-range' };
  }
  return total === amount ? { state: 'matches', total } : { state: 'differs', total };
}

/** What rows found upstream are compared with: the write's patient and its signed amount. */
export interface ExpectedRows {
  patientSourceId: string;
  amount: Cents;
}

/**
 * Why `records` cannot be the rows of the write `expected` describes, or `null` when they can.
 *
 * A transaction id is unique upstream, but this gateway's sequence is not the only source of ids:
 * another originator with the same prefix, or this gateway after its store was reset, may have used
 * it. The upstream then refuses our write ("already used") and a look-up finds the OTHER write's
 * rows; completing with them would report money as landed that never was. So rows of another
 * patient, or rows that do not add up to the amount (possibly still landing), are not the write's.
 * The first reason found is given: a stranger patient before a wrong total.
 *
 *     rowsMismatch({ patientSourceId: '42', amount: -500 }, { payments: [rowOf('43', -500)], adjustments: [] })
 *     // 'a row of patient 43, not 42'
 */
export function rowsMismatch(expected: ExpectedRows, records: LedgerRecords): string | null {
  const stranger = allRows(records).find((r) => r.patientSourceId !== expected.patientSourceId);
  if (stranger) return `a row of patient ${stranger.patientSourceId}, not ${expected.patientSourceId}`;
  const sum = recordsSum(records, expected.amount);
  switch (sum.state) {
    case 'matches':
      return null;
    case 'differs':
      return `rows totalling ${formatCents(sum.total)}, not ${formatCents(expected.amount)}`;
    case 'out-of-range':
      return 'rows with an out-of-range total';
  }
}
