import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { countTokens, fragmentsOf, measureOperation } from '../../src/plugins/operation-guard';
import { createGuardMemo } from '../../src/plugins/operation-guard/memo';
import { schema } from './helpers';

// The guard's per-document memo (src/plugins/operation-guard/memo.ts): the same answers as measuring
// each request afresh, computed once per document where the document alone decides them.

const options = { measure: { costCeiling: 10_000 }, introspectionFields: ['__schema', '__type'], stopTokensAfter: 100_000 };

function operationOf(document: ReturnType<typeof parse>): OperationDefinitionNode {
  return document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
}

const fresh = (source: ReturnType<typeof parse>, variables: Record<string, unknown>) =>
  measureOperation(schema, operationOf(source), fragmentsOf(source), variables, options.measure);

describe('guard memo', () => {
  it('measures an operation whose cost reads no variable once, and answers as a fresh measure would', () => {
    const memo = createGuardMemo(options);
    const document = parse('query Q($id: ID!) { practices { patients(first: 4) { id } } practice(id: $id) { id } }');
    const first = memo.measure(schema, document, operationOf(document), { id: 'a' });
    const again = memo.measure(schema, document, operationOf(document), { id: 'b' });
    expect(again).toBe(first); // the same object: not measured again
    expect(first).toEqual(fresh(document, { id: 'a' }));
  });

  it('measures again per request when a size argument is a variable', () => {
    const memo = createGuardMemo(options);
    const document = parse('query Q($n: Int) { practices { patients(first: $n) { id } } }');
    const small = memo.measure(schema, document, operationOf(document), { n: 2 });
    const large = memo.measure(schema, document, operationOf(document), { n: 300 });
    expect(small).toEqual(fresh(document, { n: 2 }));
    expect(large).toEqual(fresh(document, { n: 300 }));
    expect(large.cost).toBeGreaterThan(small.cost);
  });

  it('measures again a request whose variables do not coerce (its arguments then read as absent)', () => {
    const memo = createGuardMemo(options);
    const document = parse('query Q($id: ID!) { practices { patients(first: 4) { id } } practice(id: $id) { id } }');
    const valid = memo.measure(schema, document, operationOf(document), { id: 'a' });
    const invalid = memo.measure(schema, document, operationOf(document), { id: { not: 'an id' } });
    expect(invalid).not.toBe(valid);
    expect(invalid).toEqual(fresh(document, { id: { not: 'an id' } }));
  });

  it('measures introspection with variables per request', () => {
    const memo = createGuardMemo(options);
    const document = parse('query Q($name: String!) { __type(name: $name) { name fields { name } } }');
    for (const name of ['Patient', 'Query', 'Patient']) {
      expect(memo.measure(schema, document, operationOf(document), { name })).toEqual(fresh(document, { name }));
    }
  });

  it('counts a source text once and answers the same count', () => {
    const memo = createGuardMemo({ ...options, maxSources: 2 });
    const source = '{ practices { id } }';
    expect(memo.tokens(source)).toBe(countTokens(source));
    expect(memo.tokens(`${source} `)).toBe(countTokens(source));
    expect(memo.tokens('{ a b c }')).toBe(5); // evicts the oldest: the map stays at 2
    expect(memo.tokens(source)).toBe(countTokens(source));
    const long = `{ ${'a '.repeat(20_000)}}`;
    expect(memo.tokens(long)).toBe(countTokens(long)); // too long to keep, counted each time
  });

  it('decides introspection per document', () => {
    const memo = createGuardMemo(options);
    const plain = parse('{ practices { id __typename } }');
    const introspecting = parse('{ practices { id } __schema { queryType { name } } }');
    expect(memo.usesIntrospection(plain)).toBe(false);
    expect(memo.usesIntrospection(introspecting)).toBe(true);
    expect(memo.usesIntrospection(plain)).toBe(false);
  });
});
