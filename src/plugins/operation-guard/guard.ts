/**
 * The operation guard: every rule an operation must pass before it runs, written once, in the order
 * both transports apply them. The Apollo plugin (./apollo.ts) and graphql-ws's `onSubscribe`
 * (./graphql-ws.ts) only call these three steps at the matching points of their pipelines:
 *
 * 1. `admit(caller)` when the operation arrives: the per-key **rate** (takes one token).
 * 2. `checkSource(source)` before parsing: the **documents** allow-list (a slot for persisted /
 *    trusted documents; none by default), then the **tokens**.
 *    — then the transport parses and validates (a syntax or validation error is its own answer) —
 * 3. `checkOperation(…)` on the validated document: **depth**, **aliases**, **cost** of the operation
 *    about to run (when there is one), then **introspection** per key (anywhere in the document).
 *
 * The first refusal wins; it is a GraphQLError with a stable `extensions.code` (see ./errors.ts).
 *
 *     const guard = createOperationGuard(config.limits);
 *     new ApolloServer({ parseOptions: { maxTokens: guard.limits.maxTokens }, plugins: [apolloOperationGuard(guard)] });
 *     const guardWs = graphqlWsOperationGuard(guard, schema);
 *     useServer({ schema, onSubscribe: (ctx, _id, payload) => guardWs(ctx.extra.caller, payload) }, wss);
 */
import type { DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { defaultLimits, type LimitsConfig } from '../../config';
import type { CostModel, OperationMeasures } from './cost';
import { introspectionRefused, queryTooComplex, rateLimitedError, type CostHint } from './errors';
import { INTROSPECTION_FIELDS } from './introspection';
import { createGuardMemo } from './memo';
import { TokenBuckets } from './rate-limit';

/** Who is calling: what the guard reads of the authenticated API key. */
export interface GuardCaller {
  keyName: string;
  /** Whether this key may introspect. */
  introspection: boolean;
  /** This key's own rate; `null`/absent: the guard's `requestsPerMinute`. */
  requestsPerMinute?: number | null;
}

/**
 * The persisted / trusted documents check: return an error to refuse a document, nothing to allow
 * it. Called with the document's text (after Apollo resolved an automatic persisted query) before it
 * is parsed, after the rate limit.
 */
export type DocumentsCheck = (request: { source: string; caller: GuardCaller | null }) => GraphQLError | undefined;

export interface OperationGuardOptions {
  /**
   * Deepest field nesting allowed (top-level fields are depth 1).
   * @default `limits.maxDepth` of src/config.ts
   */
  maxDepth?: number;
  /**
   * Most aliased fields allowed in the operation that runs.
   * @default `limits.maxAliases` of src/config.ts
   */
  maxAliases?: number;
  /**
   * Most lexical tokens allowed in a document.
   * @default `limits.maxTokens` of src/config.ts
   */
  maxTokens?: number;
  /**
   * Highest estimated cost allowed (the model: ./cost.ts).
   * @default `limits.maxCost` of src/config.ts
   */
  maxCost?: number;
  /**
   * Operations per minute for a key that sets none of its own.
   * @default `limits.requestsPerMinute` of src/config.ts
   */
  requestsPerMinute?: number;
  /**
   * Bounds the token count's work: it stops after this many tokens. No HTTP body holds more tokens
   * than bytes, so over HTTP the count is always exact; a larger graphql-ws message is refused with
   * `measuredIsLowerBound`.
   * @default `limits.maxBodyBytes` of src/config.ts
   */
  maxBodyBytes?: number;
  /**
   * How cost is estimated.
   * @default ./cost.ts's model (`listCost` 10, `sizeArguments` first/last, `listArguments` representations)
   */
  costModel?: CostModel;
  /**
   * Fields that count as introspection (`__typename` never does).
   * @default `['__schema', '__type', '_service']` (the federation SDL is schema disclosure too)
   */
  introspectionFields?: readonly string[];
  /**
   * The persisted / trusted documents check.
   * @default none: every document is allowed
   */
  documents?: DocumentsCheck;
  /**
   * Clock of the rate limit, in ms.
   * @default `Date.now`
   */
  now?: () => number;
  /**
   * Most rate-limit buckets kept; the least recently used is dropped beyond it.
   * @default 10 000
   */
  maxKeys?: number;
}

/** The limits a guard enforces, defaults filled in. */
export type GuardLimits = Pick<
  LimitsConfig,
  'maxDepth' | 'maxAliases' | 'maxTokens' | 'maxCost' | 'requestsPerMinute' | 'maxBodyBytes'
>;

export interface OperationGuard {
  readonly limits: Readonly<GuardLimits>;
  /** Step 1, when an operation arrives: the caller's rate. Takes a token when it allows. */
  admit(caller: GuardCaller | null | undefined): GraphQLError | undefined;
  /** Step 2, the document's text before parsing: the documents check, then the tokens. */
  checkSource(source: string, caller: GuardCaller | null | undefined): GraphQLError | undefined;
  /**
   * Step 3, the parsed and validated document: depth, aliases and cost of `operation` (skipped
   * when the document names no runnable operation: the transport reports that), then introspection.
   */
  checkOperation(request: {
    schema: GraphQLSchema;
    document: DocumentNode;
    operation: OperationDefinitionNode | null | undefined;
    variables: Readonly<Record<string, unknown>> | null | undefined;
    caller: GuardCaller | null | undefined;
  }): GraphQLError | undefined;
}

export function createOperationGuard(options: OperationGuardOptions = {}): OperationGuard {
  const limits: GuardLimits = {
    maxDepth: options.maxDepth ?? defaultLimits.maxDepth,
    maxAliases: options.maxAliases ?? defaultLimits.maxAliases,
    maxTokens: options.maxTokens ?? defaultLimits.maxTokens,
    maxCost: options.maxCost ?? defaultLimits.maxCost,
    requestsPerMinute: options.requestsPerMinute ?? defaultLimits.requestsPerMinute,
    maxBodyBytes: options.maxBodyBytes ?? defaultLimits.maxBodyBytes,
  };
  const { maxDepth, maxAliases, maxTokens, maxCost } = limits;
  const introspectionFields = options.introspectionFields ?? INTROSPECTION_FIELDS;
  const buckets = new TokenBuckets(options.now ?? Date.now, options.maxKeys);
  // What depends on the document alone is measured once per document (./memo.ts).
  const memo = createGuardMemo({
    measure: { ...options.costModel, costCeiling: maxCost },
    introspectionFields,
    stopTokensAfter: limits.maxBodyBytes,
  });

  return {
    limits: Object.freeze(limits),

    admit(caller) {
      const keyName = caller?.keyName ?? '(anonymous)';
      const decision = buckets.take(keyName, caller?.requestsPerMinute ?? limits.requestsPerMinute);
      return decision.allowed ? undefined : rateLimitedError(decision.retryAfterSeconds, keyName);
    },

    checkSource(source, caller) {
      const refused = options.documents?.({ source, caller: caller ?? null });
      if (refused) return refused;
      const tokens = memo.tokens(source);
      if (tokens > maxTokens) return queryTooComplex('maxTokens', maxTokens, tokens, tokens > limits.maxBodyBytes);
      return undefined;
    },

    checkOperation({ schema, document, operation, variables, caller }) {
      if (operation) {
        const measured = memo.measure(schema, document, operation, variables ?? {});
        if (measured.depth > maxDepth) return queryTooComplex('maxDepth', maxDepth, measured.depth);
        if (measured.aliases > maxAliases) return queryTooComplex('maxAliases', maxAliases, measured.aliases);
        if (measured.cost > maxCost)
          return queryTooComplex('maxCost', maxCost, measured.cost, measured.costIsLowerBound, costHint(measured, maxCost));
      }
      if (!caller?.introspection && memo.usesIntrospection(document)) return introspectionRefused(Boolean(caller));
      return undefined;
    },
  };
}

/**
 * The field a too-costly operation should lower, and to what: the rest of the operation costs
 * `cost − multiplier × unitCost`, so `argument` may be at most `(maxCost − rest) / unitCost`
 * (exact when the field appears once; a page's unit includes its own fields, so it errs low).
 */
function costHint(measured: OperationMeasures, maxCost: number): CostHint | undefined {
  const driver = measured.costDriver;
  if (!driver || measured.costIsLowerBound) return undefined;
  const rest = measured.cost - driver.multiplier * driver.unitCost;
  const most = driver.unitCost > 0 ? Math.floor((maxCost - rest) / driver.unitCost) : 0;
  const suggested = most >= 1 && most < driver.multiplier ? most : undefined;
  return { field: driver.field, argument: driver.argument, multiplier: driver.multiplier, ...(suggested ? { suggested } : {}) };
}
