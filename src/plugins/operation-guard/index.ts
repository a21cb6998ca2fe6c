/**
 * One operation guard for HTTP and graphql-ws: rate limit per key, documents allow-list (a slot),
 * tokens, depth, aliases, cost and introspection per key, written once (./guard.ts) and applied by
 * both transports through thin adapters (./apollo.ts, ./graphql-ws.ts), so a rule cannot drift
 * between them. The measures are in ./cost.ts, the refusals in ./errors.ts.
 */
export {
  createOperationGuard,
  type DocumentsCheck,
  type GuardCaller,
  type GuardLimits,
  type OperationGuard,
  type OperationGuardOptions,
} from './guard';
export { apolloOperationGuard, type GuardedContext } from './apollo';
export { graphqlWsOperationGuard, type WsOperationPayload } from './graphql-ws';
export { countTokens, fragmentsOf, measureOperation, type CostModel, type OperationMeasures } from './cost';
export { introspectionRefused, queryTooComplex, rateLimitedError, withoutHttpHead, type QueryLimitName } from './errors';
export { INTROSPECTION_FIELDS, usesIntrospection } from './introspection';
export { TokenBuckets, type RateDecision } from './rate-limit';
