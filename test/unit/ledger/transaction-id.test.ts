import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_TRANSACTION_ID_LENGTH,
  TRANSACTION_ID_PREFIX,
  TransactionIdError,
  assertTransactionIdPrefix,
  formatTransactionId,
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
    expect(() => assertTransactionIdPrefix(prefix)).toThrow(TransactionIdError);
    expect(TRANSACTION_ID_PREFIX.test(prefix)).toBe(false);
  });

  it.each([-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1, Number.POSITIVE_INFINITY])('refuses the sequence %d', (seq) => {
    expect(() => formatTransactionId('LG', seq)).toThrow(/non-negative safe integer/);
  });

  it('assertTransactionIdPrefix accepts the configured form, refuses non-strings, and says what it expected', () => {
    expect(assertTransactionIdPrefix('LG')).toBe('LG');
    expect(assertTransactionIdPrefix('P'.repeat(20))).toBe('P'.repeat(20));
    expect(() => assertTransactionIdPrefix(5)).toThrow(TransactionIdError);
    expect(() => assertTransactionIdPrefix('L G')).toThrow(
      'transaction id prefix: expected 1–20 letters, digits, "_" or "-", got "L G"',
    );
  });

  it('TransactionIdError is a named Error', () => {
    expect(new TransactionIdError('x').name).toBe('TransactionIdError');
  });

  it('every valid prefix and sequence make an id of at most 50 characters (property)', () => {
    const prefix = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);
    fc.assert(
      fc.property(prefix, fc.nat({ max: Number.MAX_SAFE_INTEGER }), (p, seq) => {
        const id = formatTransactionId(p, seq);
        expect(id.length).toBeLessThanOrEqual(MAX_TRANSACTION_ID_LENGTH);
        expect(id).toBe(`${p}:${seq}`);
      }),
    );
  });
});
