/**
 * The stable error codes of DESIGN.md §3 and the one way resolvers raise them. Clients switch on
 * `extensions.code`; the message is for people and never carries patient data beyond ids.
 */
import { GraphQLError } from 'graphql';
import { UpstreamError } from '../adapters/ledger/port';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
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
  | 'RATE_LIMITED';

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
 * Map what an adapter or the store threw to a GraphQL error with a stable code. Anything else is a
 * bug of ours and is returned as it is, for Apollo to mask as INTERNAL_SERVER_ERROR.
 */
export function toGraphQLError(error: unknown): unknown {
  if (error instanceof GraphQLError) return error;
  if (error instanceof UpstreamError) {
    return gatewayError(error.code, error.message, error.endpoint ? { endpoint: error.endpoint } : {});
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'IDEMPOTENCY_CONFLICT') return gatewayError('IDEMPOTENCY_CONFLICT', (error as Error).message);
  return error;
}
