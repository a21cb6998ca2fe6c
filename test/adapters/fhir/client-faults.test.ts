/**
 * The FHIR client's wire behaviour against a small fake server written here (node:http on port 0):
 * discovery once, the token form and assertion, token reuse, a token that expires mid-request (one
 * re-token, one re-send), a 429 storm (Retry-After honoured and capped, 3 retries then
 * UPSTREAM_UNAVAILABLE), an endless page chain (error at the bound), and a search the profile does
 * not allow (never sent). Waits run on a recording fake clock: no real sleeps.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify } from 'jose';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PAGES, searchAll } from '../../../src/adapters/ledger/fhir/bundle';
import { FhirClient } from '../../../src/adapters/ledger/fhir/client';
import { fhirConnectionSchema } from '../../../src/adapters/ledger/fhir/connection';
import { UpstreamError } from '../../../src/adapters/ledger/port';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let keys: { privatePem: string; publicPem: string };
let server: Server;
let base: string;
let seen: Seen[];
let handler: (req: Seen, res: ServerResponse) => void;
let issued: string[];
let revoked: Set<string>;

beforeAll(async () => {
  const pair = await generateKeyPair('RS384', { extractable: true });
  keys = { privatePem: await exportPKCS8(pair.privateKey), publicPem: await exportSPKI(pair.publicKey) };
});

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/fhir+json', ...headers });
  res.end(JSON.stringify(body));
}

/** Token endpoint + discovery; everything else goes to `handler` after a bearer check. */
async function route(req: Seen, res: ServerResponse) {
  if (req.path === '/fhir/.well-known/smart-configuration') {
    return json(res, 200, {
      token_endpoint: `${base}/token`,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384'],
    });
  }
  if (req.path === '/token') {
    const form = new URLSearchParams(req.body);
    await jwtVerify(form.get('client_assertion') ?? '', await importSPKI(keys.publicPem, 'RS384'), {
      audience: `${base}/token`,
      issuer: 'client-1',
    });
    const token = `t${issued.length + 1}`;
    issued.push(token);
    return json(res, 200, { access_token: token, token_type: 'bearer', expires_in: 300, scope: form.get('scope') });
  }
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!token || !issued.includes(token) || revoked.has(token))
    return json(res, 401, { resourceType: 'OperationOutcome', issue: [] });
  handler(req, res);
}

beforeEach(async () => {
  seen = [];
  issued = [];
  revoked = new Set();
  handler = (_req, res) => json(res, 404, {});
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const s = { method: req.method!, path: req.url!, headers: req.headers, body };
      seen.push(s);
      route(s, res).catch(() => json(res, 401, { error: 'invalid_client' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

function client(profile: 'oracle-health' | 'generic' = 'generic', waits: number[] = []) {
  const connection = fhirConnectionSchema.parse({
    profile,
    baseUrl: `${base}/fhir`,
    clientId: 'client-1',
    privateKeyPem: keys.privatePem,
    keyId: 'k1',
  });
  return new FhirClient(connection, {
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
  });
}

const dataCalls = () => seen.filter((s) => /^\/fhir[/?]/.test(s.path) && !s.path.includes('.well-known'));

describe('FHIR client', () => {
  it('discovers once, sends the SMART form, and reuses the token', async () => {
    handler = (req, res) => json(res, 200, { resourceType: 'Patient', id: req.path.split('/').at(-1) });
    const c = client();
    await c.read('Patient/p1');
    await c.read('Patient/p2');
    expect(seen.filter((s) => s.path.includes('.well-known'))).toHaveLength(1);
    const tokenCalls = seen.filter((s) => s.path === '/token');
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(tokenCalls[0]!.body);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(form.get('scope')).toContain('system/PaymentReconciliation.write');
    for (const call of dataCalls()) {
      expect(call.headers.accept).toBe('application/fhir+json');
      expect(call.headers.authorization).toBe('Bearer t1');
    }
    await c.close();
  });

  it('re-tokens once when the token expires mid-request, then fails UPSTREAM_UNAVAILABLE on a second 401', async () => {
    handler = (_req, res) => json(res, 200, { resourceType: 'Patient', id: 'p1' });
    const c = client();
    await c.read('Patient/p1');
    revoked.add('t1'); // the server expires it early
    await c.read('Patient/p1');
    expect(issued).toEqual(['t1', 't2']);
    expect(dataCalls().map((s) => s.headers.authorization)).toEqual(['Bearer t1', 'Bearer t1', 'Bearer t2']);
    // Every token refused: one re-token, then the error.
    handler = (_req, res) => json(res, 401, { resourceType: 'OperationOutcome', issue: [] });
    const err = await c.read('Patient/p1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(issued).toHaveLength(3);
    await c.close();
  });

  it('a 429 storm: honours Retry-After (capped at 30 s), 3 retries, then UPSTREAM_UNAVAILABLE', async () => {
    let n = 0;
    handler = (_req, res) => {
      n++;
      json(
        res,
        429,
        { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled' }] },
        n === 2 ? { 'retry-after': '120' } : n === 1 ? { 'retry-after': '2' } : {},
      );
    };
    const waits: number[] = [];
    const c = client('generic', waits);
    const err = await c.read('Patient/p1').catch((e: unknown) => e);
    expect((err as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((err as UpstreamError).status).toBe(429);
    expect(n).toBe(4);
    // 2 s as asked, 120 s capped to 30 s, then 4 s + 125 ms jitter (the third backoff step)
    expect(waits).toEqual([2000, 30_000, 4125]);
    await c.close();
  });

  it('an endless page chain stops at the bound with an error', async () => {
    handler = (req, res) => {
      const page = Number(new URL(req.path, base).searchParams.get('page') ?? '1');
      json(res, 200, {
        resourceType: 'Bundle',
        type: 'searchset',
        link: [{ relation: 'next', url: `${base}/fhir?_getpages=abc&page=${page + 1}` }],
        entry: [{ resource: { resourceType: 'ChargeItem', id: `c${page}` }, search: { mode: 'match' } }],
      });
    };
    const c = client();
    const err = await searchAll(c, 'ChargeItem?patient=p1&_count=100').catch((e: unknown) => e);
    expect((err as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((err as Error).message).toMatch(/stopped at the bound \(50 pages/);
    expect(dataCalls()).toHaveLength(MAX_PAGES);
    // the next link is followed verbatim
    expect(dataCalls()[1]!.path).toBe('/fhir?_getpages=abc&page=2');
    await c.close();
  });

  it('never sends a search the profile does not accept', async () => {
    const c = client('oracle-health');
    const err = await c.read('Encounter?patient=1&_include=Encounter:account').catch((e: unknown) => e);
    expect((err as UpstreamError).code).toBe('UPSTREAM_REJECTED');
    expect(seen).toHaveLength(0);
    await c.close();
  });
});
