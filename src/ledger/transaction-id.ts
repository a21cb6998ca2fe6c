/**
 * Gateway transaction ids: `<prefix>:<sequence>`, e.g. `LG:1042`. The id is what the upstream
 * systems match a write's ledger rows back by, and they accept at most 50 characters. This file is
 * the ONE rule for the prefix: the configuration (`src/config.ts`), the transaction service and the
 * store all use it.
 *
 *     formatTransactionId('LG', 1042)     // 'LG:1042'
 *     assertTransactionIdPrefix('L G')   // TransactionIdError: expected 1–20 letters, digits, "_" or "-", got "L G"
 */

/** The longest transaction id an upstream accepts. */
export const MAX_TRANSACTION_ID_LENGTH = 50;

/**
 * A configurable prefix: 1–20 ASCII letters, digits, `_` or `-`. With `:` and a sequence of at most
 * 16 digits (2^53) an id is at most 37 characters, well within {@link MAX_TRANSACTION_ID_LENGTH}.
 */
export const TRANSACTION_ID_PREFIX = /^[A-Za-z0-9_-]{1,20}$/;

/** What {@link TRANSACTION_ID_PREFIX} expects, in words (configuration errors use it). */
export const TRANSACTION_ID_PREFIX_RULE = 'expected 1–20 letters, digits, "_" or "-"';

/** A prefix or sequence that cannot make a valid transaction id. */
export class TransactionIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransactionIdError';
  }
}

/** `prefix` itself when it matches {@link TRANSACTION_ID_PREFIX}; a TransactionIdError naming it otherwise. */
export function assertTransactionIdPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || !TRANSACTION_ID_PREFIX.test(prefix)) {
    throw new TransactionIdError(`transaction id prefix: ${TRANSACTION_ID_PREFIX_RULE}, got ${JSON.stringify(prefix)}`);
  }
  return prefix;
}

/**
 * `prefix:sequence`. A TransactionIdError when the prefix breaks {@link TRANSACTION_ID_PREFIX}, the
 * sequence is not a non-negative safe integer, or the id would exceed
 * {@link MAX_TRANSACTION_ID_LENGTH} characters (it cannot today; checked as the upstream's hard limit).
 */
export function formatTransactionId(prefix: string, sequence: number): string {
  assertTransactionIdPrefix(prefix);
  if (!Number.isSafeInteger(sequence) || sequence < 0) {
    throw new TransactionIdError(`expected a non-negative safe integer sequence, got ${String(sequence)}`);
  }
  const id = `${prefix}:${sequence}`;
  if (id.length > MAX_TRANSACTION_ID_LENGTH) {
    throw new TransactionIdError(
      `expected a transaction id of at most ${MAX_TRANSACTION_ID_LENGTH} characters, got ${id.length}`,
    );
  }
  return id;
}
