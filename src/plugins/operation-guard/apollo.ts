/**
 * The operation guard as an Apollo Server plugin (operations over HTTP). Put it first, before the
 * metrics and logging plugins, so they see the final response; pass the guard's `maxTokens` to the
 * parser as well:
 *
 *     const guard = createOperationGuard(config.limits);
 *     new ApolloServer({
 *       parseOptions: { maxTokens: guard.limits.maxTokens }, // stop the parser early (see below)
 *       plugins: [apolloOperationGuard(guard), metrics.plugin, requestLogging({ logger })],
 *     })
 *
 * The guard's steps map onto Apollo's hooks: `admit` in `requestDidStart`, `checkSource` in
 * `didResolveSource` (on the raw text, before anything is parsed), `checkOperation` in
 * `didResolveOperation` (the validated document, for every request, including those whose document
 * came from Apollo's cache). Apollo gives a plugin no way to stop a request before parsing, so a
 * refusal from the first two steps is recorded, thrown in `didResolveOperation` when the request gets
 * that far, and otherwise written over the response in `willSendResponse` (a parse or validation
 * error, or the parser aborting at `parseOptions.maxTokens` — which is why passing the same limit
 * there means a huge document is never turned into an AST nor validated). A refused request is
 * charged one token and never executes; every request counts, including ones that fail to parse.
 *
 * The replacement response does not pass through the server's `formatError` (it is already formatted).
 */
import type { ApolloServerPlugin, BaseContext, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { GuardCaller, OperationGuard } from './guard';

/** What the plugin reads of the context: the authenticated caller. */
export interface GuardedContext extends BaseContext {
  caller?: GuardCaller | null;
}

export function apolloOperationGuard<TContext extends GuardedContext = GuardedContext>(
  guard: OperationGuard,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ contextValue }) {
      const caller = contextValue.caller;
      let refusal = guard.admit(caller);
      return {
        async didResolveSource({ source }) {
          // The count is exact; its cost is one pass over a body the HTTP layer already bounds.
          refusal ??= guard.checkSource(source, caller);
        },
        async didResolveOperation({ schema, document, operation, request }) {
          if (refusal) throw refusal;
          const refused = guard.checkOperation({ schema, document, operation, variables: request.variables, caller });
          if (refused) throw refused;
        },
        async willSendResponse(requestContext) {
          if (refusal) respondWithError(requestContext, refusal);
        },
      };
    },
  };
}

interface HttpHead {
  status?: number;
  headers?: Map<string, string>;
}

/** `error` as it goes on the wire: message and extensions, without the `http` extension. */
function formatGatewayError(error: GraphQLError): GraphQLFormattedError {
  const { http: _http, ...extensions } = error.extensions as Record<string, unknown>;
  return { message: error.message, extensions };
}

/** Make `requestContext`'s response exactly `error` (no data), with its status and headers. */
function respondWithError<T extends BaseContext>(
  requestContext: GraphQLRequestContextWillSendResponse<T>,
  error: GraphQLError,
): void {
  const http = (error.extensions as { http?: HttpHead }).http;
  requestContext.response.body = { kind: 'single', singleResult: { errors: [formatGatewayError(error)] } };
  if (http?.status) requestContext.response.http.status = http.status;
  for (const [name, value] of http?.headers ?? []) requestContext.response.http.headers.set(name, value);
}
