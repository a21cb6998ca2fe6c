import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PaymentRecord } from '../../../../src/adapters/ledger/port';
import { AgingSummary } from '../../../../src/ledger/reports/aging-summary';
import { Collections, dayOf } from '../../../../src/ledger/reports/collections';
import { paymentsPage } from '../../../../src/ledger/reports/payments-page';
import { type ReceivableInput, receivablesPage } from '../../../../src/ledger/reports/receivables';
import { ReportInputError, parseAmountFilter, parsePeriod } from '../../../../src/ledger/reports/report-input';
import { buckets, guarantorRecord } from '../fixtures';

function entry(id: string, b: [number, number, number, number], lastName = `L${id}`, firstName = 'F'): ReceivableInput {
  return {
    record: guarantorRecord({ guarantorSourceId: id, sourceId: `gb-${id}`, buckets: buckets(...b) }),
    firstName,
    lastName,
  };
}

function payment(id: string, amount: number, paidAt: string, paymentTypeSourceId: string | null = '501'): PaymentRecord {
  return {
    sourceId: id,
    patientSourceId: '1',
    providerSourceId: null,
    chargeSourceId: null,
    claimSourceId: null,
    paymentTypeSourceId,
    amount,
    paidAt,
    transactionId: null,
    fromInsurance: false,
  };
}

describe('AgingSummary', () => {
  it('sums every bucket, portion and estimate exactly, page by page; total is the sum of the buckets', () => {
    const sum = new AgingSummary({ writeOffEstimates: true });
    sum.add([
      guarantorRecord({ buckets: buckets(1, 2, 3, 4), guarantorPortion: 7, insuranceEstimate: 3, writeOffEstimate: 1 }),
      guarantorRecord({ buckets: buckets(10, 20, 30, 40), guarantorPortion: 70, insuranceEstimate: 30, writeOffEstimate: 2 }),
    ]);
    sum.add([
      guarantorRecord({ buckets: buckets(100, 0, 0, -5), guarantorPortion: 95, insuranceEstimate: 0, writeOffEstimate: 0 }),
    ]);
    expect(sum.records).toBe(3);
    expect(sum.result()).toEqual({
      buckets: buckets(111, 22, 33, 39),
      total: 205,
      guarantorPortion: 172,
      insuranceEstimate: 33,
      writeOffEstimate: 3,
    });
  });

  it('keeps the write-off estimate null where the system has none', () => {
    const sum = new AgingSummary({ writeOffEstimates: false });
    sum.add([guarantorRecord({ buckets: buckets(5, 0, 0, 0), writeOffEstimate: null })]);
    expect(sum.result().writeOffEstimate).toBeNull();
    expect(new AgingSummary({ writeOffEstimates: true }).result()).toMatchObject({ total: 0, writeOffEstimate: 0 });
  });
});

describe('receivablesPage', () => {
  const all = [
    entry('1', [5_000, 0, 0, 0], 'Young'),
    entry('2', [0, 0, 0, 20_000], 'adams'),
    entry('3', [10_000, 0, 5_000, 0], 'Baker'),
    entry('10', [0, 0, 0, 20_000], 'Clark'),
    entry('4', [9_999, 0, 0, 0], 'Diaz'),
  ];
  const noFilter = { minBalance: null, maxBalance: null, olderThan: null };

  it('filters by minBalance, maxBalance and olderThan (that bucket or older)', () => {
    const ids = (filter: Parameters<typeof receivablesPage>[1]['filter']) =>
      receivablesPage(all, { filter, order: { field: 'TOTAL', direction: 'DESC' }, first: 50, after: null }).items.map(
        (i) => i.record.guarantorSourceId,
      );
    expect(ids({ ...noFilter, minBalance: 10_000 })).toEqual(['10', '2', '3']);
    expect(ids({ ...noFilter, maxBalance: 9_999 })).toEqual(['4', '1']);
    expect(ids({ ...noFilter, olderThan: 'DAYS_61_TO_90' })).toEqual(['10', '2', '3']);
    expect(ids({ ...noFilter, olderThan: 'OVER_90' })).toEqual(['10', '2']);
    expect(() => ids({ ...noFilter, minBalance: 2, maxBalance: 1 })).toThrow(ReportInputError);
  });

  it('orders by TOTAL, OVER_90 and NAME both ways, ties by numeric id in the same direction', () => {
    const order = (field: 'TOTAL' | 'OVER_90' | 'NAME', direction: 'ASC' | 'DESC') =>
      receivablesPage(all, { filter: noFilter, order: { field, direction }, first: 50, after: null }).items.map(
        (i) => i.record.guarantorSourceId,
      );
    expect(order('TOTAL', 'ASC')).toEqual(['1', '4', '3', '2', '10']);
    expect(order('TOTAL', 'DESC')).toEqual(['10', '2', '3', '4', '1']);
    expect(order('OVER_90', 'DESC')).toEqual(['10', '2', '4', '3', '1']);
    expect(order('NAME', 'ASC')).toEqual(['2', '3', '10', '4', '1']);
  });

  it('walks every entry exactly once across pages, whatever the page size and order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3 })), { maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom('TOTAL', 'OVER_90', 'NAME'),
        fc.constantFrom('ASC', 'DESC'),
        (rows, first, field, direction) => {
          const entries = rows.map(([cents, over], i) => entry(String(i + 1), [cents, 0, 0, over * 100], `n${cents % 5}`));
          const seen: string[] = [];
          let after: string | null = null;
          for (let guard = 0; guard < 100; guard++) {
            const page = receivablesPage(entries, { filter: noFilter, order: { field, direction }, first, after });
            expect(page.totalCount).toBe(entries.length);
            seen.push(...page.items.map((i) => i.record.guarantorSourceId));
            if (!page.hasNextPage) break;
            after = page.endCursor;
          }
          expect([...seen].sort()).toEqual(entries.map((e) => e.record.guarantorSourceId).sort());
        },
      ),
    );
  });

  it('keeps its place when the data changes between pages, and refuses a cursor of another order', () => {
    const first = receivablesPage(all, { filter: noFilter, order: { field: 'TOTAL', direction: 'DESC' }, first: 2, after: null });
    expect(first.items.map((i) => i.record.guarantorSourceId)).toEqual(['10', '2']);
    // A new guarantor owing more than the cursor's key sorts before it: not on the next page.
    const changed = [...all, entry('99', [50_000, 0, 0, 0])];
    const next = receivablesPage(changed, {
      filter: noFilter,
      order: { field: 'TOTAL', direction: 'DESC' },
      first: 2,
      after: first.endCursor,
    });
    expect(next.items.map((i) => i.record.guarantorSourceId)).toEqual(['3', '4']);
    expect(() =>
      receivablesPage(all, { filter: noFilter, order: { field: 'NAME', direction: 'DESC' }, first: 2, after: first.endCursor }),
    ).toThrow(/ordered by NAME DESC, got a cursor of TOTAL DESC/);
    expect(() =>
      receivablesPage(all, { filter: noFilter, order: { field: 'TOTAL', direction: 'DESC' }, first: 2, after: 'bogus' }),
    ).toThrow(ReportInputError);
  });
});

describe('collections and payments', () => {
  const rows = [
    payment('1', -10_000, '2025-06-01T14:00:00Z', '501'),
    payment('2', -2_550, '2025-06-01T03:00:00Z', '503'), // May 31 in New York
    payment('3', 1_000, '2025-06-15T12:00:00Z', '501'), // a refund
    payment('4', -999, '2025-07-01T12:00:00Z', '501'),
    payment('5', -1, '2025-06-30T23:59:59-04:00', null),
  ];
  const period = parsePeriod('2025-06-01', '2025-06-30');

  it('groups by day in the practice time zone, by payment type and by processor; totals are collected cents', () => {
    const run = (groupBy: 'DAY' | 'PAYMENT_TYPE' | 'PROCESSOR') => {
      const c = new Collections({
        period,
        groupBy,
        timeZone: 'America/New_York',
        processorOf: (p) => (p.paymentTypeSourceId === '503' ? 'STRIPE' : null),
      });
      c.add(rows.slice(0, 2));
      c.add(rows.slice(2));
      return c.result();
    };
    expect(run('DAY')).toEqual([
      { key: '2025-06-01', total: 10_000, count: 1 },
      { key: '2025-06-15', total: -1_000, count: 1 },
      { key: '2025-06-30', total: 1, count: 1 },
    ]);
    expect(run('PAYMENT_TYPE')).toEqual([
      { key: '501', total: 9_000, count: 2 },
      { key: 'NONE', total: 1, count: 1 },
    ]);
    expect(dayOf('2025-06-01T03:00:00Z', 'UTC')).toBe('2025-06-01');
    expect(run('PROCESSOR')).toEqual([{ key: 'NONE', total: 9_001, count: 3 }]);
  });

  it('pages payments oldest first with a stable cursor', () => {
    const p1 = paymentsPage(rows, { period, timeZone: 'UTC', first: 2, after: null });
    expect(p1.items.map((r) => r.sourceId)).toEqual(['2', '1']);
    // Payment 5 is June 30 in New York but July 1 in UTC.
    expect(p1.totalCount).toBe(3);
    const p2 = paymentsPage(rows, { period, timeZone: 'UTC', first: 2, after: p1.endCursor });
    expect(p2.items.map((r) => r.sourceId)).toEqual(['3']);
    expect(paymentsPage(rows, { period, timeZone: 'America/New_York', first: 9, after: null }).totalCount).toBe(3);
    expect(p2.hasNextPage).toBe(false);
  });

  it('checks dates and amounts before anything is read', () => {
    expect(() => parsePeriod('2025-06-31', '2025-07-01')).toThrow(/expected from to be a date YYYY-MM-DD, got "2025-06-31"/);
    expect(() => parsePeriod('2025-07-01', '2025-06-01')).toThrow(/on or after from/);
    expect(parseAmountFilter('minBalance', '100.00')).toBe(10_000);
    expect(parseAmountFilter('minBalance', null)).toBeNull();
    expect(() => parseAmountFilter('minBalance', '1e3')).toThrow(/expected minBalance to be a decimal amount/);
    expect(() => parseAmountFilter('maxBalance', '-5.00')).toThrow(/expected maxBalance to be a non-negative amount.*"-5.00"/);
    expect(parseAmountFilter('minBalance', '0.00')).toBe(0);
  });
});
