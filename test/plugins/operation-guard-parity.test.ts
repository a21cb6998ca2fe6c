/**
 * One verdict per document, whichever transport carries it: each case runs over HTTP (Apollo) and
 * over graphql-ws against one gateway, and both answers must be the same — the same errors (message
 * and extensions, without HTTP's status and headers) or the same data. Queries are used throughout,
 * since graphql-ws executes queries as well as subscriptions and HTTP does not subscribe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, startTestGateway, type TestGateway } from '../e2e/harness';
import { wsOnce } from '../hardening/ws';

const LIMITS = { maxDepth: 4, maxAliases: 3, maxTokens: 200, maxCost: 2000 };
/** A key of its own for the rate case, so no other case spends its budget. */
const PAIR = { name: 'pair', key: 'test-key-parity-rate-limit-00000000011', requestsPerMinute: 2 };

interface Answer {
  data?: unknown;
  errors?: Array<{ message: string; locations?: unknown; extensions?: Record<string, unknown> }>;
}

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({
    config: (raw) => {
      raw.limits = LIMITS;
      raw.apiKeys.push({ name: PAIR.name, key: PAIR.key, practices: ['*'], requestsPerMinute: PAIR.requestsPerMinute });
    },
  });
});
afterAll(async () => {
  await t?.close();
});

async function overHttp(query: string, variables: Record<string, unknown>, key: string): Promise<Answer & { status: number }> {
  const { status, data, errors } = await t.gql(query, variables, key);
  return { status, ...(data !== undefined ? { data } : {}), ...(errors ? { errors } : {}) };
}

async function overWs(query: string, variables: Record<string, unknown>, key: string): Promise<Answer> {
  const outcome = await wsOnce(t.url, key, query, variables, 5000);
  if (outcome.errors.length) return { errors: outcome.errors };
  expect(outcome.results).toHaveLength(1);
  const [result] = outcome.results;
  return { ...(result!.data !== undefined ? { data: result!.data } : {}), ...(result!.errors ? { errors: result!.errors } : {}) };
}

const deep = '{ patient(practiceId: "smile-dental", patientId: "1") { guarantor { patients { guarantor { sourceId } } } } }';
const aliases = '{ a: practices { id } b: practices { id } c: practices { id } d: practices { id } }';
const tokens = `{ practices { ${'id '.repeat(200)}} }`;
const invalidAndLong = `{ ${'nope '.repeat(201)}}`;
// practices 1 + 10 × (patients 1 + (nodes 1 + n × sourceId 1)) = 21 + 10 n: n ≤ 197 within maxCost (the
// page's size is the length of its `nodes`)
const costly = 'query Costly($n: Int) { practices { patients(first: $n) { nodes { sourceId } } } }';
/** The same, with `first` given by the variable's default: the same cost. */
const costlyByDefault = 'query CostlyByDefault($n: Int = 198) { practices { patients(first: $n) { nodes { sourceId } } } }';
const refusedAt198 = {
  code: 'QUERY_TOO_COMPLEX',
  limit: 'maxCost',
  max: LIMITS.maxCost,
  measured: 21 + 10 * 198,
  field: 'Practice.patients',
  argument: 'first',
  multiplier: 198,
  suggested: 197,
};
const introspection = '{ __schema { queryType { name } } }';
const typeIntrospection = '{ __type(name: "Patient") { name } }';
const deepIntrospection = '{ __schema { types { fields { type { name } } } } }';

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  key: string;
  /** `null`: answered with data and no error; else the one error's code and, for QUERY_TOO_COMPLEX, its limit. */
  refused: { code: string; limit?: string; max?: number; measured?: number } | null;
}

const cases: Case[] = [
  { name: 'within every limit', query: '{ practices { id name capabilities { webhooks } } }', key: KEYS.all, refused: null },
  {
    name: 'depth',
    query: deep,
    key: KEYS.all,
    refused: { code: 'QUERY_TOO_COMPLEX', limit: 'maxDepth', max: LIMITS.maxDepth, measured: 5 },
  },
  {
    name: 'aliases',
    query: aliases,
    key: KEYS.all,
    refused: { code: 'QUERY_TOO_COMPLEX', limit: 'maxAliases', max: LIMITS.maxAliases, measured: 4 },
  },
  {
    name: 'tokens',
    query: tokens,
    key: KEYS.all,
    refused: { code: 'QUERY_TOO_COMPLEX', limit: 'maxTokens', max: LIMITS.maxTokens, measured: 205 },
  },
  {
    name: 'tokens before validation (an over-long invalid document)',
    query: invalidAndLong,
    key: KEYS.all,
    refused: { code: 'QUERY_TOO_COMPLEX', limit: 'maxTokens', max: LIMITS.maxTokens, measured: 203 },
  },
  { name: 'cost within the limit (variables read)', query: costly, variables: { n: 197 }, key: KEYS.smile, refused: null },
  { name: 'cost (variables read)', query: costly, variables: { n: 198 }, key: KEYS.all, refused: refusedAt198 },
  { name: 'cost (a variable default read)', query: costlyByDefault, key: KEYS.all, refused: refusedAt198 },
  { name: 'introspection, key allows it', query: introspection, key: KEYS.smile, refused: null },
  { name: 'introspection, key disables it', query: introspection, key: KEYS.noIntrospection, refused: { code: 'FORBIDDEN' } },
  {
    name: '__type, key disables introspection',
    query: typeIntrospection,
    key: KEYS.noIntrospection,
    refused: { code: 'FORBIDDEN' },
  },
  {
    name: 'limits before introspection (too deep, key disables it)',
    query: deepIntrospection,
    key: KEYS.noIntrospection,
    refused: { code: 'QUERY_TOO_COMPLEX', limit: 'maxDepth', max: LIMITS.maxDepth, measured: 5 },
  },
];

describe('one verdict over HTTP and graphql-ws', () => {
  it.each(cases)('$name', async ({ query, variables = {}, key, refused }) => {
    const { status, ...http } = await overHttp(query, variables, key);
    const ws = await overWs(query, variables, key);
    expect(ws).toEqual(http);
    if (refused === null) {
      expect(http.errors).toBeUndefined();
      expect(http.data).toBeTruthy();
      expect(status).toBe(200);
    } else {
      expect(http.data ?? null).toBeNull();
      expect(http.errors).toHaveLength(1);
      const { code, ...detail } = refused;
      expect(http.errors![0]!.extensions).toEqual({ code, ...detail });
      if (code === 'QUERY_TOO_COMPLEX') expect(status).toBe(400);
    }
  });

  it('validation before the limits: an invalid, too deep document is refused as invalid on both', async () => {
    const invalidDeep =
      '{ patient(practiceId: "smile-dental", patientId: "1") { guarantor { patients { guarantor { zzz } } } } }';
    const http = await overHttp(invalidDeep, {}, KEYS.all);
    const ws = await overWs(invalidDeep, {}, KEYS.all);
    expect(http.errors?.map((e) => e.message)).toEqual(['Cannot query field "zzz" on type "Guarantor".']);
    expect(ws.errors?.map((e) => e.message)).toEqual(http.errors?.map((e) => e.message));
    expect(ws.errors?.map((e) => e.extensions?.code)).not.toContain('QUERY_TOO_COMPLEX');
  });

  it('rate: one budget per key across both transports, the same refusal on each once it is spent', async () => {
    const query = '{ practices { id } }';
    const first = await overHttp(query, {}, PAIR.key);
    const second = await overWs(query, {}, PAIR.key);
    expect(first.errors).toBeUndefined();
    expect(second).toEqual({ data: first.data });
    const { status, ...http } = await overHttp(query, {}, PAIR.key);
    const ws = await overWs(query, {}, PAIR.key);
    expect(status).toBe(429);
    // Seconds until a token is back (2 a minute: at most 30); both are read a moment apart.
    const seconds = (answer: Answer) => answer.errors?.[0]?.extensions?.retryAfterSeconds as number;
    for (const answer of [http, ws]) {
      expect(answer.errors).toHaveLength(1);
      expect(seconds(answer)).toBeGreaterThanOrEqual(1);
      expect(seconds(answer)).toBeLessThanOrEqual(30);
    }
    const withoutSeconds = (answer: Answer) =>
      answer.errors!.map(({ message, extensions }) => ({
        message: message.replace(/retry after \d+ s/, 'retry after N s'),
        extensions: { ...extensions, retryAfterSeconds: 'N' },
      }));
    expect(withoutSeconds(ws)).toEqual(withoutSeconds(http));
    expect(withoutSeconds(http)).toEqual([
      {
        message: `rate limit exceeded for API key "${PAIR.name}"; retry after N s`,
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 'N' },
      },
    ]);
    // The rate comes first: a document that is also too long is still answered RATE_LIMITED on both.
    const longHttp = await overHttp(tokens, {}, PAIR.key);
    const longWs = await overWs(tokens, {}, PAIR.key);
    expect(longHttp.status).toBe(429);
    expect(withoutSeconds(longHttp)).toEqual(withoutSeconds(http));
    expect(withoutSeconds(longWs)).toEqual(withoutSeconds(http));
  });

  it('without a key neither transport reaches the guard: HTTP 401, the socket closed 4403 before any operation', async () => {
    const http = await t.gql(introspection, {}, null);
    expect(http.status).toBe(401);
    expect(http.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    const ws = await wsOnce(t.url, null, introspection, {}, 5000);
    expect(ws.closeCode).toBe(4403);
    expect(ws.results).toEqual([]);
  });
});
