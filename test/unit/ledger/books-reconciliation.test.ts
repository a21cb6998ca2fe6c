import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AccountingFact,
  type LedgerFact,
  type ProcessorFact,
  type ReconciliationFacts,
  ledgerFactOf,
  reconcileBooks,
  reconcileRow,
} from '../../../src/ledger/books-reconciliation';
import { MoneyError } from '../../../src/ledger/money';
import { reconciliationWindow } from '../../../src/ledger/reconciliation-range';

const paid = (amount: number, id = 'pi_1'): ProcessorFact => ({ state: 'SUCCEEDED', id, amount });
const posted = (amount: number): LedgerFact => ({ state: 'POSTED', amount });
const booked = (amount: number, over: Partial<Extract<AccountingFact, { state: 'BOOKED' }>> = {}): AccountingFact => ({
  state: 'BOOKED',
  id: '101',
  amount,
  voided: false,
  transactionId: 'LG:1',
  ...over,
});

function facts(over: Partial<ReconciliationFacts> = {}): ReconciliationFacts {
  return {
    transactionId: 'LG:1',
    kind: 'COLLECTION',
    currency: 'USD',
    processor: paid(5000),
    ledger: posted(5000),
    accounting: booked(5000),
    ...over,
  };
}

describe('reconcileRow', () => {
  it('finds nothing when the three agree, and shows the three figures and ids', () => {
    expect(reconcileRow(facts())).toEqual({
      transactionId: 'LG:1',
      kind: 'COLLECTION',
      processor: 5000,
      ledger: 5000,
      accounting: 5000,
      processorId: 'pi_1',
      accountingId: '101',
      mismatches: [],
      unavailable: [],
    });
  });

  it('PAID_NOT_POSTED: the processor took the money and the ledger shows nothing', () => {
    const row = reconcileRow(facts({ ledger: { state: 'NOT_POSTED' }, accounting: { state: 'NOT_BOOKED' } }));
    expect(row.mismatches).toEqual(['PAID_NOT_POSTED']);
    expect([row.processor, row.ledger, row.accounting]).toEqual([5000, null, null]);
  });

  it('REFUND_NOT_POSTED: the processor gave money back and the ledger shows nothing', () => {
    const row = reconcileRow(
      facts({
        kind: 'REFUND',
        processor: paid(1500, 're_1'),
        ledger: { state: 'NOT_POSTED' },
        accounting: { state: 'NOT_BOOKED' },
      }),
    );
    expect(row.mismatches).toEqual(['REFUND_NOT_POSTED']);
    expect(row.processorId).toBe('re_1');
  });

  it('POSTED_NOT_BOOKED: posted, no entry in the books (collections and refunds alike)', () => {
    expect(reconcileRow(facts({ accounting: { state: 'NOT_BOOKED' } })).mismatches).toEqual(['POSTED_NOT_BOOKED']);
    expect(reconcileRow(facts({ kind: 'REFUND', accounting: { state: 'NOT_BOOKED' } })).mismatches).toEqual([
      'POSTED_NOT_BOOKED',
    ]);
  });

  it('AMOUNT_DIFFERS: an edited receipt, a voided one (0.00), a deleted one (0.00), a ledger that holds another amount', () => {
    expect(reconcileRow(facts({ accounting: booked(4500) })).mismatches).toEqual(['AMOUNT_DIFFERS']);
    const voided = reconcileRow(facts({ accounting: booked(5000, { voided: true }) }));
    expect(voided).toMatchObject({ accounting: 0, accountingId: '101', mismatches: ['AMOUNT_DIFFERS'] });
    const deleted = reconcileRow(facts({ accounting: { state: 'DELETED', id: '101' } }));
    expect(deleted).toMatchObject({ accounting: 0, accountingId: '101', mismatches: ['AMOUNT_DIFFERS'] });
    expect(reconcileRow(facts({ ledger: posted(4999) })).mismatches).toEqual(['AMOUNT_DIFFERS']);
  });

  it('BOOKED_NOT_PAID: a live receipt naming the transaction while the processor holds no such money', () => {
    const failed = reconcileRow(facts({ processor: { state: 'NOT_SUCCEEDED', id: 'pi_1' } }));
    // The processor shows 0.00 (it holds nothing); that is this finding, not an amount difference.
    expect(failed).toMatchObject({ processor: 0, processorId: 'pi_1', mismatches: ['BOOKED_NOT_PAID'] });
    const never = reconcileRow(facts({ processor: { state: 'NONE' } }));
    expect(never).toMatchObject({ processor: null, processorId: null, mismatches: ['BOOKED_NOT_PAID'] });
    const refund = reconcileRow(facts({ kind: 'REFUND', processor: { state: 'NOT_SUCCEEDED', id: 're_1' } }));
    expect(refund.mismatches).toEqual(['BOOKED_NOT_PAID']);
  });

  it('a voided receipt, or one that no longer names the transaction, is not BOOKED_NOT_PAID', () => {
    const voided = reconcileRow(
      facts({ processor: { state: 'NOT_SUCCEEDED', id: 'pi_1' }, accounting: booked(5000, { voided: true }) }),
    );
    expect(voided.mismatches).toEqual(['AMOUNT_DIFFERS']); // ledger 50.00, books 0.00
    const renamed = reconcileRow(
      facts({ processor: { state: 'NOT_SUCCEEDED', id: 'pi_1' }, accounting: booked(5000, { transactionId: null }) }),
    );
    expect(renamed.mismatches).toEqual([]);
  });

  it('several kinds on one row, in the enum order', () => {
    // Booked (by hand, say) for a payment that failed, and with another amount than the ledger's.
    const row = reconcileRow(facts({ processor: { state: 'NOT_SUCCEEDED', id: 'pi_1' }, accounting: booked(6000) }));
    expect(row.mismatches).toEqual(['AMOUNT_DIFFERS', 'BOOKED_NOT_PAID']);
    // Paid 50.00, not posted, but booked 40.00.
    const other = reconcileRow(facts({ ledger: { state: 'NOT_POSTED' }, accounting: booked(4000) }));
    expect(other.mismatches).toEqual(['PAID_NOT_POSTED', 'AMOUNT_DIFFERS']);
  });

  it('an unreadable source is null, listed as unavailable, and claims no mismatch', () => {
    const processor = reconcileRow(facts({ processor: { state: 'UNAVAILABLE', id: 'pi_1' }, ledger: { state: 'NOT_POSTED' } }));
    expect(processor).toMatchObject({ processor: null, processorId: 'pi_1', unavailable: ['PROCESSOR'] });
    // Not PAID_NOT_POSTED (unknown), not BOOKED_NOT_PAID (unknown); books 50.00 vs nothing posted: nothing to compare.
    expect(processor.mismatches).toEqual([]);
    const books = reconcileRow(facts({ accounting: { state: 'UNAVAILABLE', id: '101' } }));
    expect(books).toMatchObject({ accounting: null, accountingId: '101', mismatches: [], unavailable: ['ACCOUNTING'] });
    const ledger = reconcileRow(facts({ ledger: { state: 'UNAVAILABLE' } }));
    expect(ledger).toMatchObject({ ledger: null, mismatches: [], unavailable: ['LEDGER'] });
  });

  it('books not configured: nothing is expected there', () => {
    expect(reconcileRow(facts({ accounting: { state: 'NOT_CONFIGURED' } }))).toMatchObject({ accounting: null, mismatches: [] });
  });

  it('nothing moved anywhere: no finding', () => {
    const row = reconcileRow(
      facts({ processor: { state: 'NONE' }, ledger: { state: 'NOT_POSTED' }, accounting: { state: 'NOT_BOOKED' } }),
    );
    expect(row).toMatchObject({ processor: null, ledger: null, accounting: null, mismatches: [] });
  });

  it('refuses amounts that are not positive cents', () => {
    expect(() => reconcileRow(facts({ ledger: posted(-5000) }))).toThrow(MoneyError);
    expect(() => reconcileRow(facts({ processor: paid(50.5) }))).toThrow(MoneyError);
  });
});

describe('ledgerFactOf', () => {
  it('is NOT_POSTED until the posting completed, whatever its rows', () => {
    expect(ledgerFactOf({ completed: false, rowAmounts: [5_000], amount: 5_000 })).toEqual({ state: 'NOT_POSTED' });
  });

  it("sums the rows exactly and gives the magnitude (a refund's rows are negative)", () => {
    expect(ledgerFactOf({ completed: true, rowAmounts: [3_000, 2_000], amount: 9_999 })).toEqual({
      state: 'POSTED',
      amount: 5_000,
    });
    expect(ledgerFactOf({ completed: true, rowAmounts: [-1_250, -250], amount: -1_500 })).toEqual({
      state: 'POSTED',
      amount: 1_500,
    });
  });

  it('takes the amount posted by hand when a staff resolution wrote no rows', () => {
    expect(ledgerFactOf({ completed: true, rowAmounts: [], amount: -700 })).toEqual({ state: 'POSTED', amount: 700 });
  });

  it('refuses rows that are not cents, or a sum past the safe range, rather than rounding', () => {
    expect(() => ledgerFactOf({ completed: true, rowAmounts: [0.5], amount: 1 })).toThrow(MoneyError);
    expect(() => ledgerFactOf({ completed: true, rowAmounts: [Number.MAX_SAFE_INTEGER, 1], amount: 1 })).toThrow(MoneyError);
  });
});

describe('reconcileBooks', () => {
  it('nets refunds against collections per source, exactly, leaving unknowns out', () => {
    const report = reconcileBooks(
      [
        facts({ transactionId: 'LG:1', processor: paid(10_001), ledger: posted(10_001), accounting: booked(10_001) }),
        facts({
          transactionId: 'LG:2',
          ledger: { state: 'NOT_POSTED' },
          accounting: { state: 'NOT_BOOKED' },
          processor: paid(333),
        }),
        facts({
          transactionId: 'LG:3',
          kind: 'REFUND',
          processor: paid(2_500),
          ledger: posted(2_500),
          accounting: { state: 'NOT_BOOKED' },
        }),
        facts({
          transactionId: 'LG:4',
          kind: 'REFUND',
          processor: paid(1),
          ledger: { state: 'NOT_POSTED' },
          accounting: { state: 'NOT_BOOKED' },
        }),
        facts({
          transactionId: 'LG:5',
          processor: { state: 'UNAVAILABLE', id: 'pi_5' },
          ledger: posted(700),
          accounting: booked(650, { transactionId: 'LG:5' }),
        }),
      ],
      { currency: 'USD' },
    );
    expect(report.totals).toEqual({
      processor: 10_001 + 333 - 2_500 - 1,
      ledger: 10_001 - 2_500 + 700,
      accounting: 10_001 + 650,
    });
    expect(report.rows.map((r) => r.mismatches)).toEqual([
      [],
      ['PAID_NOT_POSTED'],
      ['POSTED_NOT_BOOKED'],
      ['REFUND_NOT_POSTED'],
      ['AMOUNT_DIFFERS'],
    ]);
    expect(report.mismatchCount).toBe(4);
    expect(report.complete).toBe(false);
  });

  it('an empty range: zero totals, no mismatch, complete', () => {
    expect(reconcileBooks([], { currency: 'USD' })).toEqual({
      rows: [],
      totals: { processor: 0, ledger: 0, accounting: 0 },
      mismatchCount: 0,
      complete: true,
    });
  });

  it('counts each kind of each row', () => {
    const report = reconcileBooks(
      [facts({ processor: { state: 'NOT_SUCCEEDED', id: 'pi_1' }, accounting: booked(6000) }), facts({ transactionId: 'LG:2' })],
      { currency: 'USD' },
    );
    expect(report.mismatchCount).toBe(2);
    expect(report.complete).toBe(true);
  });

  it('refuses a fact in another currency, and a total past the safe range', () => {
    expect(() => reconcileBooks([facts({ currency: 'EUR' })], { currency: 'USD' })).toThrow(/expected an amount in USD, got EUR/);
    const huge = Number.MAX_SAFE_INTEGER;
    expect(() =>
      reconcileBooks(
        [facts({ processor: paid(huge), ledger: posted(huge), accounting: booked(huge) }), facts({ transactionId: 'LG:2' })],
        {
          currency: 'USD',
        },
      ),
    ).toThrow(MoneyError);
  });

  it('the totals are the net of the rows whatever the mix (property)', () => {
    const amount = fc.integer({ min: 0, max: 10_000_000 });
    const row = fc.record({
      refund: fc.boolean(),
      processor: fc.option(amount),
      ledger: fc.option(amount),
      accounting: fc.option(amount),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 30 }), (specs) => {
        const report = reconcileBooks(
          specs.map((s, i) =>
            facts({
              transactionId: `LG:${i}`,
              kind: s.refund ? 'REFUND' : 'COLLECTION',
              processor: s.processor === null ? { state: 'NONE' } : paid(s.processor),
              ledger: s.ledger === null ? { state: 'NOT_POSTED' } : posted(s.ledger),
              accounting: s.accounting === null ? { state: 'NOT_BOOKED' } : booked(s.accounting, { transactionId: `LG:${i}` }),
            }),
          ),
          { currency: 'USD' },
        );
        const net = (pick: (s: (typeof specs)[number]) => number | null) =>
          specs.reduce((n, s) => n + (s.refund ? -1 : 1) * (pick(s) ?? 0), 0);
        expect(report.totals).toEqual({
          processor: net((s) => s.processor),
          ledger: net((s) => s.ledger),
          accounting: net((s) => s.accounting),
        });
        // A row without a mismatch has its known figures all equal.
        for (const r of report.rows) {
          const known = [r.processor, r.ledger, r.accounting].filter((c) => c !== null);
          if (r.mismatches.length === 0) expect(new Set(known).size).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});

describe('reconciliationWindow', () => {
  it('covers whole days in the practice time zone, both ends included, across a clock change', () => {
    const march = reconciliationWindow({ from: '2026-03-01', to: '2026-03-31', timeZone: 'America/New_York', maxDays: 366 });
    expect(march).toEqual({
      ok: true,
      days: 31,
      start: new Date('2026-03-01T05:00:00.000Z'),
      end: new Date('2026-04-01T04:00:00.000Z'),
    });
    const oneDay = reconciliationWindow({ from: '2026-07-04', to: '2026-07-04', timeZone: 'UTC', maxDays: 1 });
    expect(oneDay).toMatchObject({
      ok: true,
      days: 1,
      start: new Date('2026-07-04T00:00:00Z'),
      end: new Date('2026-07-05T00:00:00Z'),
    });
  });

  it('refuses from after to, too many days, and non-dates, naming the field', () => {
    const backwards = reconciliationWindow({ from: '2026-03-02', to: '2026-03-01', timeZone: 'UTC', maxDays: 366 });
    expect(backwards).toMatchObject({ ok: false, violation: { code: 'BAD_USER_INPUT', details: { field: 'to' } } });
    const long = reconciliationWindow({ from: '2025-01-01', to: '2026-01-02', timeZone: 'UTC', maxDays: 366 });
    expect(long).toMatchObject({ ok: false, violation: { message: expect.stringContaining('at most 366 days, got 367') } });
    // 2024 is a leap year: 366 days, and 367 is refused.
    expect(reconciliationWindow({ from: '2024-01-01', to: '2024-12-31', timeZone: 'UTC', maxDays: 366 })).toMatchObject({
      ok: true,
      days: 366,
    });
    expect(reconciliationWindow({ from: '2024-01-01', to: '2025-01-01', timeZone: 'UTC', maxDays: 366 })).toMatchObject({
      ok: false,
    });
    expect(reconciliationWindow({ from: '2026-02-30', to: '2026-03-01', timeZone: 'UTC', maxDays: 366 })).toMatchObject({
      ok: false,
      violation: { details: { field: 'from' } },
    });
    expect(reconciliationWindow({ from: '2026-3-1', to: '2026-03-01', timeZone: 'UTC', maxDays: 366 })).toMatchObject({
      ok: false,
    });
  });
});
