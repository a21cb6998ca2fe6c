/**
 * What a client sees of an upstream failure, and what the operator's log gets. An `UpstreamError`'s
 * message is the vendor's own words (`NexHealth rejected POST /payments (/payments) with HTTP 400:
 * <vendor text>`): it may name upstream paths with ids the client never sent and, in principle,
 * patient data. So a client gets the stable code and a message that says what to do, with the
 * system's name, the HTTP status and the request id; the log line of that request gets the rest
 * under the same id (src/plugins/request-logging.ts over HTTP, src/server/http-server.ts over
 * graphql-ws).
 *
 *     clientUpstreamError(new UpstreamError('NexHealth rejected GET /charges … HTTP 400: bad id', 'UPSTREAM_REJECTED', 400))
 *     // GraphQLError: "the practice's system (NexHealth) refused the request (HTTP 400); no change was
 *     //   made. Check the input; an operator can find the system's answer in the gateway log under
 *     //   this request's id."  extensions: { code: 'UPSTREAM_REJECTED', system: 'NexHealth', upstreamStatus: 400 }
 *     formatClientError(formatted, error, 'req-1')   // the same, with the id in the message and `extensions.requestId`
 *
 * Errors the gateway writes itself (BAD_USER_INPUT, SPLIT_SUM_MISMATCH, …) are not touched: their
 * messages are written for clients already.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { UpstreamError } from '../adapters/ledger/port';
import { CircuitOpenError } from '../resilience/circuit-breaker';
import { redactFormattedError } from './redact-errors';

/** One upstream failure as the log line has it: ids, statuses and the vendor's words (secrets masked). */
export interface UpstreamFailure {
  code: UpstreamError['code'];
  /** The vendor's name as its adapter writes it (`NexHealth`, `athenahealth`), or null when unknown. */
  system: string | null;
  /** The upstream's HTTP status, or null (a timeout, a reset, an open circuit). */
  status: number | null;
  /** The upstream endpoint, as the adapter names it (`/payments`), or null. */
  endpoint: string | null;
  /** True when the circuit breaker refused the call: nothing was sent. */
  circuitOpen: boolean;
  /** The error's message: the vendor's text. For the operator's log only. */
  detail: string;
}

/** The adapters' names for their vendors; each `UpstreamError` message of theirs starts with one. */
const SYSTEMS = /^(NexHealth|athenahealth)\b/;
/** How far down `originalError` / `cause` an UpstreamError is looked for (graphql-js wraps once or twice). */
const MAX_DEPTH = 5;

/** The UpstreamError behind `error` (a GraphQLError wrapping it, once or more), if there is one. */
export function upstreamErrorOf(error: unknown): UpstreamError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_DEPTH && current; depth++) {
    if (current instanceof UpstreamError) return current;
    current = current instanceof GraphQLError ? current.originalError : (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function describeUpstreamFailure(error: UpstreamError): UpstreamFailure {
  return {
    code: error.code,
    system: SYSTEMS.exec(error.message)?.[1] ?? null,
    status: error.status,
    endpoint: error.endpoint,
    circuitOpen: error instanceof CircuitOpenError,
    detail: error.message,
  };
}

/** The failure behind `error`, if an UpstreamError is behind it. */
export function upstreamFailureOf(error: unknown): UpstreamFailure | undefined {
  const upstream = upstreamErrorOf(error);
  return upstream ? describeUpstreamFailure(upstream) : undefined;
}

/** The message a client gets: what happened, whether anything changed, what to do, where the rest is. */
export function upstreamClientMessage(failure: UpstreamFailure, requestId?: string): string {
  const system = failure.system ? `the practice's system (${failure.system})` : "the practice's system";
  const status = failure.status !== null ? ` (HTTP ${failure.status})` : '';
  const where = `in the gateway log under ${requestId ? `request id ${requestId}` : "this request's id"}`;
  switch (failure.code) {
    case 'UPSTREAM_REJECTED':
      return `${system} refused the request${status}; no change was made. Check the input; an operator can find the system's answer ${where}.`;
    case 'NOT_FOUND':
      return `${system} has no such record${status}; no change was made. Check the ids sent; an operator can find the system's answer ${where}.`;
    case 'UPSTREAM_UNAVAILABLE':
      return failure.circuitOpen
        ? `${system} is not being called for now after repeated failures; nothing was sent. Retry later; an operator can find the details ${where}.`
        : `${system} did not answer${status}. Retry later (a write with the same idempotency key is never posted twice); an operator can find the details ${where}.`;
  }
}

/** The client's `extensions`: the code, and what is harmless to show (the system, the status, the id). */
export function upstreamExtensions(failure: UpstreamFailure, requestId?: string): Record<string, unknown> {
  return {
    code: failure.code,
    ...(failure.system ? { system: failure.system } : {}),
    ...(failure.status !== null ? { upstreamStatus: failure.status } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

/**
 * The GraphQL error for an UpstreamError: the safe message and extensions, and the UpstreamError as
 * `originalError`, so the servers' formatting can add the request id and the log can read the details.
 */
export function clientUpstreamError(error: UpstreamError): GraphQLError {
  const failure = describeUpstreamFailure(error);
  return new GraphQLError(upstreamClientMessage(failure), { originalError: error, extensions: upstreamExtensions(failure) });
}

/**
 * The last step before any error leaves the gateway (Apollo's `formatError`, graphql-ws's results):
 * client-sent values redacted (./redact-errors.ts), and an upstream failure — wherever it was thrown,
 * mapped by `toGraphQLError` or not — replaced by its safe form with `requestId`. Any other extension
 * of an upstream failure (an endpoint, say) is dropped.
 */
export function formatClientError(
  formatted: GraphQLFormattedError,
  error: unknown,
  requestId: string | undefined,
): GraphQLFormattedError {
  const redacted = redactFormattedError(formatted);
  const failure = upstreamFailureOf(error);
  if (!failure) return redacted;
  return { ...redacted, message: upstreamClientMessage(failure, requestId), extensions: upstreamExtensions(failure, requestId) };
}

/** A vendor's text is cut here in the log: enough for any error message, not a whole HTML error page. */
const MAX_DETAIL_CHARS = 1000;

/** The log's view of an upstream failure (one entry of the line's `upstream` list), its text cut at 1,000 characters. */
export function upstreamLogEntry(failure: UpstreamFailure, path?: ReadonlyArray<string | number>) {
  return {
    ...(path?.length ? { path: path.join('.') } : {}),
    code: failure.code,
    system: failure.system,
    status: failure.status,
    endpoint: failure.endpoint,
    ...(failure.circuitOpen ? { circuitOpen: true } : {}),
    detail: failure.detail.slice(0, MAX_DETAIL_CHARS),
  };
}
