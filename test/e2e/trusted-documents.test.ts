/**
 * Trusted documents (`apiKeys[].documents`): a key locked to a persisted-documents manifest runs the
 * manifest's documents by id, over HTTP and graphql-ws, and nothing else; automatic persisted
 * queries cannot register a hash for it. Keys without a manifest behave as before (APQ included).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { KEYS, startTestGateway, type TestGateway } from './harness';

const LOCKED = 'test-key-locked-to-manifest-0000000041';
/** Locked too, to smile-dental only: the manifest limits the documents, not the practices. */
const LOCKED_SMILE = 'test-key-locked-smile-dental-00000042';
/** Locked, with a rate of 2 a minute of its own: refusals are charged like operations. */
const LOCKED_SLOW = 'test-key-locked-two-a-minute-00000043';

const PATIENT =
  'query Patient($practiceId: ID!, $patientId: ID!) { patient(practiceId: $practiceId, patientId: $patientId) { firstName } }';
const PRACTICES = 'query Practices { practices { id } }';
/** In no manifest. */
const OTHER = 'query Other { practices { name } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const smile1002 = { practiceId: 'smile-dental', patientId: '1002' };

let t: TestGateway;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trusted-documents-'));
  const manifest = join(dir, 'persisted-documents.json');
  // As client-preset's persistedDocuments writes it: { "<hash>": "<document>" }.
  await writeFile(manifest, JSON.stringify({ [sha256(PATIENT)]: PATIENT, [sha256(PRACTICES)]: PRACTICES }, null, 2));
  t = await startTestGateway({
    config: (raw) => {
      raw.apiKeys.push(
        { name: 'locked', key: LOCKED, practices: ['*'], documents: manifest },
        { name: 'locked-smile', key: LOCKED_SMILE, practices: ['smile-dental'], documents: manifest },
        { name: 'locked-slow', key: LOCKED_SLOW, practices: ['*'], documents: manifest, requestsPerMinute: 2 },
      );
    },
  });
});
afterAll(async () => {
  await t?.close();
});

interface Answer {
  status: number;
  headers: Headers;
  data?: any;
  errors?: Array<{ message: string; extensions?: Record<string, any> }>;
}

async function post(key: string, body: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, ...((await response.json()) as object) };
}

const byHash = (document: string, variables: Record<string, unknown> = {}) => ({
  variables,
  extensions: { persistedQuery: { version: 1, sha256Hash: sha256(document) } },
});
const codes = (answer: { errors?: Array<{ extensions?: Record<string, any> }> }) => answer.errors?.map((e) => e.extensions?.code);

/** One operation over graphql-ws with any payload (persisted-document fields included). */
async function overWs(key: string, payload: Record<string, unknown>) {
  const client = createClient({
    url: `${t.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: true,
  });
  try {
    return await new Promise<{ data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> }>(
      (resolve, reject) => {
        let result: { data?: any; errors?: any[] } = {};
        client.subscribe(payload as { query: string }, {
          next: (value) => (result = value as typeof result),
          error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
          complete: () => resolve(result),
        });
      },
    );
  } finally {
    await client.dispose();
  }
}

describe('a key locked to a manifest, over HTTP', () => {
  it('runs a document of its manifest named by extensions.persistedQuery.sha256Hash', async () => {
    const answer = await post(LOCKED, byHash(PATIENT, smile1002));
    expect(answer.errors).toBeUndefined();
    expect(answer.data.patient.firstName).toEqual(expect.any(String));
  });

  it('runs one named by documentId, bare or prefixed sha256:, and by GET', async () => {
    const bare = await post(LOCKED, { documentId: sha256(PRACTICES) });
    const prefixed = await post(LOCKED, { documentId: `sha256:${sha256(PRACTICES)}` });
    expect(bare.data.practices.map((p: { id: string }) => p.id)).toContain('smile-dental');
    expect(prefixed.data).toEqual(bare.data);
    const search = new URLSearchParams({ extensions: JSON.stringify(byHash(PRACTICES).extensions) });
    const get = await fetch(`${t.url}/graphql?${search}`, {
      headers: { authorization: `Bearer ${LOCKED}`, 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect(((await get.json()) as Answer).data).toEqual(bare.data);
    const getById = await fetch(`${t.url}/graphql?${new URLSearchParams({ documentId: sha256(PRACTICES) })}`, {
      headers: { authorization: `Bearer ${LOCKED}`, 'apollo-require-preflight': 'true' },
    });
    expect(((await getById.json()) as Answer).data).toEqual(bare.data);
  });

  it('refuses an unknown hash with PERSISTED_QUERY_NOT_FOUND, asking nothing upstream', async () => {
    t.nex.resetRequestLog();
    const answer = await post(LOCKED, byHash(`${PATIENT} `, smile1002));
    expect(answer.status).toBe(200);
    expect(answer.data).toBeUndefined();
    expect(codes(answer)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(answer.headers.get('cache-control')).toMatch(/no-cache/);
    const unknownId = await post(LOCKED, { documentId: 'not-in-the-manifest' });
    expect(codes(unknownId)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(t.nex.requests).toEqual([]);
  });

  it('refuses query text with PERSISTED_QUERY_NOT_ALLOWED, even the text of one of its documents', async () => {
    t.nex.resetRequestLog();
    for (const query of [OTHER, PATIENT]) {
      const answer = await post(LOCKED, { query, variables: smile1002 });
      expect(answer.status).toBe(400);
      expect(answer.data).toBeUndefined();
      expect(codes(answer)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    }
    const get = await fetch(`${t.url}/graphql?${new URLSearchParams({ query: OTHER })}`, {
      headers: { authorization: `Bearer ${LOCKED}`, 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(400);
    expect(codes((await get.json()) as Answer)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect(codes(await post(LOCKED, {}))).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect(t.nex.requests).toEqual([]);
  });

  it('keeps the key’s practices: a manifest document for another practice is FORBIDDEN', async () => {
    const answer = await post(LOCKED_SMILE, byHash(PATIENT, { practiceId: 'northside', patientId: '1' }));
    expect(codes(answer)).toEqual(['FORBIDDEN']);
  });
});

describe('the rate of a locked key', () => {
  it('counts refusals, over HTTP and graphql-ws alike, so they cannot be sent faster than operations', async () => {
    expect(codes(await post(LOCKED_SLOW, { query: OTHER }))).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect(codes(await overWs(LOCKED_SLOW, { query: '', documentId: 'unknown' }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const limited = await post(LOCKED_SLOW, { query: OTHER });
    expect(limited.status).toBe(429);
    expect(codes(limited)).toEqual(['RATE_LIMITED']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(codes(await overWs(LOCKED_SLOW, { query: OTHER }))).toEqual(['RATE_LIMITED']);
    expect(codes(await post(LOCKED_SLOW, byHash(PRACTICES)))).toEqual(['RATE_LIMITED']);
  });
});

describe('automatic persisted queries', () => {
  it('still register and run for a key without a manifest', async () => {
    const registered = await post(KEYS.all, { query: OTHER, ...byHash(OTHER) });
    expect(registered.errors).toBeUndefined();
    const byHashOnly = await post(KEYS.all, byHash(OTHER));
    expect(byHashOnly.errors).toBeUndefined();
    expect(byHashOnly.data).toEqual(registered.data);
  });

  it('cannot register for a locked key, nor serve it a hash another key registered', async () => {
    const query = 'query Registered { practices { id name } }';
    const register = await post(LOCKED, { query, ...byHash(query) });
    expect(codes(register)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect(register.errors![0]!.message).toMatch(/automatic persisted queries/);
    // Not even its own manifest's document may be sent as text beside its hash.
    expect(codes(await post(LOCKED, { query: PRACTICES, ...byHash(PRACTICES) }))).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect(codes(await post(LOCKED, byHash(query)))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);

    expect((await post(KEYS.all, { query, ...byHash(query) })).errors).toBeUndefined();
    expect((await post(KEYS.all, byHash(query))).errors).toBeUndefined();
    expect(codes(await post(LOCKED, byHash(query)))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });
});

describe('a key locked to a manifest, over graphql-ws', () => {
  it('runs a document of its manifest by hash or documentId', async () => {
    const answer = await overWs(LOCKED, { query: '', ...byHash(PATIENT, smile1002) });
    expect(answer.errors).toBeUndefined();
    expect(answer.data.patient.firstName).toEqual(expect.any(String));
    const byId = await overWs(LOCKED, { query: '', documentId: sha256(PRACTICES) });
    expect(byId.data.practices.map((p: { id: string }) => p.id)).toContain('smile-dental');
  });

  it('refuses query text and unknown ids, as over HTTP, asking nothing upstream', async () => {
    t.nex.resetRequestLog();
    expect(codes(await overWs(LOCKED, { query: PATIENT, variables: smile1002 }))).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect(codes(await overWs(LOCKED, { query: PATIENT, ...byHash(PATIENT, smile1002) }))).toEqual([
      'PERSISTED_QUERY_NOT_ALLOWED',
    ]);
    expect(codes(await overWs(LOCKED, { query: '', ...byHash(OTHER) }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(t.nex.requests).toEqual([]);
  });

  it('leaves keys without a manifest free to send text', async () => {
    const answer = await overWs(KEYS.all, { query: PRACTICES });
    expect(answer.errors).toBeUndefined();
    expect(answer.data.practices.map((p: { id: string }) => p.id)).toContain('smile-dental');
  });
});
