/**
 * Sums that never throw a bare error. Every sum in this folder is exact and throws a MoneyError past
 * the safe-integer range of cents (±90,071,992,547,409.91), which no real ledger reaches but a
 * misbehaving upstream (or a row written before `limits.maxAmount` existed) can. A read computing a
 * balance, an aging or a reconciliation wraps its sum here, so such a ledger answers with a stable
 * code on that field (AMOUNT_OUT_OF_RANGE) instead of INTERNAL_SERVER_ERROR.
 *
 *     exactOrOutOfRange('the balance of patient 1016', () => patientBalanceOfRecords(rows, stages));
 *     // the balance, or throws AmountOutOfRange: "the balance of patient 1016 cannot be computed exactly: …"
 */
import { DomainError } from '../errors';
import { MoneyError } from './money';

/** A figure the ledger cannot compute exactly; `code` AMOUNT_OUT_OF_RANGE for the client. */
export class AmountOutOfRange extends DomainError {
  readonly code = 'AMOUNT_OUT_OF_RANGE' as const;
}

/**
 * `error` as an {@link AmountOutOfRange} naming `what` when it is a MoneyError (a sum or an amount
 * past the safe-integer range); any other error as it is: those are bugs, not ledger data. The
 * message names no amount: the figures involved are the patient's.
 */
export function asOutOfRange(what: string, error: unknown): unknown {
  if (!(error instanceof MoneyError)) return error;
  return new AmountOutOfRange(
    `${what} cannot be computed exactly: the ledger's amounts add up past ±90071992547409.91, the most the gateway represents; check the ledger for an entry posted in error`,
  );
}

/** `compute()`, with a MoneyError thrown as an {@link AmountOutOfRange} naming `what`. */
export function exactOrOutOfRange<T>(what: string, compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    throw asOutOfRange(what, error);
  }
}
