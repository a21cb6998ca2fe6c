/**
 * Shared by the plugins that refuse a request *after* Apollo has already produced a response for it
 * (a parse or validation error, or even a result): replace that response by one gateway error, with
 * the error's HTTP status and headers. Apollo only catches errors thrown from `didResolveOperation`
 * and later hooks; a refusal decided earlier (before parsing) is applied here, in `willSendResponse`.
 *
 * The replacement does not pass through the server's `formatError` (it is already formatted).
 */
import type { BaseContext, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';

interface HttpHead {
  status?: number;
  headers?: Map<string, string>;
}

/** `error` as it goes on the wire: message and extensions, without the `http` extension. */
export function formatGatewayError(error: GraphQLError): GraphQLFormattedError {
  const { http: _http, ...extensions } = error.extensions as Record<string, unknown>;
  return { message: error.message, extensions };
}

/** Make `requestContext`'s response exactly `error` (no data), with its status and headers. */
export function respondWithError<T extends BaseContext>(
  requestContext: GraphQLRequestContextWillSendResponse<T>,
  error: GraphQLError,
): void {
  const http = (error.extensions as { http?: HttpHead }).http;
  requestContext.response.body = { kind: 'single', singleResult: { errors: [formatGatewayError(error)] } };
  if (http?.status) requestContext.response.http.status = http.status;
  for (const [name, value] of http?.headers ?? []) requestContext.response.http.headers.set(name, value);
}
