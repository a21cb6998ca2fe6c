/**
 * Errors the transaction layer throws to its callers. The two a client may see are `DomainError`s
 * (`src/errors.ts`): their `code` becomes `extensions.code` through `toGraphQLError`.
 *
 *     try {
 *       await service.createLedgerTransaction(input);
 *     } catch (error) {
 *       throw toGraphQLError(error); // IdempotencyConflict → IDEMPOTENCY_CONFLICT
 *     }
 */
import { DomainError } from '../errors';

/** The idempotency key was already used with a different input (a different fingerprint). */
export class IdempotencyConflict extends DomainError {
  readonly code = 'IDEMPOTENCY_CONFLICT' as const;

  constructor(
    readonly practiceId: string,
    readonly idempotencyKey: string,
    /** The transaction the key is bound to. */
    readonly existingTransactionId: string,
  ) {
    // The key is not quoted: it may be anything the client had at hand (even a card number), and
    // messages reach logs.
    super(
      `this idempotency key was already used with a different input (transaction ${existingTransactionId}); ` +
        'use a new key for a new transaction',
    );
    this.name = 'IdempotencyConflict';
  }
}

/**
 * A refund that, with the patient's refunds still on their way to the ledger (PENDING, SUBMITTED),
 * would give back more than her ledger says she paid. Nothing is stored.
 */
export class RefundExceedsRefundable extends DomainError {
  readonly code = 'AMOUNT_OUT_OF_RANGE' as const;

  constructor(amount: string, refundable: string, inFlight: string) {
    super(
      `input.amount: a refund of ${amount} would exceed what may still be refunded: ${refundable} by the ledger, ` +
        `of which ${inFlight} is already in refunds not yet in the ledger; wait for those to complete or refund less`,
    );
    this.name = 'RefundExceedsRefundable';
  }
}

/** The request cannot be stored as asked (bad argument, practice without ledger writes, …). */
export class TransactionInputError extends DomainError {
  readonly code = 'BAD_USER_INPUT' as const;

  constructor(message: string) {
    super(message);
    this.name = 'TransactionInputError';
  }
}

/**
 * A value read from the store is not what the schema promises (e.g. an amount past 2^53). Not a
 * `DomainError` on purpose: no client input causes it, so it reaches clients as an internal error.
 */
export class StoreIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreIntegrityError';
  }
}
