/**
 * Gateway transaction ids: `<prefix>:<sequence>`, e.g. `LG:1042` (DESIGN.md §2). Upstream systems
 * accept at most 50 characters and match the ledger rows a write produced back by this id.
 *
 *     formatTransactionId('LG', 1042)         // 'LG:1042'
 *     parseTransactionId('LG:1042')           // { prefix: 'LG', sequence: 1042 }
 *     parseTransactionId('LG:1042', 'OTHER')  // null
 */

/** The longest transaction id an upstream accepts. */
export const MAX_TRANSACTION_ID_LENGTH = 50;

/** A configured prefix: 1–20 ASCII letters, digits, `_` or `-`. */
export const TRANSACTION_ID_PREFIX = /^[A-Za-z0-9_-]{1,20}$/;

const TRANSACTION_ID = /^([A-Za-z0-9_-]{1,20}):(0|[1-9][0-9]*)$/;

/** A prefix or sequence that cannot make a valid transaction id. */
export class TransactionIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransactionIdError';
  }
}

/** The parts of a gateway transaction id. */
export interface TransactionIdParts {
  prefix: string;
  sequence: number;
}

/** True when `prefix` may be configured as the transaction id prefix. */
export function isValidTransactionIdPrefix(prefix: string): boolean {
  return typeof prefix === 'string' && TRANSACTION_ID_PREFIX.test(prefix);
}

/**
 * `prefix:sequence`. A TransactionIdError when the prefix does not match
 * {@link TRANSACTION_ID_PREFIX}, the sequence is not a non-negative safe integer, or the id would
 * exceed {@link MAX_TRANSACTION_ID_LENGTH} characters.
 */
export function formatTransactionId(prefix: string, sequence: number): string {
  if (!isValidTransactionIdPrefix(prefix)) {
    throw new TransactionIdError(
      `expected a transaction id prefix of 1 to 20 letters, digits, "_" or "-", got ${JSON.stringify(prefix)}`,
    );
  }
  if (!Number.isSafeInteger(sequence) || sequence < 0) {
    throw new TransactionIdError(`expected a non-negative safe integer sequence, got ${String(sequence)}`);
  }
  // 20 + 1 + 16 characters at most today; checked anyway, as the upstream's hard limit.
  return assertTransactionIdLength(`${prefix}:${sequence}`);
}

/**
 * `id` itself when it is 1 to {@link MAX_TRANSACTION_ID_LENGTH} characters long, a
 * TransactionIdError otherwise. For any transaction id sent upstream, the gateway's or a client's.
 */
export function assertTransactionIdLength(id: string): string {
  if (id.length === 0 || id.length > MAX_TRANSACTION_ID_LENGTH) {
    throw new TransactionIdError(
      `expected a transaction id of 1 to ${MAX_TRANSACTION_ID_LENGTH} characters, got ${id.length}`,
    );
  }
  return id;
}

/**
 * The parts of a gateway transaction id, or `null` for anything else (an id another originator
 * made, a malformed one, or, when `expectedPrefix` is given, one with another prefix).
 */
export function parseTransactionId(id: string, expectedPrefix?: string): TransactionIdParts | null {
  if (typeof id !== 'string') return null;
  const match = TRANSACTION_ID.exec(id);
  if (!match) return null;
  const prefix = match[1]!;
  const sequence = Number(match[2]!);
  if (!Number.isSafeInteger(sequence)) return null;
  if (expectedPrefix !== undefined && prefix !== expectedPrefix) return null;
  return { prefix, sequence };
}
