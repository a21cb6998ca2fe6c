import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildInvoice,
  buildItemizedInvoice,
  compareIds,
  compareInvoiceLines,
  invoiceKey,
  invoiceTotals,
  type InvoiceGroupBy,
  type InvoiceLine,
} from '../../../src/ledger/invoice';
import { MoneyError } from '../../../src/ledger/money';

const line = (chargeSourceId: string, fields: Partial<InvoiceLine> = {}): InvoiceLine => ({
  chargeSourceId,
  patientSourceId: '1',
  providerSourceId: null,
  serviceDate: null,
  patientAmount: 0,
  fee: 0,
  ...fields,
});

const lines: InvoiceLine[] = [
  line('10', { patientSourceId: '2', providerSourceId: 'dr-b', serviceDate: '2024-03-01', patientAmount: 1000, fee: 5000 }),
  line('9', { patientSourceId: '10', providerSourceId: 'dr-a', serviceDate: '2024-03-01', patientAmount: 2000, fee: 6000 }),
  line('11', { patientSourceId: '2', providerSourceId: null, serviceDate: null, patientAmount: 300, fee: 300 }),
  line('8', { patientSourceId: '2', providerSourceId: 'dr-a', serviceDate: '2024-01-15', patientAmount: -500, fee: 4000 }),
];

describe('buildInvoice', () => {
  it('groups by patient, numeric ids in numeric order, lines by date then charge id', () => {
    const groups = buildInvoice(lines, 'PATIENT');
    expect(groups.map((g) => g.key)).toEqual(['2', '10']);
    expect(groups[0]!.lines.map((l) => l.chargeSourceId)).toEqual(['8', '10', '11']);
    expect(groups[0]!.subtotal).toBe(800);
    expect(groups[0]!.feeSubtotal).toBe(9300);
    expect(groups[1]).toEqual({ key: '10', lines: [lines[1]], subtotal: 2000, feeSubtotal: 6000 });
  });

  it('groups by provider with the null provider last', () => {
    const groups = buildInvoice(lines, 'PROVIDER');
    expect(groups.map((g) => g.key)).toEqual(['dr-a', 'dr-b', null]);
    expect(groups[0]!.lines.map((l) => l.chargeSourceId)).toEqual(['8', '9']);
    expect(groups.map((g) => g.subtotal)).toEqual([1500, 1000, 300]);
  });

  it('groups by service date, undated last, charge ids numeric within a day', () => {
    const groups = buildInvoice(lines, 'SERVICE_DATE');
    expect(groups.map((g) => g.key)).toEqual(['2024-01-15', '2024-03-01', null]);
    expect(groups[1]!.lines.map((l) => l.chargeSourceId)).toEqual(['9', '10']);
  });

  it('returns no groups for no lines, and totals of 0', () => {
    expect(buildInvoice([], 'PATIENT')).toEqual([]);
    expect(invoiceTotals([])).toEqual({ total: 0, feeTotal: 0 });
  });

  it('does not modify its input', () => {
    const copy = lines.map((l) => ({ ...l }));
    buildInvoice(lines, 'SERVICE_DATE');
    expect(lines).toEqual(copy);
  });

  it('refuses an unknown grouping and non-cent amounts', () => {
    expect(() => buildInvoice(lines, 'CLINIC' as InvoiceGroupBy)).toThrow(/unknown invoice grouping "CLINIC"/);
    expect(() => buildInvoice([line('1', { patientAmount: 0.5 })], 'PATIENT')).toThrow(MoneyError);
  });
});

describe('buildItemizedInvoice / invoiceTotals', () => {
  it('adds the totals to the groups', () => {
    const invoice = buildItemizedInvoice(lines, 'PROVIDER');
    expect(invoice.groupBy).toBe('PROVIDER');
    expect(invoice.groups).toEqual(buildInvoice(lines, 'PROVIDER'));
    expect(invoice.total).toBe(2800);
    expect(invoice.feeTotal).toBe(15300);
  });

  it('group subtotals sum to the total, every line lands in exactly one group, in order (property)', () => {
    const id = fc.oneof(fc.stringMatching(/^[0-9]{1,4}$/), fc.stringMatching(/^[A-Za-z0-9-]{1,4}$/));
    const date = fc.option(
      fc
        .date({ min: new Date('2020-01-01'), max: new Date('2025-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10)),
      { nil: null },
    );
    const cents = fc.integer({ min: -1e10, max: 1e10 });
    const lineArb = fc.record({
      chargeSourceId: id,
      patientSourceId: id,
      providerSourceId: fc.option(id, { nil: null }),
      serviceDate: date,
      patientAmount: cents,
      fee: cents,
    });
    fc.assert(
      fc.property(
        fc.array(lineArb, { maxLength: 25 }),
        fc.constantFrom<InvoiceGroupBy>('PATIENT', 'PROVIDER', 'SERVICE_DATE'),
        (ls, groupBy) => {
          const invoice = buildItemizedInvoice(ls, groupBy);
          expect(invoice.total).toBe(ls.reduce((acc, l) => acc + l.patientAmount, 0));
          expect(invoice.feeTotal).toBe(ls.reduce((acc, l) => acc + l.fee, 0));
          expect(invoice.groups.reduce((acc, g) => acc + g.subtotal, 0)).toBe(invoice.total);
          expect(invoice.groups.reduce((acc, g) => acc + g.lines.length, 0)).toBe(ls.length);
          const keys = invoice.groups.map((g) => g.key);
          expect(new Set(keys).size).toBe(keys.length);
          for (let i = 1; i < keys.length; i++) {
            const a = keys[i - 1]!;
            const b = keys[i]!;
            expect(b === null || (a !== null && compareIds(a, b) < 0)).toBe(true);
          }
          for (const group of invoice.groups) {
            for (const l of group.lines) expect(invoiceKey(l, groupBy)).toBe(group.key);
            for (let i = 1; i < group.lines.length; i++) {
              expect(compareInvoiceLines(group.lines[i - 1]!, group.lines[i]!)).toBeLessThanOrEqual(0);
            }
          }
        },
      ),
    );
  });
});

describe('compareIds', () => {
  it('orders digit-only ids numerically and before any other id', () => {
    const ids = ['A7', '10', '9', 'b', '010', '1', 'B', '2024-01-02', '2024-01-10'];
    expect([...ids].sort(compareIds)).toEqual(['1', '9', '010', '10', '2024-01-02', '2024-01-10', 'A7', 'B', 'b']);
  });

  it('is a total order: antisymmetric and transitive (property)', () => {
    const id = fc.oneof(fc.stringMatching(/^[0-9]{1,3}$/), fc.string({ maxLength: 3 }));
    fc.assert(
      fc.property(id, id, id, (a, b, c) => {
        expect(Math.sign(compareIds(a, b))).toBe(-Math.sign(compareIds(b, a)) || 0);
        if (compareIds(a, b) === 0) expect(a).toBe(b);
        if (compareIds(a, b) <= 0 && compareIds(b, c) <= 0) expect(compareIds(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 2000 },
    );
  });
});
