/**
 * Issue 12, "kill -9 between paid and posted": the gateway dies after it stored "paid" (the
 * checkout's payment id, the transaction SUBMITTED, the posting's attempt counted) and before its
 * first ledger POST left, over a durable `pglite://` store. After a restart the checkout's job looks
 * the transaction up in the ledger (nothing there), posts it once, and exactly one row lands.
 *
 * The crash point is deterministic, no timing involved: the ledger adapter of the first lifetime is
 * wrapped (the gateway's public `createAdapter` seam) so that its `submitWrite` throws the moment it
 * is asked to post, before any byte goes out, as if the process died right there. The test waits on
 * state (the webhooks answered, the in-flight work settled), never on time. The second lifetime gets
 * the plain adapter. Evidence: the NexHealth request log, which spans both lifetimes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerAdapter } from '../../src/adapters/ledger/port';
import type { PracticeConfig } from '../../src/config';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { defaultAdapterFactory, type GatewayOptions } from '../../src/server/gateway';
import { startTestGateway, type TestGateway } from './harness';

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateCheckoutInput!) {
    createCheckout(input: $input) { transaction { transactionId status checkout { url status } } }
  }
`;
const GET = /* GraphQL */ `
  query Get($practiceId: ID!, $transactionId: ID!) {
    transaction(practiceId: $practiceId, transactionId: $transactionId) {
      status attention
      checkout { status processorPaymentId amountPaid { cents } }
      records { ... on Payment { transactionId amount { cents } } }
    }
  }
`;

/** The same adapter tuning as the harness's default factory. */
const ADAPTER_OPTIONS = { retryBaseDelayMs: 1, maxRetries: 2, timeoutMs: 2000 };

class SimulatedCrash extends Error {}

let t: TestGateway;
let dir: string;
/** The service's clock: real time plus what the test advanced (retries and leases run on it). */
let offsetMs = 0;
/** Whether the next ledger post "kills the process" before it is sent. */
let dieBeforePost = false;
/** Set by the seam: this lifetime is "dead", and nothing it does reaches the ledger any more. */
let dead = false;

/**
 * The plain adapter, except that while `dieBeforePost` is set its first `submitWrite` kills the
 * lifetime before sending, and from then on every call of the dead lifetime fails before sending
 * (a later webhook of the same payment must not reach the ledger through a process that is gone).
 */
function dyingBeforePost(practice: PracticeConfig): LedgerAdapter {
  const adapter = defaultAdapterFactory(ADAPTER_OPTIONS)(practice);
  return new Proxy(adapter, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (dieBeforePost && property === 'submitWrite') dead = true;
        if (dead) throw new SimulatedCrash('process killed after "paid" was stored, before the first ledger POST');
        return value.apply(target, args);
      };
    },
  });
}

function lifetimeOptions(createAdapter?: GatewayOptions['createAdapter']): GatewayOptions {
  return {
    ...(createAdapter ? { createAdapter } : {}),
    collection: { watchIntervalMs: 3_600_000 },
    transactionOptions: {
      now: () => new Date(Date.now() + offsetMs),
      pollIntervalMs: 3_600_000, // no background pass: the test drives `tick()`
    },
  };
}

const ledgerCallsFor = (transactionId: string) =>
  t.nex.requests.filter(
    (r) =>
      (r.method === 'POST' && r.path === '/payments' && (r.body as any)?.payment?.transaction_id === transactionId) ||
      (r.method === 'GET' && r.path === '/payments' && r.query['transaction_id'] === transactionId),
  );
const postsFor = (transactionId: string) => ledgerCallsFor(transactionId).filter((r) => r.method === 'POST');
const ledgerRows = (transactionId: string) =>
  t.nex.insertions.filter((i) => i.write.transactionId === transactionId).flatMap((i) => [...i.payments, ...i.adjustments]);

async function settle() {
  await Promise.all([t.stripe.webhooks.idle(), t.square.webhooks.idle()]);
  await t.gateway.services.transactions.context.inFlight.settle();
}

async function get(practiceId: string, transactionId: string) {
  const { data, errors } = await t.gql(GET, { practiceId, transactionId });
  expect(errors).toBeUndefined();
  return data.transaction;
}

const pageId = (url: string) => new URL(url).pathname.split('/').pop()!;

/** A checkout paid on the processor's page; resolves once its webhooks were answered and the work they started ran. */
async function paidCheckout(processor: 'stripe' | 'square', practiceId: string, patientId: string, key: string, amount: string) {
  const { data, errors } = await t.gql(CREATE, {
    input: { practiceId, patientId, amount, expiresInMinutes: 60, idempotencyKey: key },
  });
  expect(errors).toBeUndefined();
  const tx = data.createCheckout.transaction;
  if (processor === 'stripe') {
    const paid = await fetch(`${t.stripe.url}/_sandbox/checkout/sessions/${pageId(tx.checkout.url)}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ card: '4242424242424242' }),
    });
    expect(paid.status).toBe(200);
  } else {
    expect(
      t.square.pay(pageId(tx.checkout.url), { card: '4111 1111 1111 1111', cvv: '111', postalCode: '12345' }),
    ).not.toBeNull();
  }
  await settle();
  return tx.transactionId as string;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-gateway-collection-crash-paid-'));
  t = await startTestGateway({
    config: (raw) => {
      raw.store = { url: `pglite://${join(dir, 'store')}` };
    },
    gateway: lifetimeOptions(dyingBeforePost),
  });
}, 120_000);
afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('killed after "paid" was stored, before the first ledger post', () => {
  const cases = [
    { processor: 'stripe', practiceId: 'smile-dental', patientId: NEX_SEED.ownGuarantor.ownId, amount: '17.25', cents: 1725 },
    { processor: 'square', practiceId: 'bright-dentrix', patientId: NEX_SEED.dentrixPatientId, amount: '18.40', cents: 1840 },
  ] as const;

  for (const { processor, practiceId, patientId, amount, cents } of cases) {
    it(`${processor}: restarted, it looks the transaction up, posts once, one row lands`, async () => {
      if (processor === 'square') await t.restartGateway(lifetimeOptions(dyingBeforePost));
      dieBeforePost = true;
      dead = false;
      const id = await paidCheckout(processor, practiceId, patientId, `e2e-co-crash-paid-${processor}`, amount);

      // The process "died" at its first post: "paid" is durable, nothing reached the ledger.
      expect(dead).toBe(true);
      const died = await get(practiceId, id);
      expect(died.status).toBe('SUBMITTED');
      expect(died.checkout.status).toBe('PAID');
      expect(died.checkout.amountPaid.cents).toBe(cents);
      const paymentId = died.checkout.processorPaymentId as string;
      expect(paymentId).toBeTruthy();
      expect(ledgerCallsFor(id)).toHaveLength(0);

      dieBeforePost = false;
      dead = false;
      await t.restartGateway(lifetimeOptions());
      offsetMs += 10 * 60_000; // past the job's retry and lease
      await t.gateway.services.transactions.tick();
      await settle();

      // The attempt was counted before the call, so the restarted job looks first (nothing there),
      // then posts once. (The SUBMITTED row's `ledger.poll` job may read it too, in either order: reads only.)
      const calls = ledgerCallsFor(id).map((r) => `${r.method} ${r.status}`);
      expect(calls.filter((c) => c.startsWith('POST'))).toEqual(['POST 202']);
      expect(calls.indexOf('POST 202')).toBeGreaterThan(0);
      expect(calls.slice(0, calls.indexOf('POST 202')).every((c) => c === 'GET 200')).toBe(true);
      const body = (postsFor(id)[0]!.body as any).payment;
      expect(Math.round(Number(body.amount) * 100)).toBe(-cents);
      expect(JSON.stringify(body)).toContain(paymentId);

      await t.nex.completePendingInsertions();
      const done = await get(practiceId, id);
      expect(done.status).toBe('COMPLETED');
      expect(done.attention).toBeNull();
      expect(done.records.reduce((sum: number, r: any) => sum + r.amount.cents, 0)).toBe(-cents);
      expect(ledgerRows(id)).toHaveLength(1);

      // A later pass of the job queue changes nothing.
      offsetMs += 10 * 60_000;
      await t.gateway.services.transactions.tick();
      await settle();
      expect(postsFor(id)).toHaveLength(1);
      expect(ledgerRows(id)).toHaveLength(1);
    }, 60_000);
  }
});
