/**
 * The circuit breaker through the public API: smile-dental's upstream goes down (503 from a proxy in
 * front of its sandbox), the breaker opens after 3 failures, calls then fail fast without reaching the
 * upstream, `Practice.status`, `/readyz` (still 200) and `/metrics` say so, the other practices are
 * untouched, and it closes again after the cool-down once a probe succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, startTestGateway, type TestGateway } from '../e2e/harness';
import { startFaultProxy, type FaultProxy } from './fault-proxy';

let t: TestGateway;
let proxy: FaultProxy;
let nexTarget = '';
const COOL_DOWN_MS = 400;
// The breakers' clock: the cool-down ends when the test moves it, not when real time has passed, so a
// loaded machine can neither end it early (between two assertions) nor need a longer sleep.
let clock = Date.parse('2025-01-01T00:00:00Z');
const passCoolDown = () => {
  clock += COOL_DOWN_MS + 50;
};

beforeAll(async () => {
  proxy = await startFaultProxy(() => nexTarget);
  t = await startTestGateway({
    config: (raw) => {
      const smile = raw.practices.find((p: { id: string }) => p.id === 'smile-dental');
      nexTarget = smile.connection.baseUrl;
      smile.connection.baseUrl = proxy.url;
    },
    gateway: {
      adapterOptions: { retryBaseDelayMs: 1, maxRetries: 0, timeoutMs: 1500 },
      circuitBreaker: { failureThreshold: 3, coolDownMs: COOL_DOWN_MS, now: () => clock },
    },
  });
});
afterAll(async () => {
  await t?.close();
  await proxy?.close();
});

const STATUS = '{ practices { id status { state circuit consecutiveFailures lastError } } }';
const PATIENT =
  '{ p: patient(practiceId: "smile-dental", patientId: "1001") { sourceId charges { sourceId } } other: patient(practiceId: "bright-dentrix", patientId: "1021") { sourceId } }';

async function statusOf(id: string) {
  const r = await t.gql(STATUS);
  return r.data.practices.find((p: { id: string }) => p.id === id).status;
}

/** `/readyz`'s details and `/metrics` are for operators: an API key for every practice. */
const OPERATOR = { headers: { authorization: `Bearer ${KEYS.all}` } };

async function readyz() {
  const response = await fetch(`${t.url}/readyz`, OPERATOR);
  return {
    status: response.status,
    body: (await response.json()) as {
      status: string;
      practices?: Array<{ practiceId: string; state: string; circuit: string }>;
    },
  };
}

describe('circuit breaker per practice connection', () => {
  it('starts closed and OK everywhere; /readyz lists per-practice health', async () => {
    expect(await statusOf('smile-dental')).toEqual({ state: 'OK', circuit: 'CLOSED', consecutiveFailures: 0, lastError: null });
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body.practices?.map((p) => p.practiceId).sort()).toEqual([
      'bright-dentrix',
      'lakeside',
      'northside',
      'smile-dental',
    ]);
  });

  it('opens after 3 upstream failures, then fails fast without touching the upstream; recovers after the cool-down', async () => {
    proxy.add({ match: /./, status: 503 });
    const errors: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await t.gql('{ patient(practiceId: "smile-dental", patientId: "1001") { sourceId } }');
      expect(r.status).toBe(200);
      errors.push(...(r.errors ?? []).map((e) => e.extensions?.code));
    }
    expect(errors).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE']);
    const down = await statusOf('smile-dental');
    expect(down).toMatchObject({ state: 'DOWN', circuit: 'OPEN', consecutiveFailures: 3 });
    expect(down.lastError).toMatch(/503/);
    expect(await statusOf('bright-dentrix')).toMatchObject({ state: 'OK', circuit: 'CLOSED' });

    const hitsBefore = proxy.hits.length;
    const nexBefore = t.nex.requests.length;
    const open = await t.gql(PATIENT);
    expect(open.status).toBe(200);
    expect(open.errors?.map((e) => [e.path?.[0], e.extensions?.code])).toEqual([['p', 'UPSTREAM_UNAVAILABLE']]);
    // Said in the client's words (the breaker's own text is the log's): failed fast, nothing sent.
    expect(open.errors![0]!.message).toMatch(/not being called for now after repeated failures; nothing was sent/);
    expect(open.data.other.sourceId).toBe('1021'); // the other practice on the same sandbox is fine
    expect(proxy.hits.length).toBe(hitsBefore); // failed fast: the proxy saw nothing
    expect(t.nex.requests.length - nexBefore).toBeGreaterThan(0); // only bright-dentrix's reads

    const ready = await readyz();
    expect(ready.status).toBe(200); // readiness is not health
    expect(ready.body.practices?.find((p) => p.practiceId === 'smile-dental')).toMatchObject({ state: 'DOWN', circuit: 'OPEN' });
    const metrics = await (await fetch(`${t.url}/metrics`, OPERATOR)).text();
    expect(metrics).toMatch(/ledger_gateway_circuit_state\{[^}]*practice="smile-dental"[^}]*state="open"[^}]*\} 1/);

    // Still down when the cool-down ends: the probe fails and the circuit opens again.
    passCoolDown();
    expect((await statusOf('smile-dental')).circuit).toBe('HALF_OPEN');
    await t.gql(PATIENT);
    expect((await statusOf('smile-dental')).circuit).toBe('OPEN');

    // The upstream comes back: after the cool-down one probe closes the circuit.
    proxy.clear();
    passCoolDown();
    const back = await t.gql(PATIENT);
    expect(back.errors).toBeUndefined();
    expect(back.data.p.charges.length).toBeGreaterThan(0);
    expect(await statusOf('smile-dental')).toEqual({ state: 'OK', circuit: 'CLOSED', consecutiveFailures: 0, lastError: null });
    const after = await (await fetch(`${t.url}/metrics`, OPERATOR)).text();
    expect(after).toMatch(/ledger_gateway_circuit_state\{[^}]*practice="smile-dental"[^}]*state="closed"[^}]*\} 1/);
  });

  it('4xx rejections do not open it', async () => {
    await closeCircuit();
    proxy.add({ match: /^\/patients\/1001/, status: 404 });
    try {
      for (let i = 0; i < 5; i++) {
        const r = await t.gql('{ patient(practiceId: "smile-dental", patientId: "1001") { sourceId } }');
        expect(r.status).toBe(200);
        for (const e of r.errors ?? []) expect(e.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
      }
      expect((await statusOf('smile-dental')).circuit).toBe('CLOSED');
    } finally {
      proxy.clear();
    }
  });

  async function closeCircuit() {
    proxy.clear();
    passCoolDown();
    await t.gql('{ patient(practiceId: "smile-dental", patientId: "1001") { sourceId } }');
    expect((await statusOf('smile-dental')).circuit).toBe('CLOSED');
  }

  it('a write while open is refused fast with UPSTREAM_UNAVAILABLE and nothing is posted upstream', async () => {
    proxy.add({ match: /./, status: 503 });
    for (let i = 0; i < 3; i++) await t.gql('{ patient(practiceId: "smile-dental", patientId: "1001") { sourceId } }');
    expect((await statusOf('smile-dental')).circuit).toBe('OPEN');
    const postsBefore = t.nex.requests.filter((r) => r.method === 'POST').length;
    const r = await t.gql(
      `mutation ($input: CreatePaymentTransactionInput!) { createPaymentTransaction(input: $input) { transaction { transactionId status } } }`,
      {
        input: {
          practiceId: 'smile-dental',
          patientId: '1001',
          amount: '5.00',
          paymentTypeId: '1',
          idempotencyKey: `breaker-${Date.now()}`,
        },
      },
    );
    expect(r.status).toBe(200);
    for (const e of r.errors ?? []) expect(e.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    expect(t.nex.requests.filter((q) => q.method === 'POST').length).toBe(postsBefore);
    console.info(`write while the circuit is open: ${JSON.stringify(r.data ?? r.errors?.map((e) => e.extensions?.code))}`);
    proxy.clear();
  });
});
