/**
 * CORS on /graphql (`server.corsOrigins`): a listed origin may call the API from a browser and its
 * preflight is answered; any other origin gets no CORS header; credentials are never allowed; and
 * with the default (no origins) no CORS header is written at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, startTestGateway, type TestGateway } from './harness';

const APP = 'https://app.example.com';
const LOCAL = 'http://localhost:5173';
const OTHER = 'https://evil.example.net';

let withCors: TestGateway;
let plain: TestGateway;

function post(t: TestGateway, origin: string, key: string | null = KEYS.all) {
  return fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query: '{ practices { id } }' }),
  });
}

function preflight(t: TestGateway, origin: string) {
  return fetch(`${t.url}/graphql`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
}

/** Every access-control-* header of a response. */
function corsHeaders(response: Response): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-')));
}

describe('server.corsOrigins listed', () => {
  beforeAll(async () => {
    withCors = await startTestGateway({ config: (raw) => (raw.server.corsOrigins = [APP, LOCAL]) });
  });
  afterAll(async () => {
    await withCors?.close();
  });

  it('answers a listed origin with its own Access-Control-Allow-Origin, never credentials', async () => {
    for (const origin of [APP, LOCAL]) {
      const response = await post(withCors, origin);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { data: { practices: unknown[] } }).data.practices.length).toBeGreaterThan(0);
      expect(corsHeaders(response)).toEqual({
        'access-control-allow-origin': origin,
        'access-control-expose-headers': 'retry-after, x-request-id',
      });
      expect(response.headers.get('vary')).toMatch(/Origin/);
    }
  });

  it('lets a listed origin read a refusal too (no key: 401)', async () => {
    const response = await post(withCors, APP, null);
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('gives another origin no CORS header (the browser keeps the answer from it)', async () => {
    const response = await post(withCors, OTHER);
    expect(corsHeaders(response)).toEqual({});
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  it('answers a listed origin’s preflight with the methods and headers, without credentials', async () => {
    const response = await preflight(withCors, APP);
    expect(response.status).toBe(204);
    expect(corsHeaders(response)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers':
        'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id',
      'access-control-max-age': '600',
    });
  });

  it('answers another origin’s preflight with nothing it could use', async () => {
    const response = await preflight(withCors, OTHER);
    expect(response.status).toBe(204);
    expect(corsHeaders(response)).toEqual({});
  });
});

describe('server.corsOrigins by default (none)', () => {
  beforeAll(async () => {
    plain = await startTestGateway();
  });
  afterAll(async () => {
    await plain?.close();
  });

  it('writes no CORS header, on a request or a preflight', async () => {
    expect(plain.config.server.corsOrigins).toEqual([]);
    const response = await post(plain, APP);
    expect(response.status).toBe(200);
    expect(corsHeaders(response)).toEqual({});
    const pre = await preflight(plain, APP);
    expect(corsHeaders(pre)).toEqual({});
    expect(pre.status).toBe(404);
  });
});
