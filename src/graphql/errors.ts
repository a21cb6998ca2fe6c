/**
 * The one way resolvers raise the stable error codes (`ErrorCode`, `src/errors.ts`), and the one map
 * from what the layers below throw to them. Clients switch on `extensions.code`; the message is for
 * people and never carries patient data beyond ids.
 *
 *     throw gatewayError('NOT_FOUND', `no practice "${practiceId}"`);
 *     try { … } catch (error) { throw toGraphQLError(error); }   // a DomainError keeps its code
 */
import { GraphQLError } from 'graphql';
import { UpstreamError } from '../adapters/ledger/port';
import { DomainError, type ErrorCode } from '../errors';
import { clientUpstreamError } from './upstream-errors';

export type { ErrorCode } from '../errors';

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  RATE_LIMITED: 429,
  QUERY_TOO_COMPLEX: 400,
};

export function gatewayError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  const status = HTTP_STATUS[code];
  return new GraphQLError(message, {
    extensions: { code, ...extra, ...(status ? { http: { status } } : {}) },
  });
}

/**
 * Map what a ledger rule, an adapter or the store threw to a GraphQL error with a stable code: a
 * `DomainError` by its type (its `code`, and its `details` beside it), a GraphQLError as it is. Anything else is
 * a bug of ours and is returned as it is, for Apollo to mask as INTERNAL_SERVER_ERROR.
 * An `UpstreamError` carries the vendor's words: the client gets its code and a safe message instead
 * (./upstream-errors.ts), the UpstreamError kept as `originalError` for the log.
 */
export function toGraphQLError(error: unknown): unknown {
  if (error instanceof GraphQLError) return error;
  if (error instanceof UpstreamError) return clientUpstreamError(error);
  if (error instanceof DomainError) return gatewayError(error.code, error.message, { ...error.details });
  return error;
}
