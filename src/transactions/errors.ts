/**
 * Errors the transaction layer throws to its callers. Each carries the `code` the GraphQL layer puts in
 * `extensions.code` (DESIGN.md §3).
 *
 *     try {
 *       await service.createLedgerTransaction(input);
 *     } catch (error) {
 *       if (error instanceof IdempotencyConflict) return graphQLError(error.message, error.code);
 *       throw error;
 *     }
 */

/** The idempotency key was already used with a different input (a different fingerprint). */
export class IdempotencyConflict extends Error {
  readonly code = 'IDEMPOTENCY_CONFLICT' as const;

  constructor(
    readonly practiceId: string,
    readonly idempotencyKey: string,
    /** The transaction the key is bound to. */
    readonly existingTransactionId: string,
  ) {
    super(
      `idempotency key ${JSON.stringify(idempotencyKey)} was already used with a different input ` +
        `(transaction ${existingTransactionId}); use a new key for a new transaction`,
    );
    this.name = 'IdempotencyConflict';
  }
}

/** The request cannot be stored as asked (bad argument, practice without ledger writes, …). */
export class TransactionInputError extends Error {
  readonly code = 'BAD_USER_INPUT' as const;

  constructor(message: string) {
    super(message);
    this.name = 'TransactionInputError';
  }
}

/** A value read from the store is not what the schema promises (e.g. an amount past 2^53). */
export class StoreIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreIntegrityError';
  }
}
