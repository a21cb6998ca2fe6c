/**
 * The operation guard as graphql-ws's `onSubscribe` (operations over the websocket: subscriptions,
 * and the queries and mutations graphql-ws also executes). graphql-ws bypasses Apollo's plugins, so
 * this runs the guard's steps in the same order as over HTTP:
 *
 *     const guardWs = graphqlWsOperationGuard(guard, schema);
 *     useServer({ schema, onSubscribe: (ctx, _id, payload) => guardWs(ctx.extra.caller, payload), … }, wss);
 *
 * `admit` and `checkSource`, then parse and validate (as graphql-ws would, with graphql's own rules),
 * then `checkOperation`. A refusal is returned as the operation's errors, without the HTTP status
 * and headers (there is no response head on a socket). An allowed operation is returned as its
 * execution arguments, so graphql-ws runs the document parsed and validated here instead of doing it
 * a second time; the context is still graphql-ws's `context`. A document that does not parse is left
 * to graphql-ws, which reports it as it always has.
 */
import {
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import { withoutHttpHead } from './errors';
import type { GuardCaller, OperationGuard } from './guard';

/** What `onSubscribe` receives from the client (graphql-ws's `SubscribePayload`). */
export interface WsOperationPayload {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

export function graphqlWsOperationGuard(guard: OperationGuard, schema: GraphQLSchema) {
  return (
    caller: GuardCaller | null | undefined,
    payload: WsOperationPayload,
  ): ExecutionArgs | readonly GraphQLError[] | undefined => {
    const query = typeof payload.query === 'string' ? payload.query : '';
    const early = guard.admit(caller) ?? guard.checkSource(query, caller);
    if (early) return [withoutHttpHead(early)];
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: guard.limits.maxTokens });
    } catch {
      return; // graphql-ws parses it again and reports the syntax error itself
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0) return invalid;
    const operation = getOperationAST(document, payload.operationName);
    const refused = guard.checkOperation({ schema, document, operation, variables: payload.variables, caller });
    if (refused) return [withoutHttpHead(refused)];
    return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
  };
}
