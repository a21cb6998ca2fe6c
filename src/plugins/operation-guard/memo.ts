/**
 * The guard's measures, remembered per document rather than recomputed per request. Apollo keeps
 * each validated document in its document store and hands every request with the same text the same
 * `DocumentNode`, so a measure that depends on the document alone is found once per document:
 *
 * - the token count of a source text (a small bounded map keyed by the text: it is checked before
 *   parsing, so there is no node yet);
 * - whether a document uses introspection;
 * - the depth, aliases and cost of an operation whose measures cannot depend on its variables: no
 *   variable inside a size or list argument (`first`, `last`, `representations`: the only arguments
 *   the cost reads) nor anywhere under `__schema` / `__type` (whose cost is walked with its
 *   arguments). Such an operation is re-measured only when its variables do not coerce (then the
 *   measure reads its arguments as absent, see ./cost.ts `argumentsOf`), so the answer is always the
 *   one `measureOperation` would give for that request.
 *
 * The rate limit, the documents check and the caller's introspection right stay per request.
 */
import {
  BREAK,
  getVariableValues,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  visit,
  type ASTNode,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { countTokens, fragmentsOf, measureOperation, type CostModel, type OperationMeasures } from './cost';
import { usesIntrospection } from './introspection';

export interface GuardMemoOptions {
  /** The cost model and ceiling the guard measures with (fixed for the guard's life). */
  measure: CostModel & { costCeiling?: number };
  /** Fields that count as introspection. */
  introspectionFields: readonly string[];
  /** The token count's bound (`maxBodyBytes`): it stops after this many. */
  stopTokensAfter: number;
  /**
   * Most source texts whose token count is kept; the oldest is dropped beyond it.
   * @default 500
   */
  maxSources?: number;
  /**
   * Longest source text whose token count is kept (longer ones are counted each time: the map must
   * stay small whatever the limits).
   * @default 16 384 characters
   */
  maxSourceLength?: number;
}

export interface GuardMemo {
  tokens(source: string): number;
  usesIntrospection(document: DocumentNode): boolean;
  measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Readonly<Record<string, unknown>>,
  ): OperationMeasures;
}

/** The size and list arguments of the cost model (./cost.ts's defaults when not given). */
function costArguments(model: CostModel): Set<string> {
  return new Set([...(model.sizeArguments ?? ['first', 'last']), ...(model.listArguments ?? ['representations'])]);
}

/** Whether a variable appears where the cost reads it (see the file's comment). */
function costReadsVariables(document: DocumentNode, argumentNames: ReadonlySet<string>): boolean {
  let found = false;
  let introspectionDepth = 0;
  const isIntrospection = (node: ASTNode) =>
    node.kind === Kind.FIELD && (node.name.value === SchemaMetaFieldDef.name || node.name.value === TypeMetaFieldDef.name);
  visit(document, {
    enter(node) {
      if (found) return BREAK; // nothing more to learn
      if (isIntrospection(node)) introspectionDepth += 1;
      if (node.kind === Kind.VARIABLE && introspectionDepth > 0) found = true;
      if (node.kind === Kind.ARGUMENT && argumentNames.has(node.name.value)) {
        visit(node.value, {
          [Kind.VARIABLE]: () => {
            found = true;
          },
        });
      }
      return undefined;
    },
    leave(node) {
      if (isIntrospection(node)) introspectionDepth -= 1;
    },
  });
  return found;
}

export function createGuardMemo(options: GuardMemoOptions): GuardMemo {
  const maxSources = options.maxSources ?? 500;
  const maxSourceLength = options.maxSourceLength ?? 16_384;
  const argumentNames = costArguments(options.measure);
  const tokenCounts = new Map<string, number>();
  const introspection = new WeakMap<DocumentNode, boolean>();
  /** Per document: whether its cost reads variables. Per operation: its measures, when it does not. */
  const variableDependent = new WeakMap<DocumentNode, boolean>();
  const measures = new WeakMap<OperationDefinitionNode, OperationMeasures>();

  const coerces = (schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>>) =>
    !operation.variableDefinitions?.length ||
    !getVariableValues(schema, operation.variableDefinitions, variables as Record<string, unknown>, { maxErrors: 1 }).errors;

  return {
    tokens(source) {
      if (source.length > maxSourceLength) return countTokens(source, options.stopTokensAfter);
      const known = tokenCounts.get(source);
      if (known !== undefined) return known;
      const counted = countTokens(source, options.stopTokensAfter);
      if (tokenCounts.size >= maxSources) tokenCounts.delete(tokenCounts.keys().next().value!);
      tokenCounts.set(source, counted);
      return counted;
    },

    usesIntrospection(document) {
      let uses = introspection.get(document);
      if (uses === undefined) {
        uses = usesIntrospection(document, options.introspectionFields);
        introspection.set(document, uses);
      }
      return uses;
    },

    measure(schema, document, operation, variables) {
      // No closure for the measuring itself: this runs on every operation (see test/bench/gateway-overhead.ts).
      let dependent = variableDependent.get(document);
      if (dependent === undefined) {
        dependent = costReadsVariables(document, argumentNames);
        variableDependent.set(document, dependent);
      }
      if (dependent || !coerces(schema, operation, variables)) {
        return measureOperation(schema, operation, fragmentsOf(document), variables, options.measure);
      }
      let known = measures.get(operation);
      if (!known) {
        known = measureOperation(schema, operation, fragmentsOf(document), variables, options.measure);
        measures.set(operation, known);
      }
      return known;
    },
  };
}
