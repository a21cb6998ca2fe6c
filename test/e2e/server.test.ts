/**
 * The HTTP surface around GraphQL: health and readiness, the self-hosted GraphiQL playground, the
 * API-key gate, global ids through `node(id:)`, and the GraphQL-over-websocket handshake.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackAddress, isLoopbackHost } from '../../src/server/graphiql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { KEYS, startTestGateway, type TestGateway } from './harness';

let t: TestGateway;
const METRICS_TOKEN = 'test-metrics-token-00000000000000013';

beforeAll(async () => {
  // Slow authentication upstream, so readiness can be seen before every connection was tried.
  t = await startTestGateway({
    nexhealth: { faults: [{ path: '/authenticates', latencyMs: 300, times: 2 }] },
    config: (raw) => {
      raw.server = { ...raw.server, metricsToken: METRICS_TOKEN, metricsBind: '0' };
    },
    // As in sandbox mode: GraphiQL pre-fills the all-practices key (for loopback requests only).
    gateway: { awaitSettled: false, graphiql: { defaultHeaders: { Authorization: `Bearer ${KEYS.all}` } } },
  });
});

const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

/** GET `path` with a `Host` header of our choosing (fetch will not send another host's name). */
function getWithHost(path: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${t.url}${path}`, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}
afterAll(async () => {
  await t?.close();
});

describe('health and readiness', () => {
  it('answers /healthz at once and /readyz only once every practice connection was tried', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const before = await fetch(`${t.url}/readyz`);
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({ status: 'starting' });
    await t.gateway.settled;
    const after = await fetch(`${t.url}/readyz`);
    expect(after.status).toBe(200);
  });

  it('/readyz tells anyone its status only; the per-practice details need an operator', async () => {
    await t.gateway.settled;
    for (const init of [{}, bearer(KEYS.smile), bearer('not-a-configured-key-000000000000')]) {
      const response = await fetch(`${t.url}/readyz`, init);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ready' });
    }
    for (const init of [bearer(KEYS.all), bearer(METRICS_TOKEN)]) {
      const body = (await (await fetch(`${t.url}/readyz`, init)).json()) as { practices?: Array<{ practiceId: string }> };
      expect(body.practices?.map((p) => p.practiceId)).toContain('smile-dental');
    }
  });
});

describe('/metrics: operators only', () => {
  it('refuses an anonymous scrape and a key for some practices only (401), serves an all-practices key and the token', async () => {
    for (const init of [{}, bearer(KEYS.smile)]) {
      const refused = await fetch(`${t.url}/metrics`, init);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
      expect(await refused.text()).not.toContain('ledger_gateway_');
    }
    for (const init of [bearer(KEYS.all), bearer(METRICS_TOKEN)]) {
      const served = await fetch(`${t.url}/metrics`, init);
      expect(served.status).toBe(200);
      expect(await served.text()).toContain('ledger_gateway_');
    }
  });

  it('server.metricsBind: a second listener, on loopback by default, serves /metrics and the detailed /readyz with no key', async () => {
    await t.gateway.settled;
    const operatorUrl = t.gateway.http.operatorUrl!;
    expect(operatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(operatorUrl).not.toBe(t.url);
    expect(await (await fetch(`${operatorUrl}/metrics`)).text()).toContain('ledger_gateway_');
    const ready = (await (await fetch(`${operatorUrl}/readyz`)).json()) as { status: string; practices?: unknown[] };
    expect(ready.status).toBe('ready');
    expect(ready.practices?.length).toBeGreaterThan(0);
    // Nothing else: no GraphQL on the operator's port.
    expect((await fetch(`${operatorUrl}/graphql`, { method: 'POST' })).status).toBe(404);
  });
});

describe('GraphiQL pre-fills the sandbox key for loopback only', () => {
  it('pre-fills it for a loopback peer that names a loopback host', async () => {
    expect(await (await fetch(`${t.url}/graphiql`)).text()).toContain(KEYS.all);
    expect(await getWithHost('/graphiql', 'localhost')).toContain(KEYS.all);
  });

  it('withholds it when the Host is another name (DNS rebinding)', async () => {
    for (const host of ['evil.example', 'evil.example:4000', '127.0.0.1.nip.io', 'localhost.evil.example']) {
      const page = await getWithHost('/graphiql', host);
      expect(page).toContain('<div id="graphiql">');
      expect(page).not.toContain(KEYS.all);
      expect(page).toContain('Bearer <your API key>');
    }
  });

  it('knows loopback peers and hosts', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'].map(isLoopbackAddress)).toEqual([true, true, true, true]);
    expect(['192.0.2.2', '::ffff:10.0.0.1', '128.0.0.1', '', undefined].map(isLoopbackAddress)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(['localhost', 'LOCALHOST:4000', '127.0.0.1:4000', '[::1]:4000'].map(isLoopbackHost)).toEqual([true, true, true, true]);
    expect(['evil.example', '127.0.0.1.nip.io', '[::2]:80', 'localhost.evil', undefined].map(isLoopbackHost)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('GraphiQL, served by the gateway itself', () => {
  it('serves the page and every asset it loads from the npm packages, with no CDN', async () => {
    const page = await (await fetch(`${t.url}/graphiql`)).text();
    expect(page).toContain('<div id="graphiql">');
    const assets = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(5);
    for (const asset of assets) {
      expect(asset.startsWith('/graphiql/assets/')).toBe(true);
      const response = await fetch(`${t.url}${asset}`);
      expect(response.status).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    const browser = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await browser.text()).toContain('GraphiQL');
  });

  it('serves nothing else from disk through the asset route', async () => {
    expect((await fetch(`${t.url}/graphiql/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${t.url}/graphiql/assets/package.json`)).status).toBe(404);
  });
});

describe('the API-key gate', () => {
  it('refuses a request without a key or with a wrong key, introspection included', async () => {
    for (const key of [null, 'not-a-configured-key-000000000000']) {
      const result = await t.gql('{ __schema { queryType { name } } }', {}, key);
      expect(result.status).toBe(401);
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('allows introspection per key', async () => {
    const allowed = await t.gql('{ __schema { queryType { name } } }');
    expect(allowed.data.__schema.queryType.name).toBe('Query');
    const refused = await t.gql('{ __schema { queryType { name } } }', {}, KEYS.noIntrospection);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(refused.data ?? null).toBeNull();
  });

  it('lists only the practices a key may touch, by their config ids', async () => {
    const all = await t.gql('{ practices { id system } }');
    expect(all.data.practices.map((p: any) => p.id)).toEqual(['smile-dental', 'bright-dentrix', 'northside', 'lakeside']);
    const smile = await t.gql('{ practices { id } practice(id: "smile-dental") { name } }', {}, KEYS.smile);
    expect(smile.data.practices).toEqual([{ id: 'smile-dental' }]);
    const foreign = await t.gql('{ practice(id: "northside") { name } }', {}, KEYS.smile);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('request hygiene', () => {
  it('does not suggest field names to a client that guesses', async () => {
    const result = await t.gql('{ practicez { id } }');
    expect(result.errors?.[0]?.message).toBeDefined();
    expect(result.errors?.[0]?.message).not.toMatch(/Did you mean/);
  });

  it('refuses a GET query a browser could send cross-site (CSRF prevention)', async () => {
    const query = encodeURIComponent('{ practices { id } }');
    const simple = await fetch(`${t.url}/graphql?query=${query}`, { headers: { authorization: `Bearer ${KEYS.all}` } });
    expect(simple.status).toBe(400);
    const preflighted = await fetch(`${t.url}/graphql?query=${query}`, {
      headers: { authorization: `Bearer ${KEYS.all}`, 'apollo-require-preflight': 'true' },
    });
    expect(preflighted.status).toBe(200);
  });

  it('refuses a request body over the size limit before parsing it', async () => {
    const huge = JSON.stringify({ query: `{ practices { id } } # ${'x'.repeat(1_100_000)}` });
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.all}` },
      body: huge,
    });
    expect(response.status).toBe(413);
  });
});

describe('global ids', () => {
  it('fetches a patient, a charge and a practice again through node(id:)', async () => {
    const patientId = NEX_SEED.ownGuarantor.ownId;
    const first = await t.gql(
      `query($p: ID!) { patient(practiceId: "smile-dental", patientId: $p) { id sourceId charges { id sourceId fee { cents } } } }`,
      { p: patientId },
    );
    const patient = first.data.patient;
    const charge = patient.charges[0];
    const again = await t.gql(
      `query($a: ID!, $b: ID!) {
        a: node(id: $a) { id ... on Patient { sourceId } }
        b: node(id: $b) { id ... on Charge { sourceId fee { cents } } }
        c: node(id: "smile-dental") { id ... on Practice { name } }
      }`,
      { a: patient.id, b: charge.id },
    );
    expect(again.errors).toBeUndefined();
    expect(again.data.a).toEqual({ id: patient.id, sourceId: patientId });
    expect(again.data.b).toEqual(charge);
    expect(again.data.c).toEqual({ id: 'smile-dental', name: expect.stringMatching(/^Smile Dental/) });
  });

  it('refuses a global id of a practice outside the key', async () => {
    const first = await t.gql(`{ patient(practiceId: "smile-dental", patientId: "${NEX_SEED.ownGuarantor.ownId}") { id } }`);
    const other = await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: first.data.patient.id }, KEYS.smile);
    expect(other.errors).toBeUndefined();
    const bright = await t.gql(`{ patient(practiceId: "bright-dentrix", patientId: "${NEX_SEED.dentrixPatientId}") { id } }`);
    const refused = await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: bright.data.patient.id }, KEYS.smile);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('graphql-ws on the same path', () => {
  it('refuses a connection without a valid key in connection_init', async () => {
    const client = createClient({
      url: t.url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: 'Bearer wrong-key-000000000000000000' },
      retryAttempts: 0,
    });
    const closed = await new Promise<number>((resolve) => {
      client.on('closed', (event) => resolve((event as { code: number }).code));
      client.subscribe(
        { query: 'subscription { transactionStatusChanged(practiceId: "smile-dental") { status } }' },
        {
          next: () => undefined,
          error: () => undefined,
          complete: () => undefined,
        },
      );
    });
    expect(closed).toBe(4403);
    await client.dispose();
  });
});
