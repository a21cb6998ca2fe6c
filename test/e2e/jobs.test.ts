/**
 * Asynchronous work through the public API: a write whose upstream is unavailable shows its
 * `ledger.submit` job (attempts, lastError) on `LedgerTransaction.jobs` and `Query.jobs`, then
 * completes; an open circuit breaker defers the job without spending attempts and the write is
 * posted once after the cool-down; another practice's key is refused.
 *
 * smile-dental's upstream sits behind a fault proxy. The service's clock is real time plus what the
 * test advances, with no background pass (the test drives `tick()`); the breakers' clock is the
 * test's too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { startFaultProxy, type FaultProxy } from '../hardening/fault-proxy';
import { KEYS, startTestGateway, type TestGateway } from './harness';
import { PAY } from './documents';

const SMILE = 'smile-dental';
const PATIENT = NEX_SEED.ownGuarantor.ownId;
const COOL_DOWN_MS = 10_000;

let t: TestGateway;
let proxy: FaultProxy;
let nexTarget = '';
let offsetMs = 0;
let breakerClock = Date.parse('2025-01-01T00:00:00Z');
/** Set: the next write opens smile-dental's breaker after it is stored, before its submit. */
let openCircuitAfterStore = false;

/** Three failed upstream reads open the breaker (failureThreshold 3). */
async function openCircuit() {
  proxy.add({ match: /^\/patients/, status: 503, times: 3 });
  const adapter = t.gateway.services.registry.get(SMILE)!.adapter;
  for (let i = 0; i < 3; i++) await adapter.listPatients({ first: 1, after: null }).catch(() => undefined);
}
/** Move both clocks: the service's (retry and defer times) and the breakers' (cool-down). */
const advance = (ms: number) => {
  offsetMs += ms;
  breakerClock += ms;
};

const TX_JOBS = /* GraphQL */ `
  query TxJobs($practiceId: ID!, $transactionId: ID!) {
    transaction(practiceId: $practiceId, transactionId: $transactionId) {
      status
      jobs { id kind state transactionId attempts maxAttempts runAt lastError updatedAt }
    }
  }
`;
const JOBS = /* GraphQL */ `
  query Jobs($practiceId: ID!, $state: JobState, $kind: String) {
    jobs(practiceId: $practiceId, state: $state, kind: $kind) { id kind state transactionId attempts lastError }
  }
`;

const posts = (transactionId: string) =>
  t.nex.requests.filter(
    (r) => r.method === 'POST' && r.path === '/payments' && (r.body as any)?.payment?.transaction_id === transactionId,
  );

async function pay(key: string, amount: string) {
  const r = await t.gql(PAY, {
    input: {
      practiceId: SMILE,
      patientId: PATIENT,
      amount,
      paymentTypeId: NEX_SEED.paymentTypes.openDental.cash,
      idempotencyKey: key,
    },
  });
  expect(r.errors).toBeUndefined();
  return r.data.createPaymentTransaction.transaction as { transactionId: string; status: string };
}

async function jobsOf(transactionId: string) {
  const r = await t.gql(TX_JOBS, { practiceId: SMILE, transactionId });
  expect(r.errors).toBeUndefined();
  return r.data.transaction as { status: string; jobs: Array<Record<string, any>> };
}

const submitJob = async (transactionId: string) => (await jobsOf(transactionId)).jobs.find((j) => j.kind === 'ledger.submit')!;

beforeAll(async () => {
  proxy = await startFaultProxy(() => nexTarget);
  t = await startTestGateway({
    config: (raw) => {
      const smile = raw.practices.find((p: { id: string }) => p.id === SMILE);
      nexTarget = smile.connection.baseUrl;
      smile.connection.baseUrl = proxy.url;
    },
    gateway: {
      adapterOptions: { retryBaseDelayMs: 1, maxRetries: 0, timeoutMs: 1500 },
      circuitBreaker: { failureThreshold: 3, coolDownMs: COOL_DOWN_MS, now: () => breakerClock },
      transactionOptions: {
        now: () => new Date(Date.now() + offsetMs),
        pollIntervalMs: 3_600_000,
        hooks: {
          async afterStore() {
            if (!openCircuitAfterStore) return;
            openCircuitAfterStore = false;
            await openCircuit();
          },
        },
      },
    },
  });
});
afterAll(async () => {
  await t?.close();
  await proxy?.close();
});

describe('jobs through the API', () => {
  it('an unavailable upstream shows the submit job with its attempts and error, then it completes', async () => {
    proxy.add({ match: /^\/payments/, method: 'POST', status: 503, times: 1 });
    const tx = await pay('e2e-jobs-unavailable', '21.00');
    expect(tx.status).toBe('PENDING');

    const failing = await submitJob(tx.transactionId);
    expect(failing).toMatchObject({ state: 'QUEUED', transactionId: tx.transactionId, attempts: 1 });
    expect(failing.lastError).toMatch(/UPSTREAM_UNAVAILABLE|503/);
    expect(failing.maxAttempts).toBeGreaterThan(1);
    const listed = await t.gql(JOBS, { practiceId: SMILE, kind: 'ledger.submit', state: 'QUEUED' });
    expect(listed.errors).toBeUndefined();
    expect(listed.data.jobs.map((j: any) => j.transactionId)).toContain(tx.transactionId);

    advance(1_000); // the first retry delay
    await t.gateway.services.transactions.tick();
    const after = await jobsOf(tx.transactionId);
    expect(after.status).toBe('SUBMITTED');
    expect(after.jobs.find((j) => j.kind === 'ledger.submit')).toMatchObject({ state: 'DONE', attempts: 2 });
    expect(after.jobs.find((j) => j.kind === 'ledger.poll')).toMatchObject({ state: 'QUEUED', attempts: 0 });
    expect(posts(tx.transactionId).map((r) => r.status)).toEqual([202]); // the 503 never reached it
  });

  it('an open circuit defers the submit job without spending attempts; posted once after the cool-down', async () => {
    // The facts are read with the circuit closed; it opens between the store and the submit.
    openCircuitAfterStore = true;
    const tx = await pay('e2e-jobs-circuit-open', '22.00');
    expect(tx.status).toBe('PENDING');
    expect(posts(tx.transactionId)).toHaveLength(0);
    const deferred = await submitJob(tx.transactionId);
    expect(deferred).toMatchObject({ state: 'QUEUED', attempts: 0 });
    expect(deferred.lastError).toMatch(/circuit open/);
    expect(Date.parse(deferred.runAt)).toBeGreaterThan(Date.now() + offsetMs);

    // Within the cool-down nothing is due; after it, the write goes up once.
    await t.gateway.services.transactions.tick();
    expect((await submitJob(tx.transactionId)).attempts).toBe(0);
    advance(COOL_DOWN_MS + 1_000);
    expect((await submitJob(tx.transactionId)).attempts).toBe(0); // the cool-down alone spends nothing
    await t.gateway.services.transactions.tick();
    const done = await jobsOf(tx.transactionId);
    expect(done.status).toBe('SUBMITTED');
    expect(done.jobs.find((j) => j.kind === 'ledger.submit')).toMatchObject({ state: 'DONE', attempts: 1 });
    expect(posts(tx.transactionId).map((r) => r.status)).toEqual([202]);
  });

  it("another practice's key is refused; a practice sees only its own jobs", async () => {
    const refused = await t.gql(JOBS, { practiceId: SMILE }, KEYS.smile);
    expect(refused.errors).toBeUndefined();
    const other = await t.gql(JOBS, { practiceId: 'bright-dentrix' }, KEYS.smile);
    expect(other.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(other.data).toBeNull();
    const none = await t.gql(JOBS, { practiceId: 'bright-dentrix' });
    expect(none.errors).toBeUndefined();
    // bright-dentrix wrote nothing: its only job is its processor's catch-up (one per practice with a processor).
    expect(none.data.jobs.map((j: { kind: string; transactionId: string | null }) => [j.kind, j.transactionId])).toEqual([
      ['collection.catch-up', null],
    ]);
    const bad = await t.gql('{ jobs(practiceId: "smile-dental", first: 0) { id } }');
    expect(bad.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
