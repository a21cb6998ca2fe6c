import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_TRANSACTION_ID_LENGTH,
  TransactionIdError,
  assertTransactionIdLength,
  formatTransactionId,
  isValidTransactionIdPrefix,
  parseTransactionId,
} from '../../../src/ledger/transaction-id';

describe('formatTransactionId', () => {
  it('joins prefix and sequence with a colon', () => {
    expect(formatTransactionId('LG', 1042)).toBe('LG:1042');
    expect(formatTransactionId('a_b-C9', 0)).toBe('a_b-C9:0');
  });

  it('stays within 50 characters at the extremes', () => {
    const id = formatTransactionId('P'.repeat(20), Number.MAX_SAFE_INTEGER);
    expect(id).toBe(`${'P'.repeat(20)}:9007199254740991`);
    expect(id.length).toBeLessThanOrEqual(MAX_TRANSACTION_ID_LENGTH);
  });

  it.each(['', 'P'.repeat(21), 'L G', 'LG:', 'LG.', 'ŁG', 'LG\n'])('refuses the prefix %j', (prefix) => {
    expect(() => formatTransactionId(prefix, 1)).toThrow(TransactionIdError);
    expect(isValidTransactionIdPrefix(prefix)).toBe(false);
  });

  it.each([-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1, Number.POSITIVE_INFINITY])('refuses the sequence %d', (seq) => {
    expect(() => formatTransactionId('LG', seq)).toThrow(/non-negative safe integer/);
  });

  it('isValidTransactionIdPrefix accepts the configured form and refuses non-strings', () => {
    expect(isValidTransactionIdPrefix('LG')).toBe(true);
    expect(isValidTransactionIdPrefix('P'.repeat(20))).toBe(true);
    expect(isValidTransactionIdPrefix(5 as unknown as string)).toBe(false);
  });

  it('TransactionIdError is a named Error', () => {
    expect(new TransactionIdError('x').name).toBe('TransactionIdError');
  });
});

describe('assertTransactionIdLength', () => {
  it('passes 1 to 50 characters, refuses empty and longer', () => {
    expect(assertTransactionIdLength('x')).toBe('x');
    expect(assertTransactionIdLength('x'.repeat(50))).toBe('x'.repeat(50));
    expect(() => assertTransactionIdLength('x'.repeat(51))).toThrow(/1 to 50 characters, got 51/);
    expect(() => assertTransactionIdLength('')).toThrow(TransactionIdError);
  });
});

describe('parseTransactionId', () => {
  it('parses a gateway id', () => {
    expect(parseTransactionId('LG:1042')).toEqual({ prefix: 'LG', sequence: 1042 });
    expect(parseTransactionId('LG:0')).toEqual({ prefix: 'LG', sequence: 0 });
  });

  it('checks the expected prefix when given', () => {
    expect(parseTransactionId('LG:1042', 'LG')).toEqual({ prefix: 'LG', sequence: 1042 });
    expect(parseTransactionId('LG:1042', 'lg')).toBeNull();
    expect(parseTransactionId('XX:1042', 'LG')).toBeNull();
  });

  it.each(['', 'LG', 'LG:', ':1', 'LG:01', 'LG:-1', 'LG:1.5', 'LG:1e3', 'LG:1 ', 'LG::1', 'A:B:1', `${'P'.repeat(21)}:1`, 'LG:99999999999999999999'])(
    'returns null for %j',
    (id) => {
      expect(parseTransactionId(id)).toBeNull();
    },
  );

  it('returns null for a non-string', () => {
    expect(parseTransactionId(undefined as unknown as string)).toBeNull();
  });

  it('round-trips formatTransactionId (property)', () => {
    const prefix = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);
    fc.assert(
      fc.property(prefix, fc.nat({ max: Number.MAX_SAFE_INTEGER }), (p, seq) => {
        const id = formatTransactionId(p, seq);
        expect(id.length).toBeLessThanOrEqual(MAX_TRANSACTION_ID_LENGTH);
        expect(parseTransactionId(id, p)).toEqual({ prefix: p, sequence: seq });
      }),
    );
  });
});
