/**
 * The operation guard's own contract, in process: defaults from the config, the order of its steps,
 * the documents slot, the token count's bound, and what each adapter hands its transport.
 */
import { type GraphQLError, parse, print, type ExecutionArgs } from 'graphql';
import { describe, expect, it } from 'vitest';
import { defaultLimits } from '../../src/config';
import { gatewayError } from '../../src/graphql/errors';
import { createOperationGuard, graphqlWsOperationGuard, type DocumentsCheck } from '../../src/plugins/operation-guard';
import { caller, guardPlugin, schema, single, startServer } from './helpers';

// One graphql for everything, as under Node (see helpers.ts).

const wsErrors = (result: unknown) => (result as GraphQLError[]).map((error) => error.toJSON());

describe('createOperationGuard', () => {
  it('takes its defaults from the config’s limits block', () => {
    // The operation limits only: the block also holds limits enforced elsewhere (websockets, amounts).
    const { maxDepth, maxAliases, maxTokens, maxCost, requestsPerMinute, maxBodyBytes } = defaultLimits;
    const guardDefaults = { maxDepth, maxAliases, maxTokens, maxCost, requestsPerMinute, maxBodyBytes };
    expect(createOperationGuard().limits).toEqual(guardDefaults);
    expect(createOperationGuard({ maxDepth: 3 }).limits).toEqual({ ...guardDefaults, maxDepth: 3 });
  });

  it('checks the rate before the source: a refused request is neither counted nor shown to the documents check', () => {
    const seen: string[] = [];
    const guard = createOperationGuard({ requestsPerMinute: 1, now: () => 0, documents: ({ source }) => void seen.push(source) });
    expect(guard.admit(caller('k'))).toBeUndefined();
    expect(guard.checkSource('{ practices { id } }', caller('k'))).toBeUndefined();
    expect(guard.admit(caller('k'))?.extensions.code).toBe('RATE_LIMITED');
    expect(seen).toEqual(['{ practices { id } }']);
  });

  it('refuses introspection without a key as UNAUTHENTICATED, with a key that disables it as FORBIDDEN', () => {
    const guard = createOperationGuard();
    const document = parse('{ __type(name: "Patient") { name } }');
    const check = (who: ReturnType<typeof caller> | null) =>
      guard.checkOperation({ schema, document, operation: undefined, variables: {}, caller: who })?.extensions.code;
    expect(check(null)).toBe('UNAUTHENTICATED');
    expect(check({ ...caller(), introspection: false })).toBe('FORBIDDEN');
    expect(check(caller())).toBeUndefined();
  });

  it('bounds the token count by maxBodyBytes: past it the measure is a lower bound', () => {
    const guard = createOperationGuard({ maxTokens: 10, maxBodyBytes: 50 });
    expect(guard.checkSource(`{ ${'a '.repeat(20)}}`, caller())?.extensions).toMatchObject({ limit: 'maxTokens', measured: 22 });
    expect(guard.checkSource(`{ ${'a '.repeat(100)}}`, caller())?.extensions).toMatchObject({
      limit: 'maxTokens',
      max: 10,
      measured: 51,
      measuredIsLowerBound: true,
    });
  });
});

describe('the documents slot (persisted / trusted documents)', () => {
  const allowList: DocumentsCheck = ({ source, caller: who }) =>
    source.includes('practices') ? undefined : gatewayError('FORBIDDEN', `document not allowed for "${who?.keyName}"`);

  it('allows every document by default', () => {
    expect(createOperationGuard().checkSource('{ anything }', caller())).toBeUndefined();
  });

  it('refuses the same document the same way through both adapters', async () => {
    const server = await startServer([guardPlugin({ documents: allowList })]);
    const guardWs = graphqlWsOperationGuard(createOperationGuard({ documents: allowList }), schema);
    try {
      for (const query of ['{ practices { id } }', '{ practice(id: "x") { id } }']) {
        const http = single(await server.executeOperation({ query }, { contextValue: { caller: caller() } }));
        const ws = guardWs(caller(), { query });
        if (http.errors) expect(wsErrors(ws)).toEqual(http.errors);
        else expect(Array.isArray(ws)).toBe(false);
      }
      const refused = single(
        await server.executeOperation({ query: '{ practice(id: "x") { id } }' }, { contextValue: { caller: caller() } }),
      );
      expect(refused.errors).toEqual([{ message: 'document not allowed for "portal"', extensions: { code: 'FORBIDDEN' } }]);
    } finally {
      await server.stop();
    }
  });
});

describe('graphqlWsOperationGuard', () => {
  const guardWs = graphqlWsOperationGuard(createOperationGuard({ maxDepth: 2 }), schema);

  it('hands graphql-ws the parsed, validated document to execute', () => {
    const args = guardWs(caller(), {
      query: 'query P($id: ID!) { practice(id: $id) { id } }',
      operationName: 'P',
      variables: { id: 'a' },
    }) as ExecutionArgs;
    expect(print(args.document)).toBe(print(parse('query P($id: ID!) { practice(id: $id) { id } }')));
    expect(args).toMatchObject({ schema, operationName: 'P', variableValues: { id: 'a' } });
    expect(args).not.toHaveProperty('contextValue'); // graphql-ws's own context applies
  });

  it('returns validation errors before measuring, refusals without their HTTP head, and leaves syntax errors to graphql-ws', () => {
    const invalid = wsErrors(guardWs(caller(), { query: '{ practice(id: "a") { zzz { id } } }' }));
    expect(invalid.map((e) => e.message)).toEqual(['Cannot query field "zzz" on type "Practice".']);
    const deep = wsErrors(guardWs(caller(), { query: '{ patient(practiceId: "a", patientId: "b") { guarantor { id } } }' }));
    expect(deep).toEqual([
      {
        message: 'query is too complex: depth 3 exceeds maxDepth 2',
        extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'maxDepth', max: 2, measured: 3 },
      },
    ]);
    expect(guardWs(caller(), { query: '{ practices {' })).toBeUndefined();
  });
});
