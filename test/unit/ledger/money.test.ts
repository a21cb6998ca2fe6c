import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MoneyError,
  MoneyRangeError,
  absCents,
  assertCents,
  formatCents,
  isCents,
  negateCents,
  parseDecimal,
  parseWireAmount,
  subtractCents,
  sumCents,
  wireNumberOf,
} from '../../../src/ledger/money';

const MAX = Number.MAX_SAFE_INTEGER;
const safeInt = fc.maxSafeInteger();

describe('parseDecimal (strict client input)', () => {
  it.each([
    ['0', 0],
    ['12', 1200],
    ['12.5', 1250],
    ['12.50', 1250],
    ['-0.75', -75],
    ['0.01', 1],
    ['-138.50', -13850],
    ['125.00', 12500],
    ['90071992547409.91', MAX],
    ['-90071992547409.91', -MAX],
  ])('parses %j to %d cents', (text, cents) => {
    expect(parseDecimal(text)).toBe(cents);
  });

  it('folds "-0" and "-0.00" into 0 (never -0)', () => {
    expect(Object.is(parseDecimal('-0'), 0)).toBe(true);
    expect(Object.is(parseDecimal('-0.00'), 0)).toBe(true);
    expect(Object.is(parseDecimal('-0.0'), 0)).toBe(true);
  });

  it.each([
    '1e3',
    '1E3',
    '0.001',
    '1.005',
    'NaN',
    'Infinity',
    '  5',
    '5 ',
    '5\n',
    '+5',
    '٥',
    '５',
    '',
    '-',
    '1.',
    '.5',
    '-.5',
    '01',
    '00.5',
    '1,000.00',
    '1_000',
    '0x10',
    '--1',
    '12.3.4',
    '90071992547409.92',
    '-90071992547409.92',
    '99999999999999999999999',
  ])('rejects %j with a MoneyError', (text) => {
    expect(() => parseDecimal(text)).toThrow(MoneyError);
  });

  it('names what it expected in the error', () => {
    expect(() => parseDecimal('1e3')).toThrow(/at most 2 decimal places.*"1e3"/);
    expect(() => parseDecimal('90071992547409.92')).toThrow(/safe-integer range/);
  });

  it('rejects a non-string from untyped callers', () => {
    expect(() => parseDecimal(5 as unknown as string)).toThrow(MoneyError);
    expect(() => parseDecimal(null as unknown as string)).toThrow(MoneyError);
  });

  it('round-trips formatCents for every safe integer', () => {
    fc.assert(
      fc.property(safeInt, (cents) => parseDecimal(formatCents(cents)) === cents),
      { numRuns: 2000 },
    );
  });

  it('round-trips small amounts exhaustively around zero', () => {
    for (let cents = -1000; cents <= 1000; cents++) expect(parseDecimal(formatCents(cents))).toBe(cents);
  });
});

describe('parseWireAmount (tolerant vendor input, never rounds)', () => {
  it.each<[string | number, number]>([
    ['-978.7', -97870],
    ['254', 25400],
    [62, 6200],
    [-138.5, -13850],
    ['62.00', 6200],
    ['62.000', 6200],
    ['0.10', 10],
    ['+5', 500],
    ['  5.25 ', 525],
    ['007.5', 750],
    ['5.', 500],
    ['-0.00', 0],
    [0.07, 7],
    [0.1, 10],
    [1234567.89, 123456789],
    [0, 0],
    [-0, 0],
    ['90071992547409.91', MAX],
  ])('reads %j as %d cents', (value, cents) => {
    expect(Object.is(parseWireAmount(value), cents)).toBe(true);
  });

  it.each<[string | number]>([
    ['0.001'],
    ['1.005'],
    [1.005],
    [0.1 + 0.2],
    [1e21],
    [1e-7],
    [1e20],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [Number.NEGATIVE_INFINITY],
    ['1e3'],
    [''],
    ['   '],
    ['.5'],
    ['abc'],
    ['٥'],
    ['1,5'],
    ['- 5'],
    ['90071992547409.92'],
  ])('rejects %j with a MoneyError', (value) => {
    expect(() => parseWireAmount(value)).toThrow(MoneyError);
  });

  it('explains why it refused', () => {
    expect(() => parseWireAmount('1.005')).toThrow(/at most 2 decimal places/);
    expect(() => parseWireAmount(1e21)).toThrow(/plain decimal notation/);
    expect(() => parseWireAmount(Number.NaN)).toThrow(/finite/);
    expect(() => parseWireAmount('x')).toThrow(/expected a decimal amount/);
  });

  it('rejects a value that is neither a string nor a number', () => {
    expect(() => parseWireAmount(null as unknown as string)).toThrow(MoneyError);
    expect(() => parseWireAmount({} as unknown as string)).toThrow(MoneyError);
  });

  it('parseWireAmount(formatCents(x)) === x for every safe integer', () => {
    fc.assert(
      fc.property(safeInt, (cents) => parseWireAmount(formatCents(cents)) === cents),
      { numRuns: 2000 },
    );
  });

  it('reads any string as the definition does: the plain form read by hand, the rest by regex, one answer', () => {
    // The definition, as the regex alone reads it: cents through BigInt, or a refusal.
    const byDefinition = (text: string): number | 'refused' => {
      const match = /^([-+])?([0-9]+)(?:\.([0-9]*))?$/.exec(text.trim());
      if (!match) return 'refused';
      const frac = (match[3] ?? '').replace(/0+$/, '');
      if (frac.length > 2) return 'refused';
      const cents = BigInt(match[2]!) * 100n + BigInt(frac.padEnd(2, '0'));
      if (cents > BigInt(Number.MAX_SAFE_INTEGER)) return 'refused';
      return match[1] === '-' && cents !== 0n ? -Number(cents) : Number(cents);
    };
    const read = (text: string): number | 'refused' => {
      try {
        return parseWireAmount(text);
      } catch (error) {
        if (error instanceof MoneyError) return 'refused';
        throw error;
      }
    };
    const amountish = fc.oneof(
      fc.stringMatching(/^[-+]?[0-9]{1,16}(\.[0-9]{0,4})?$/), // mostly well formed, some too long or too precise
      fc.string({ unit: fc.constantFrom(...'0123456789.-+ '), maxLength: 20 }),
    );
    fc.assert(
      fc.property(amountish, (text) => Object.is(read(text), byDefinition(text))),
      { numRuns: 20_000 },
    );
  });

  it('reads a JSON number through its decimal text, exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (cents) => {
        const json = JSON.parse(formatCents(cents)) as number;
        return parseWireAmount(json) === cents;
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatCents', () => {
  it.each([
    [0, '0.00'],
    [-0, '0.00'],
    [1, '0.01'],
    [-1, '-0.01'],
    [10, '0.10'],
    [99, '0.99'],
    [100, '1.00'],
    [-13850, '-138.50'],
    [12500, '125.00'],
    [MAX, '90071992547409.91'],
    [-MAX, '-90071992547409.91'],
    [MAX - 1, '90071992547409.90'],
  ])('formats %d as %j', (cents, text) => {
    expect(formatCents(cents)).toBe(text);
  });

  it.each([0.5, Number.NaN, Number.POSITIVE_INFINITY, MAX + 1, -(MAX + 1), 1e300])('rejects %d', (value) => {
    expect(() => formatCents(value)).toThrow(MoneyError);
  });

  it('always has exactly two decimals and no exponent', () => {
    fc.assert(fc.property(safeInt, (cents) => /^-?(0|[1-9][0-9]*)\.[0-9]{2}$/.test(formatCents(cents))));
  });

  it('keeps the whole part exact next to the safe-integer limit', () => {
    for (let cents = MAX - 300; cents <= MAX; cents++) {
      const text = formatCents(cents);
      expect(BigInt(text.replace('.', ''))).toBe(BigInt(cents));
    }
  });
});

describe('sumCents, subtractCents, negateCents', () => {
  it('sums exactly', () => {
    expect(sumCents([])).toBe(0);
    expect(sumCents([1, 2, 3])).toBe(6);
    expect(sumCents(new Set([10, -20]))).toBe(-10);
    expect(sumCents([MAX, -MAX, MAX])).toBe(MAX);
    expect(Object.is(sumCents([-0]), 0)).toBe(true);
  });

  it('refuses a sum past the safe range, and non-integer addends', () => {
    expect(() => sumCents([MAX, 1])).toThrow(MoneyError);
    expect(() => sumCents([-MAX, -1])).toThrow(/a sum/);
    expect(() => sumCents([0.5])).toThrow(/an addend/);
    expect(() => sumCents([Number.NaN])).toThrow(MoneyError);
    expect(() => sumCents(['1' as unknown as number])).toThrow(MoneyError);
  });

  it('never produces a non-integer: the result equals the BigInt sum or it throws', () => {
    fc.assert(
      fc.property(fc.array(safeInt, { maxLength: 8 }), (values) => {
        const exact = values.reduce((acc, v) => acc + BigInt(v), 0n);
        // Partial sums may overflow even when the total would not: sumCents refuses rather than round.
        let partialOk = true;
        let acc = 0n;
        for (const v of values) {
          acc += BigInt(v);
          if (acc > BigInt(MAX) || acc < -BigInt(MAX)) partialOk = false;
        }
        if (partialOk) {
          const sum = sumCents(values);
          return Number.isSafeInteger(sum) && BigInt(sum) === exact;
        }
        expect(() => sumCents(values)).toThrow(MoneyError);
        return true;
      }),
      { numRuns: 1000 },
    );
  });

  it('subtracts and negates exactly', () => {
    expect(subtractCents(10, 25)).toBe(-15);
    expect(Object.is(subtractCents(5, 5), 0)).toBe(true);
    expect(() => subtractCents(-MAX, 1)).toThrow(/a difference/);
    expect(() => subtractCents(0.1, 0)).toThrow(/a minuend/);
    expect(() => subtractCents(0, 0.1)).toThrow(/a subtrahend/);
    expect(negateCents(12500)).toBe(-12500);
    expect(negateCents(-1)).toBe(1);
    expect(Object.is(negateCents(0), 0)).toBe(true);
    expect(() => negateCents(1.5)).toThrow(MoneyError);
    fc.assert(
      fc.property(safeInt, safeInt, (a, b) => {
        const exact = BigInt(a) - BigInt(b);
        if (exact > BigInt(MAX) || exact < -BigInt(MAX)) return true;
        return subtractCents(a, b) === Number(exact);
      }),
    );
  });
});

describe('isCents / assertCents', () => {
  it('accepts safe integers only', () => {
    expect(isCents(0)).toBe(true);
    expect(isCents(-MAX)).toBe(true);
    expect(isCents(MAX + 1)).toBe(false);
    expect(isCents(1.5)).toBe(false);
    expect(isCents(Number.NaN)).toBe(false);
    expect(isCents('5')).toBe(false);
    expect(isCents(null)).toBe(false);
  });

  it('returns the value (folding -0) or throws a MoneyError naming it', () => {
    expect(assertCents(42)).toBe(42);
    expect(Object.is(assertCents(-0), 0)).toBe(true);
    expect(() => assertCents(0.5, 'a fee')).toThrow(/expected a fee .* got 0.5/);
    expect(() => assertCents(undefined)).toThrow(/an amount/);
  });

  it('MoneyError is a named Error', () => {
    const error = new MoneyError('x');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('MoneyError');
  });
});

describe('absCents', () => {
  it.each([
    [0, 0],
    [-0, 0],
    [-13850, 13850],
    [13850, 13850],
    [-MAX, MAX],
  ])('|%d| is %d', (cents, abs) => {
    expect(Object.is(absCents(cents), abs)).toBe(true);
  });

  it.each([0.5, Number.NaN, MAX + 1])('rejects %d', (value) => {
    expect(() => absCents(value)).toThrow(MoneyError);
  });
});

describe('wireNumberOf (cents as a JSON number of dollars)', () => {
  it.each([
    [0, 0],
    [-0, 0],
    [1, 0.01],
    [12550, 125.5],
    [-13850, -138.5],
    [10, 0.1],
    [29, 0.29],
  ])('%d cents is %d', (cents, dollars) => {
    expect(Object.is(wireNumberOf(cents), dollars)).toBe(true);
  });

  it('reads back as the same cents for every amount up to a trillion dollars', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -100_000_000_000_000, max: 100_000_000_000_000 }),
        (cents) => parseWireAmount(wireNumberOf(cents)) === cents,
      ),
    );
  });

  it('refuses an amount a double cannot carry exactly rather than sending another figure', () => {
    expect(() => wireNumberOf(MAX)).toThrow(MoneyRangeError);
  });

  it.each([0.5, Number.NaN])('rejects %d', (value) => {
    expect(() => wireNumberOf(value)).toThrow(MoneyError);
  });
});
