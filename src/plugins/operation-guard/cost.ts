/**
 * The operation guard's measures of a document: its lexical tokens, and the depth, aliases and
 * estimated cost of the operation that would run. Pure functions of the document, the schema and the
 * variables; the guard (./guard.ts) compares them with the limits.
 *
 * Depth: a top-level field is depth 1; `{ practice(id: "a") { name } }` has depth 2.
 * Aliases: every aliased field the operation would execute (a fragment's aliases once per spread).
 * Cost: a static upper bound: each field costs 1, plus its sub-selection's cost times a multiplier
 * (see `multiplierOf`, the one place a list's assumed length is decided): the field's `first`/`last`
 * argument as execution will see it (inline, a variable, the variable's default or the schema's
 * default: the same query costs the same however `first` is given), else the length of a list
 * argument such as `_entities`' `representations`, else `listCost` when the field returns a list,
 * else 1. On a page (`Practice.patients(first: 50): PatientPage`) the size is the length of the
 * page's lists. The size argument with the largest share of the cost is reported as `costDriver`,
 * so a refusal can say which field to lower.
 * Fragments on different types of an abstract field are summed. Fragment spreads are followed (each
 * spread counts, each fragment is measured once) and introspection fields are measured like any
 * other, with one exception: their data is the schema itself, so `__schema`/`__type` cost exactly the
 * number of fields they would resolve (walked in memory, stopping at the cost ceiling); and
 * `__Type.ofType` adds no depth. With the default limits, GraphiQL's introspection query passes
 * (depth 6, cost ≈ the schema's size), while `types { fields { type { fields … } } }` nesting is
 * refused on cost.
 */
import {
  defaultFieldResolver,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  Lexer,
  SchemaMetaFieldDef,
  Source,
  TokenKind,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/** The cost model's parameters (not limits: they say how cost is estimated, not how much is allowed). */
export interface CostModel {
  /**
   * Assumed length of a list when no size argument is given.
   * @default 10
   */
  listCost?: number;
  /**
   * Arguments that give a list's length, first present wins.
   * @default ['first', 'last']
   */
  sizeArguments?: readonly string[];
  /**
   * List arguments whose length gives the list's length, after `sizeArguments`: the federation
   * `_entities(representations:)` returns one entity per representation, so a router's batch of 100
   * references costs 100 times its selection, not `listCost` times.
   * @default ['representations']
   */
  listArguments?: readonly string[];
}

const DEFAULT_COST_MODEL: Required<CostModel> = {
  listCost: 10,
  sizeArguments: ['first', 'last'],
  listArguments: ['representations'],
};

export interface OperationMeasures {
  depth: number;
  aliases: number;
  cost: number;
  /** Set when the cost walk of an introspection field stopped early: the real cost is higher. */
  costIsLowerBound?: boolean;
  /** The size argument with the largest share of the cost, when a size argument decided any. */
  costDriver?: CostDriver;
}

/**
 * The lexical tokens of `source`, counted as graphql's parser counts them for `maxTokens` (comments
 * and `<EOF>` excluded). With `stopAfter`, stops at `stopAfter + 1`. A lexical error ends the count
 * (the parser reports the error itself).
 */
export function countTokens(source: string, stopAfter = Infinity): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      count += 1;
      if (count > stopAfter) break;
    }
  } catch {
    // A syntax error: the count so far stands; parsing will report the error itself.
  }
  return count;
}

/** The fragment definitions of a document, by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

type FieldParent = GraphQLNamedType | undefined;

function fieldDefinition(parent: FieldParent, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
  if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  if (isObjectType(parent) || isInterfaceType(parent)) return parent.getFields()[name];
  return undefined;
}

/**
 * A field whose size argument (or list argument) decided a multiplier: what the refusal names when
 * the cost is too high (`Practice.patients(first: 200) multiplies the cost by 200`).
 */
export interface CostDriver {
  /** `ParentType.field`, e.g. `Practice.patients`. */
  field: string;
  /** The argument that gave the size (`first`), as written, defaulted by a variable or by the schema. */
  argument: string;
  /** The size it gave: the multiplier. */
  multiplier: number;
  /**
   * What one unit of the multiplier costs in the whole operation (its selection's cost times the
   * multipliers of the lists around it), so `multiplier × unitCost` is its share of the cost.
   */
  unitCost: number;
}

/** How a field's selection is multiplied, and the length its page hands to the lists inside it. */
interface Multiplier {
  /** Times the field's own sub-selection counts. */
  times: number;
  /** For a page (an object with a size argument, such as `PatientPage`): the length of its lists. */
  pageSize?: number;
  /** The argument that decided it, when one did. */
  argument?: string;
}

/**
 * How many times a field's sub-selection counts towards the cost: the one place a list's assumed
 * length is decided. The field's size argument (`first`/`last`) with its value as execution would
 * see it (inline, a variable, the variable's default, else the schema's default for the argument),
 * else the length of its list argument (`representations`), else the size of the page it is in,
 * else `listCost` for a list, else 1. A size argument on a field that is not a list (a page such as
 * `Practice.patients(first: 50): PatientPage`) gives the length of the page's lists instead: the
 * page itself is one object.
 */
function multiplierOf(
  field: FieldNode,
  definition: GraphQLField<unknown, unknown> | undefined,
  variables: Readonly<Record<string, unknown>>,
  model: Required<CostModel>,
  pageSize: number | undefined,
): Multiplier {
  const isList = Boolean(definition && isListType(getNullableType(definition.type)));
  const args = definition ? argumentsOf(definition, field, variables) : {};
  for (const name of model.sizeArguments) {
    let value = args[name];
    // An explicit null: the resolver falls back to the argument's default (`first ?? 50`).
    if (value === null) value = definition?.args.find((a) => a.name === name)?.defaultValue;
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const size = Math.max(0, Math.floor(value));
    return isList ? { times: size, argument: name } : { times: 1, pageSize: size, argument: name };
  }
  for (const name of model.listArguments) {
    const argument = field.arguments?.find((a) => a.name.value === name);
    if (!argument) continue;
    const length = listLength(argument.value, variables);
    if (length !== undefined) return { times: length, argument: name };
  }
  if (!isList) return { times: 1 };
  return { times: pageSize ?? model.listCost };
}

/**
 * The field's arguments as execution will see them: variables and defaults applied. Arguments that
 * do not coerce fail at execution; they are measured as absent (so the defaults above apply).
 */
function argumentsOf(
  definition: GraphQLField<unknown, unknown>,
  field: FieldNode,
  variables: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  if (definition.args.length === 0) return {};
  try {
    return getArgumentValues(definition, field, variables as Record<string, unknown>);
  } catch {
    return {};
  }
}

/**
 * The operation's variables as execution will see them: the request's values coerced, with the
 * operation's defaults for those it left out (`query Q($n: Int = 200)` without `n` means 200). A
 * request whose variables do not coerce fails at execution; it is measured with them as given.
 */
function variablesOf(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  const result = getVariableValues(schema, operation.variableDefinitions ?? [], variables as Record<string, unknown>, {
    maxErrors: 1,
  });
  return 'coerced' in result && result.coerced ? result.coerced : variables;
}

/** The length of a list argument (a literal list or a variable holding an array); a single value is 1. */
function listLength(node: ValueNode, variables: Readonly<Record<string, unknown>>): number | undefined {
  if (node.kind === Kind.LIST) return node.values.length;
  if (node.kind === Kind.VARIABLE) {
    const value = variables[node.name.value];
    if (Array.isArray(value)) return value.length;
    return value === undefined || value === null ? undefined : 1;
  }
  return node.kind === Kind.NULL ? undefined : 1;
}

/**
 * Depth, aliases and estimated cost of `operation` (with `fragments` followed), against `schema`.
 * Expects a validated document; unknown fields count 1 with no multiplier, unknown fragments nothing.
 * Introspection (`__schema`, `__type`) is costed exactly by walking the schema it would return, and
 * that walk stops once the cost passes `costCeiling` (then `costIsLowerBound` is true).
 */
export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  requestVariables: Readonly<Record<string, unknown>> = {},
  options: CostModel & { costCeiling?: number } = {},
): OperationMeasures {
  const variables = variablesOf(schema, operation, requestVariables);
  const model: Required<CostModel> = {
    listCost: options.listCost ?? DEFAULT_COST_MODEL.listCost,
    sizeArguments: options.sizeArguments ?? DEFAULT_COST_MODEL.sizeArguments,
    listArguments: options.listArguments ?? DEFAULT_COST_MODEL.listArguments,
  };
  const costCeiling = options.costCeiling ?? Infinity;
  const memo = new Map<string, OperationMeasures>();
  const inProgress = new Set<string>();
  let costIsLowerBound = false;
  let costDriver: CostDriver | undefined;
  let introspected = 0;
  const nothing = (): OperationMeasures => ({ depth: 0, aliases: 0, cost: 0 });

  // `pageSize`: the length of the lists directly inside a page (see `multiplierOf`); `scale`: the
  // product of the multipliers around the selection, so a size argument's share of the whole cost
  // is known. Both are part of a fragment's memo key (a fragment measures the same at the same place).
  function measureFragment(name: string, parent: FieldParent, pageSize: number | undefined, scale: number): OperationMeasures {
    const key = `${name}|${pageSize ?? ''}|${scale}`;
    const known = memo.get(key);
    if (known) return known;
    const fragment = fragments.get(name);
    // Unknown or cyclic (only possible without validation): measure as nothing.
    if (!fragment || inProgress.has(name)) return nothing();
    inProgress.add(name);
    const type = schema.getType(fragment.typeCondition.name.value);
    // A page's size reaches the lists of a fragment spread on the page itself.
    const measures = measureSelections(fragment.selectionSet, type, type === parent ? pageSize : undefined, scale);
    inProgress.delete(name);
    memo.set(key, measures);
    return measures;
  }

  function measureSelections(
    selectionSet: SelectionSetNode,
    parent: FieldParent,
    pageSize: number | undefined,
    scale: number,
  ): OperationMeasures {
    let depth = 0;
    let aliases = 0;
    let cost = 0;
    for (const selection of selectionSet.selections) {
      let inner: OperationMeasures;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const definition = fieldDefinition(parent, name);
        const multiplier = multiplierOf(selection, definition, variables, model, pageSize);
        const sub = selection.selectionSet
          ? measureSelections(
              selection.selectionSet,
              definition ? getNamedType(definition.type) : undefined,
              multiplier.pageSize,
              scale * multiplier.times,
            )
          : nothing();
        let fieldCost: number;
        if (definition && selection.selectionSet && (name === SchemaMetaFieldDef.name || name === TypeMetaFieldDef.name)) {
          // One budget for every introspection walk of the operation, so many `__schema` aliases
          // cannot multiply the work.
          const walked = introspectionCost(
            schema,
            selection,
            definition,
            fragments,
            variables,
            costCeiling - introspected,
            () => {
              costIsLowerBound = true;
            },
          );
          introspected += walked;
          fieldCost = 1 + walked;
        } else {
          fieldCost = 1 + multiplier.times * sub.cost;
          if (multiplier.argument) {
            // Its share of the whole cost, and what one unit of the size costs (for a page: one entry
            // of its lists, the page's own few fields included, which errs on the low side for the hint).
            const size = multiplier.pageSize ?? multiplier.times;
            const share = scale * multiplier.times * sub.cost;
            if (!costDriver || share > costDriver.multiplier * costDriver.unitCost) {
              const unitCost = size > 0 ? share / size : 0;
              costDriver = { field: `${parent?.name ?? '?'}.${name}`, argument: multiplier.argument, multiplier: size, unitCost };
            }
          }
        }
        // `__Type.ofType` walks a type's wrappers (a few levels at most, never back into fields):
        // it adds no depth, so the standard introspection query (ofType nested 7–9 deep) passes.
        const addsDepth = parent?.name === '__Type' && name === 'ofType' ? 0 : 1;
        inner = { depth: addsDepth + sub.depth, aliases: (selection.alias ? 1 : 0) + sub.aliases, cost: fieldCost };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        inner = measureSelections(selection.selectionSet, type, type === parent ? pageSize : undefined, scale);
      } else {
        inner = measureFragment(selection.name.value, parent, pageSize, scale);
      }
      depth = Math.max(depth, inner.depth);
      aliases += inner.aliases;
      cost += inner.cost;
    }
    return { depth, aliases, cost };
  }

  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  const measures: OperationMeasures = measureSelections(operation.selectionSet, root ?? undefined, undefined, 1);
  if (costIsLowerBound) measures.costIsLowerBound = true;
  if (costDriver) measures.costDriver = costDriver;
  return measures;
}

/**
 * The exact number of fields an introspection selection would resolve, found by walking the schema
 * with graphql's own introspection resolvers (no I/O). A static multiplier is wrong both ways here:
 * the standard introspection query (lists three deep) would cost far more than it does, while
 * `types { fields { type { fields { type { fields … } } } } }` would cost far less. The walk stops
 * once it passes `ceiling`, so it never does more work than the limit allows.
 */
function introspectionCost(
  schema: GraphQLSchema,
  field: FieldNode,
  definition: GraphQLField<unknown, unknown>,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Readonly<Record<string, unknown>>,
  ceiling: number,
  stopped: () => void,
): number {
  let spent = 0;
  const resolve = (def: GraphQLField<unknown, unknown>, node: FieldNode, source: unknown): unknown => {
    let args: Record<string, unknown> = {};
    try {
      args = getArgumentValues(def, node, variables as Record<string, unknown>);
    } catch {
      // Invalid arguments fail at execution; measure with none.
    }
    const info = { schema, fieldName: def.name } as unknown as GraphQLResolveInfo;
    return (def.resolve ?? defaultFieldResolver)(source, args, undefined, info);
  };

  function walk(selectionSet: SelectionSetNode, source: unknown, type: GraphQLNamedType): void {
    for (const selection of selectionSet.selections) {
      if (spent > ceiling) return;
      if (selection.kind === Kind.FIELD) {
        spent += 1;
        const def = isObjectType(type) ? type.getFields()[selection.name.value] : undefined;
        if (!def || !selection.selectionSet) continue;
        const value = resolve(def, selection, source);
        const itemType = getNamedType(def.type);
        const items = Array.isArray(value) ? value : value == null ? [] : [value];
        for (const item of items) {
          if (spent > ceiling) return;
          if (item != null) walk(selection.selectionSet, item, itemType);
        }
      } else {
        const condition =
          selection.kind === Kind.INLINE_FRAGMENT ? selection.typeCondition : fragments.get(selection.name.value)?.typeCondition;
        const body =
          selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : fragments.get(selection.name.value)?.selectionSet;
        if (body && (!condition || condition.name.value === type.name)) walk(body, source, type);
      }
    }
  }

  const root = resolve(definition, field, undefined);
  if (root != null && field.selectionSet) walk(field.selectionSet, root, getNamedType(definition.type));
  if (spent > ceiling) stopped();
  return spent;
}
