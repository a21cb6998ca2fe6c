import type { ApolloServer } from '@apollo/server';
import { execute, getIntrospectionQuery, Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultLimits } from '../../src/config';
import { createSchema } from '../../src/graphql/schema';
import { countTokens, measureOperation } from '../../src/plugins/operation-guard';
import { caller, calls, guardPlugin, schema, single, startServer, type TestContext } from './helpers';

// One graphql for everything, as under Node (see helpers.ts).

const { maxDepth, maxAliases, maxCost } = defaultLimits;

function measure(source: string, variables: Record<string, unknown> = {}, options = {}, on = schema) {
  const document = parse(source);
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION) operation ??= definition;
  }
  return measureOperation(on, operation!, fragments, variables, options);
}

/** `{ patient { guarantor { patient { guarantor { … { id } } } } } }`: `levels` fields deep, no lists. */
function nested(levels: number): string {
  let inner = 'id';
  for (let depth = levels - 1; depth >= 2; depth -= 1) inner = `${depth % 2 === 0 ? 'guarantor' : 'patient'} { ${inner} }`;
  return `{ patient(practiceId: "smile-dental", patientId: "p1") { ${inner} } }`;
}

/** `nested(levels)` with the chain under `patient` cut into two fragments on Patient, G spreading H. */
function nestedThroughFragments(levels: number): string {
  const chain = (fields: number, end: string) => {
    let inner = end;
    for (let i = fields; i >= 1; i -= 1) inner = `${i % 2 === 1 ? 'guarantor' : 'patient'} { ${inner} }`;
    return inner;
  };
  const between = levels - 2; // the fields between the root `patient` and the leaf `id`
  const inG = 2 * Math.floor(between / 4); // even: G ends on a Patient, where H applies
  return `
    { patient(practiceId: "a", patientId: "b") { ...G } }
    fragment G on Patient { ${chain(inG, '...H')} }
    fragment H on Patient { ${chain(between - inG, 'id')} }`;
}

/** The number of fields a result resolved: every key of every object in it. */
function fieldsIn(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + fieldsIn(item), 0);
  if (value && typeof value === 'object') {
    return Object.values(value).reduce((sum: number, item) => sum + 1 + fieldsIn(item), 0);
  }
  return 0;
}

describe('countTokens', () => {
  it.each([
    '{ practices { id } }',
    'query Q($n: Int = 3) { practices { patients(first: $n) { id } } } # a comment { } { }',
    'fragment F on Practice { id name }\nquery { practices { ...F } }',
    '{ practice(id: "a \\" b") { id, name } }',
  ])('counts exactly as the parser does for %j', (source) => {
    const tokens = countTokens(source);
    expect(() => parse(source, { maxTokens: tokens })).not.toThrow();
    expect(() => parse(source, { maxTokens: tokens - 1 })).toThrow(/tokens/);
  });

  it('leaves comments out and stops at a lexical error without throwing', () => {
    expect(countTokens('{ a } # { b } { c }')).toBe(3);
    expect(countTokens('{ a "unterminated')).toBe(2);
    expect(countTokens('{ a b c d e f }', 3)).toBe(4);
  });
});

describe('measureOperation (the cost model)', () => {
  it('costs each field 1 and a list field its sub-selection times listCost', () => {
    // practices: 1 + 10 × (id + name)
    expect(measure('{ practices { id name } }')).toEqual({ depth: 2, aliases: 0, cost: 21 });
  });

  it('multiplies a list under a list', () => {
    // practices 1 + 10 × (patients 1 + 10 × (charges 1 + 10 × fee 1)) = 1111
    expect(measure('{ practices { patients { charges { fee } } } }')).toEqual({ depth: 4, aliases: 0, cost: 1111 });
    expect(measure('{ practices { patients { charges { fee } } } }', {}, { listCost: 2 }).cost).toBe(1 + 2 * (1 + 2 * (1 + 2)));
  });

  it('uses `first` (literal or variable) instead of listCost', () => {
    expect(measure('{ practices { patients(first: 2) { id } } }').cost).toBe(1 + 10 * (1 + 2 * 1));
    expect(measure('query Q($n: Int) { practices { patients(first: $n) { id } } }', { n: 3 }).cost).toBe(1 + 10 * (1 + 3));
    // An unset variable falls back to listCost.
    expect(measure('query Q($n: Int) { practices { patients(first: $n) { id } } }').cost).toBe(1 + 10 * (1 + 10));
  });

  it('scores the same query the same however `first` is given (the gateway schema: `patients(first: Int = 50)`)', () => {
    const gateway = createSchema();
    const select = 'nodes { sourceId balance { total { cents } } }';
    const ways: Array<[string, Record<string, unknown>]> = [
      [`{ practice(id: "a") { patients(first: 50) { ${select} } } }`, {}],
      [`{ practice(id: "a") { patients { ${select} } } }`, {}], // the schema's default
      [`query Q($n: Int) { practice(id: "a") { patients(first: $n) { ${select} } } }`, { n: 50 }],
      [`query Q($n: Int = 50) { practice(id: "a") { patients(first: $n) { ${select} } } }`, {}], // the variable's default
      [`query Q($n: Int) { practice(id: "a") { patients(first: $n) { ${select} } } }`, {}], // unset: the schema's default
      [`query Q($n: Int) { practice(id: "a") { patients(first: $n) { ${select} } } }`, { n: null }], // null: the resolver's 50
    ];
    // practice 1 + patients (1 + nodes (1 + 50 × (sourceId 1 + balance (1 + total (1 + cents 1))))): the page's
    // size is the length of its list, counted once.
    expect(ways.map(([source, variables]) => measure(source, variables, {}, gateway).cost)).toEqual(ways.map(() => 203));
    const twoHundred = (source: string, variables: Record<string, unknown>) => measure(source, variables, {}, gateway);
    const inline = twoHundred(`{ practice(id: "a") { patients(first: 200) { ${select} } } }`, {});
    const defaulted = twoHundred(`query Q($n: Int = 200) { practice(id: "a") { patients(first: $n) { ${select} } } }`, {});
    expect(defaulted).toEqual(inline);
    expect(inline.cost).toBe(1 + 1 + 1 + 200 * 4);
    expect(inline.costDriver).toMatchObject({ field: 'Practice.patients', argument: 'first', multiplier: 200 });
  });

  it('counts non-list objects once, and leaves cost 1', () => {
    expect(measure('{ patient(practiceId: "a", patientId: "b") { id guarantor { id } } }')).toEqual({
      depth: 3,
      aliases: 0,
      cost: 1 + 1 + (1 + 1),
    });
  });

  it('follows fragments: depth through spreads, aliases and cost once per spread', () => {
    const source = `
      query { a: practice(id: "a") { ...P } b: practice(id: "b") { ...P } }
      fragment P on Practice { n1: name patients { ...Pt } }
      fragment Pt on Patient { id guarantor { id } }`;
    // practice 1 + (name 1 + patients (1 + 10 × (id 1 + guarantor 2))) = 33, twice.
    expect(measure(source)).toEqual({ depth: 4, aliases: 4, cost: 66 });
  });

  it('stays fast on exponentially many spreads (each fragment measured once)', () => {
    const fragments = Array.from({ length: 40 }, (_, i) =>
      i === 39 ? `fragment F${i} on Practice { id }` : `fragment F${i} on Practice { ...F${i + 1} ...F${i + 1} }`,
    );
    const result = measure(`{ practice(id: "a") { ...F0 } } ${fragments.join(' ')}`);
    expect(result.depth).toBe(2);
    expect(result.cost).toBe(1 + 2 ** 39);
  });

  it('costs introspection exactly: the standard query passes the defaults', () => {
    const result = measure(getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true }));
    expect(result.depth).toBeLessThanOrEqual(maxDepth);
    expect(result.cost).toBeGreaterThan(100);
    expect(result.cost).toBeLessThan(maxCost);
    // __type(name:) walks just that type: __type 1 + name 1 + fields 1 + 3 fields × name 1
    expect(measure('{ __type(name: "Practice") { name fields { name } } }').cost).toBe(6);
  });

  it('costs introspection as exactly the fields the result holds', async () => {
    const query = getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true });
    const result = await execute({ schema, document: parse(query) });
    expect(result.errors).toBeUndefined();
    expect(measure(query).cost).toBe(fieldsIn(result.data));
  });
});

describe('the operation guard: query limits', () => {
  let server: ApolloServer<TestContext>;
  const contextValue = (): TestContext => ({ caller: caller() });
  const run = (query: string, variables?: Record<string, unknown>) =>
    server.executeOperation({ query, variables }, { contextValue: contextValue() });

  beforeAll(async () => {
    // The config's defaults, but for a token limit small enough to write documents past it.
    server = await startServer([guardPlugin({ maxTokens: 400 })]);
  });
  afterAll(async () => server.stop());
  beforeEach(() => {
    calls.count = 0;
  });

  function expectRefused(
    response: Awaited<ReturnType<typeof run>>,
    limit: string,
    max: number,
    measured: number,
    hint: Record<string, unknown> = {},
  ) {
    const result = single(response);
    expect(result.data).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit, max, measured, ...hint });
    expect(result.errors![0]!.message).toContain(`${limit} ${max}`);
    expect(result.errors![0]!.message).toContain(String(measured));
    expect(response.http.status).toBe(400);
    expect(calls.count).toBe(0);
  }

  it('runs an operation within every limit', async () => {
    const response = await run(nested(maxDepth));
    expect(single(response).errors).toBeUndefined();
    expect(single(response).data).toMatchObject({ patient: { guarantor: { patient: { guarantor: {} } } } });
    expect(calls.count).toBe(1);
  });

  it('refuses a document nested deeper than maxDepth', async () => {
    const response = await run(nested(maxDepth + 1));
    expectRefused(response, 'maxDepth', maxDepth, maxDepth + 1);
    expect(single(response).errors![0]!.message).toBe(`query is too complex: depth ${maxDepth + 1} exceeds maxDepth ${maxDepth}`);
  });

  it('counts depth through fragments', async () => {
    const document = nestedThroughFragments(maxDepth + 1);
    expect(measure(document).depth).toBe(measure(nested(maxDepth + 1)).depth);
    expectRefused(await run(document), 'maxDepth', maxDepth, maxDepth + 1);
  });

  it('counts introspection fields in the depth (but not `ofType`)', async () => {
    // graphql's own MaxIntrospectionDepthRule allows two of fields/inputFields/interfaces/possibleTypes
    // in a path, so the deepest valid introspection is 11 here: check it against maxDepth 10.
    const deepest =
      '{ __schema { directives { args { type { fields { args { type { inputFields { type { enumValues { name } } } } } } } } } } }';
    expect(measure(deepest).depth).toBe(11);
    expect(measure('{ __type(name: "Patient") { ofType { ofType { ofType { name } } } } }').depth).toBe(2);
    const shallow = await startServer([guardPlugin({ maxDepth: 10 })]);
    try {
      const response = await shallow.executeOperation({ query: deepest }, { contextValue: contextValue() });
      expectRefused(response, 'maxDepth', 10, 11);
    } finally {
      await shallow.stop();
    }
  });

  it('refuses more aliases than maxAliases', async () => {
    const fields = Array.from({ length: maxAliases + 1 }, (_, i) => `a${i}: practice(id: "p${i}") { id }`).join(' ');
    expectRefused(await run(`{ ${fields} }`), 'maxAliases', maxAliases, maxAliases + 1);
    calls.count = 0;
    const fewer = Array.from({ length: maxAliases }, (_, i) => `a${i}: practice(id: "p${i}") { id }`).join(' ');
    expect(single(await run(`{ ${fewer} }`)).errors).toBeUndefined();
  });

  it('refuses an estimated cost above maxCost, with `first` taken from the variables', async () => {
    const query = 'query Q($n: Int) { practices { patients(first: $n) { charges { fee } } } }';
    // 1 + 10 × (1 + n × (1 + 10 × 1)) = 11 + 110 n
    const most = Math.floor((maxCost - 11) / 110);
    expect(single(await run(query, { n: most })).errors).toBeUndefined();
    calls.count = 0;
    const refused = await run(query, { n: most + 1 });
    // The refusal names the field and the largest `first` that passes (11 + 110 × most ≤ maxCost).
    expectRefused(refused, 'maxCost', maxCost, 11 + 110 * (most + 1), {
      field: 'Practice.patients',
      argument: 'first',
      multiplier: most + 1,
      suggested: most,
    });
    expect(single(refused).errors![0]!.message).toBe(
      `query is too complex: estimated cost ${11 + 110 * (most + 1)} exceeds maxCost ${maxCost}; ` +
        `Practice.patients(first: ${most + 1}) multiplies the cost by ${most + 1}: lower first to at most ${most}`,
    );
  });

  it('lets GraphiQL introspect with the default limits', async () => {
    const defaults = await startServer([guardPlugin()]);
    try {
      const ok = await defaults.executeOperation(
        { query: getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true }) },
        { contextValue: contextValue() },
      );
      expect(single(ok).errors).toBeUndefined();
      expect(single(ok).data).toHaveProperty('__schema.types');
    } finally {
      await defaults.stop();
    }
  });

  it('refuses introspection whose exact cost is above maxCost, stopping the walk at the limit', async () => {
    const selection = 'types { fields { type { ofType { ofType { fields { type { ofType { ofType { name } } } } } } } } }';
    const cost = measure(`{ __schema { ${selection} } }`).cost;
    const maxCost = 3 * cost;
    const small = await startServer([guardPlugin({ maxCost })]);
    try {
      const one = await small.executeOperation({ query: `{ __schema { ${selection} } }` }, { contextValue: contextValue() });
      expect(single(one).errors).toBeUndefined();
      expect(fieldsIn(single(one).data)).toBe(cost);
      const four = [1, 2, 3, 4].map((i) => `s${i}: __schema { ${selection} }`).join(' ');
      const refused = await small.executeOperation({ query: `{ ${four} }` }, { contextValue: contextValue() });
      const error = single(refused).errors![0]!;
      expect(error.extensions).toMatchObject({
        code: 'QUERY_TOO_COMPLEX',
        limit: 'maxCost',
        max: maxCost,
        measuredIsLowerBound: true,
      });
      expect(error.extensions!.measured).toBeGreaterThan(maxCost);
      expect(error.extensions!.measured).toBeLessThan(4 * cost);
      expect(error.message).toMatch(
        new RegExp(`^query is too complex: estimated cost of at least \\d+ exceeds maxCost ${maxCost}$`),
      );
      expect(refused.http.status).toBe(400);
    } finally {
      await small.stop();
    }
  });

  it('refuses more tokens than maxTokens before execution, even when the document is invalid', async () => {
    const big = `{ ${Array.from({ length: 100 }, (_, i) => `f${i}: practice(id: "x") { id }`).join(' ')} }`;
    const tokens = countTokens(big);
    expect(tokens).toBeGreaterThan(400);
    expectRefused(await run(big), 'maxTokens', 400, tokens);
    // A document with unknown fields would be a validation error: still reported as too many tokens.
    const invalid = `{ ${'nope '.repeat(401)} }`;
    expectRefused(await run(invalid), 'maxTokens', 400, 403);
  });

  it('with parseOptions.maxTokens the parser stops early and the answer is the same', async () => {
    const guarded = await startServer([guardPlugin({ maxTokens: 400 })], { parseOptions: { maxTokens: 400 } });
    try {
      const big = `{ ${'practices { id } '.repeat(200)} }`;
      const response = await guarded.executeOperation({ query: big }, { contextValue: contextValue() });
      expectRefused(response, 'maxTokens', 400, countTokens(big));
    } finally {
      await guarded.stop();
    }
  });

  it('measures again when the document comes from the document cache', async () => {
    const query = 'query Q($n: Int) { practices { patients(first: $n) { charges { fee } } } }';
    expect(single(await run(query, { n: 1 })).errors).toBeUndefined();
    calls.count = 0;
    const n = 5 * Math.ceil(maxCost / 110); // far past maxCost
    expectRefused(await run(query, { n }), 'maxCost', maxCost, 11 + 110 * n, {
      field: 'Practice.patients',
      argument: 'first',
      multiplier: n,
      suggested: Math.floor((maxCost - 11) / 110),
    });
  });
});
