/**
 * graphql-ws operations obey the same limits as HTTP: query limits (tokens, depth, aliases, cost),
 * the per-key rate limit, and introspection per key. Before, the socket bypassed Apollo's plugins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, startTestGateway, type TestGateway } from '../e2e/harness';
import { wsCodes, wsOnce } from './ws';

const TINY = 'test-key-tiny-rate-limit-00000000009';
let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({
    config: (raw) => {
      raw.limits = { maxDepth: 4, maxAliases: 3, maxTokens: 200, maxCost: 20000 };
      raw.apiKeys.push({ name: 'tiny', key: TINY, practices: ['smile-dental'], requestsPerMinute: 2 });
    },
  });
});
afterAll(async () => {
  await t?.close();
});

const SHALLOW = 'subscription { transactionStatusChanged(practiceId: "smile-dental") { transactionId status } }';
const DEEP = `subscription { transactionStatusChanged(practiceId: "smile-dental") {
  records { ... on Payment { charge { claim { provider: sourceId } provider { name } } } } } }`;
const ALIASES = `subscription { transactionStatusChanged(practiceId: "smile-dental") { a: transactionId b: status c: kind d: id } }`;
const TOKENS = `subscription { transactionStatusChanged(practiceId: "smile-dental") { ${'transactionId '.repeat(250)} } }`;

describe('graphql-ws operations obey the query limits', () => {
  it('a shallow subscription is accepted (no error within the wait)', async () => {
    const outcome = await wsOnce(t.url, KEYS.smile, SHALLOW, {}, 300);
    expect(wsCodes(outcome)).toEqual([]);
  });

  it.each([
    ['depth', DEEP, 'maxDepth'],
    ['aliases', ALIASES, 'maxAliases'],
    ['tokens', TOKENS, 'maxTokens'],
  ])('too many %s → QUERY_TOO_COMPLEX', async (_what, query, limit) => {
    const outcome = await wsOnce(t.url, KEYS.smile, query, {}, 1000);
    expect(wsCodes(outcome)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(outcome.errors[0]?.extensions?.limit).toBe(limit);
    expect(outcome.errors[0]?.extensions?.http).toBeUndefined();
    // The same document over HTTP as a query is refused the same way (parity).
  });

  it('queries sent over the socket are limited too (graphql-ws executes queries and mutations)', async () => {
    const deepQuery =
      '{ patient(practiceId: "smile-dental", patientId: "1") { guarantor { patients { guarantor { sourceId } } } } }';
    const outcome = await wsOnce(t.url, KEYS.smile, deepQuery, {}, 1000);
    expect(wsCodes(outcome)).toEqual(['QUERY_TOO_COMPLEX']);
    const http = await t.gql(deepQuery, {}, KEYS.smile);
    expect(http.errors?.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});

describe('graphql-ws operations obey the per-key rate limit', () => {
  it('the third operation of a 2-per-minute key is RATE_LIMITED with retryAfterSeconds', async () => {
    const codes: string[][] = [];
    for (let i = 0; i < 3; i++) codes.push(wsCodes(await wsOnce(t.url, TINY, SHALLOW, {}, 200)));
    expect(codes).toEqual([[], [], ['RATE_LIMITED']]);
    const last = await wsOnce(t.url, TINY, SHALLOW, {}, 200);
    expect(last.errors[0]?.extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Other keys are unaffected.
    expect(wsCodes(await wsOnce(t.url, KEYS.smile, SHALLOW, {}, 200))).toEqual([]);
  });
});
