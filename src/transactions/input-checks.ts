/**
 * The checks the service makes of what its callers hand it. The GraphQL layer has checked the same
 * input more strictly already; these guard the store against any other caller (tests, scripts, a
 * future route), with a TransactionInputError that names the field and what it expected.
 *
 *     requireText(input.practiceId, 'practiceId');            // the text, or BAD_USER_INPUT
 *     requireCents(write.amount, 'write.amount');             // a safe integer, or BAD_USER_INPUT
 */
import type { Cents } from '../adapters/ledger/port';
import { TransactionInputError } from './errors';

/** `value` when it is a non-empty string of at most `max` characters. */
export function requireText(value: unknown, name: string, max = 255): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new TransactionInputError(`${name} must be a non-empty string of at most ${max} characters`);
  }
  return value;
}

/** `value` when it is integer cents within the safe-integer range. */
export function requireCents(value: unknown, name: string): Cents {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TransactionInputError(`${name} must be integer cents within the safe-integer range`);
  }
  return value;
}

/** The three fields every request carries, checked. */
export function requireRequestKeys(input: { practiceId: unknown; idempotencyKey: unknown; fingerprint: unknown }) {
  return {
    practiceId: requireText(input.practiceId, 'practiceId'),
    idempotencyKey: requireText(input.idempotencyKey, 'idempotencyKey'),
    fingerprint: requireText(input.fingerprint, 'fingerprint', 100_000),
  };
}
