/**
 * The gateway's stable error codes and `DomainError`, the base class of every error that carries
 * one. Clients switch on `extensions.code`; the message is for people and never carries patient data
 * beyond ids.
 *
 * Layers below GraphQL (the ledger rules, the adapters, the transaction store) throw a subclass;
 * `toGraphQLError` (`src/graphql/errors.ts`) turns any `DomainError` into a GraphQL error with its
 * code, by `instanceof`, never by looking at a message or at a `code` field of some other object.
 * An error that is not a `DomainError` is a bug of ours (or an upstream answer we cannot read) and
 * reaches the client as INTERNAL_SERVER_ERROR, its details masked.
 *
 *     class PatientMissing extends DomainError {
 *       readonly code = 'NOT_FOUND';
 *       constructor(id: string) { super(`no patient "${id}"`); }
 *     }
 *     toGraphQLError(new PatientMissing('42'));   // GraphQLError: extensions.code === 'NOT_FOUND'
 */

/** Every `extensions.code` the gateway itself sets (Apollo adds its own, e.g. INTERNAL_SERVER_ERROR). */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  /** The practice's system cannot do what was asked. Reserved: today's refusals still say BAD_USER_INPUT. */
  | 'NOT_SUPPORTED'
  /** An amount above `limits.maxAmount`, a refund above what is refundable, or a sum the ledger cannot represent. */
  | 'AMOUNT_OUT_OF_RANGE'
  | 'SPLIT_SUM_MISMATCH'
  | 'SPLIT_KIND_CONFLICT'
  | 'DEBIT_REQUIRES_SPLIT'
  | 'UNKNOWN_ADJUSTMENT_TYPE'
  | 'UNKNOWN_PAYMENT_TYPE'
  | 'CLAIM_NOT_COLLECTIBLE'
  | 'IDEMPOTENCY_CONFLICT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_REJECTED'
  | 'QUERY_TOO_COMPLEX'
  | 'RATE_LIMITED'
  /** A key locked to persisted documents (`apiKeys[].documents`) sent query text, or no document id. */
  | 'PERSISTED_QUERY_NOT_ALLOWED'
  /** Such a key named a document id its manifest lacks (Apollo's code for an unknown hash). */
  | 'PERSISTED_QUERY_NOT_FOUND';

/**
 * An error a client may see, with its stable `code`. Subclasses fix the code (or narrow it, like
 * `UpstreamError`) and may add `details`: fields that travel beside the code in `extensions` (ids
 * only). Not named `extensions` on purpose: graphql-js copies an error's own `extensions` into the
 * GraphQL error it wraps it in, which would bypass `toGraphQLError`.
 */
export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;

  constructor(
    message: string,
    /** Extra `extensions` fields for the client, e.g. `{ claimId: '1003' }`. Ids only, never patient data. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}
