/**
 * The operation guard's refusals, one constructor each, so both transports answer with the same
 * message and extensions. Each error carries the HTTP status (and headers) it is answered with over
 * HTTP in `extensions.http`, which Apollo turns into the response's head and strips from the body;
 * over graphql-ws, where there is no response head, `withoutHttpHead` drops it.
 */
import { GraphQLError } from 'graphql';
import { gatewayError } from '../../graphql/errors';

export type QueryLimitName = 'maxDepth' | 'maxAliases' | 'maxTokens' | 'maxCost';

const DESCRIPTION: Record<QueryLimitName, string> = {
  maxDepth: 'depth',
  maxAliases: 'aliases',
  maxTokens: 'tokens',
  maxCost: 'estimated cost',
};

/**
 * `QUERY_TOO_COMPLEX` (HTTP 400) for one limit: the message names the limit, its value and the
 * measured value; so do the extensions, `{ code, limit: 'maxDepth', max: 4, measured: 6 }`, with
 * `measuredIsLowerBound: true` when the measure stopped early. A cost refusal with a `hint` also
 * names the field to lower and by how much (`field`, `argument`, `multiplier`, `suggested`).
 */
export function queryTooComplex(
  limit: QueryLimitName,
  max: number,
  measured: number,
  atLeast = false,
  hint?: CostHint,
): GraphQLError {
  const base = `query is too complex: ${DESCRIPTION[limit]} ${atLeast ? 'of at least ' : ''}${measured} exceeds ${limit} ${max}`;
  return gatewayError('QUERY_TOO_COMPLEX', hint ? `${base}; ${hintText(hint)}` : base, {
    limit,
    max,
    measured,
    ...(atLeast ? { measuredIsLowerBound: true } : {}),
    ...(hint ? { field: hint.field, argument: hint.argument, multiplier: hint.multiplier } : {}),
    ...(hint?.suggested !== undefined ? { suggested: hint.suggested } : {}),
  });
}

/** Which field to lower, for a `maxCost` refusal: the size argument with the largest share of the cost. */
export interface CostHint {
  /** `ParentType.field`. */
  field: string;
  argument: string;
  multiplier: number;
  /** The largest value of `argument` with which the operation would pass, when one would (≥ 1). */
  suggested?: number;
}

function hintText({ field, argument, multiplier, suggested }: CostHint): string {
  const lower =
    suggested !== undefined ? `lower ${argument} to at most ${suggested}` : `lower ${argument} and select less elsewhere`;
  return `${field}(${argument}: ${multiplier}) multiplies the cost by ${multiplier}: ${lower}`;
}

/** `RATE_LIMITED` (HTTP 429 with `Retry-After`), with the same number as `extensions.retryAfterSeconds`. */
export function rateLimitedError(retryAfterSeconds: number, keyName: string): GraphQLError {
  const error = gatewayError('RATE_LIMITED', `rate limit exceeded for API key "${keyName}"; retry after ${retryAfterSeconds} s`, {
    retryAfterSeconds,
  });
  // gatewayError sets the 429; Apollo copies these headers to the response (any Map will do).
  const http = error.extensions.http as { status?: number };
  error.extensions.http = { ...http, headers: new Map([['retry-after', String(retryAfterSeconds)]]) };
  return error;
}

/** `FORBIDDEN` for a key with introspection off; `UNAUTHENTICATED` (401) when there is no key at all. */
export function introspectionRefused(hasKey: boolean): GraphQLError {
  return hasKey
    ? gatewayError('FORBIDDEN', 'introspection is disabled for this API key')
    : gatewayError('UNAUTHENTICATED', 'introspection needs an API key');
}

/** The same error without `extensions.http`, for a transport with no response head (graphql-ws). */
export function withoutHttpHead(error: GraphQLError): GraphQLError {
  const { http: _http, ...extensions } = error.extensions as Record<string, unknown>;
  return new GraphQLError(error.message, { extensions });
}
