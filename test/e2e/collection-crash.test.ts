/**
 * Issue 12, "a crash between paid and posted posts once": a paid checkout whose gateway dies right
 * after the ledger accepted the posting (before the gateway recorded it), and one whose posting was
 * cut off on the wire, over a durable `pglite://` store. After a restart the checkout's job looks the
 * transaction up first and never lands a second row. Each restart moves the gateway to a new port;
 * it registers a new processor endpoint for it, so the second case's webhooks reach it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOptions } from '../../src/server/gateway';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { startTestGateway, type TestGateway } from './harness';

const SMILE = 'smile-dental';
const PATIENT = NEX_SEED.ownGuarantor.ownId;
const CREATE = /* GraphQL */ `
  mutation Create($input: CreateCheckoutInput!) {
    createCheckout(input: $input) { transaction { transactionId status checkout { url status } } }
  }
`;
const GET = /* GraphQL */ `
  query Get($practiceId: ID!, $transactionId: ID!) {
    transaction(practiceId: $practiceId, transactionId: $transactionId) {
      status attention checkout { status } records { ... on Payment { transactionId amount { cents } } }
    }
  }
`;

let t: TestGateway;
let dir: string;
let crashAfterUpstream = false;
let offsetMs = 0;

class SimulatedCrash extends Error {}

function lifetimeOptions(): GatewayOptions {
  return {
    collection: { watchIntervalMs: 3_600_000 },
    transactionOptions: {
      now: () => new Date(Date.now() + offsetMs),
      pollIntervalMs: 3_600_000, // no background pass: the test drives `tick()`
      hooks: {
        afterUpstream() {
          if (crashAfterUpstream) throw new SimulatedCrash('process killed after the ledger accepted, before the mark');
        },
      },
    },
  };
}

const postsFor = (transactionId: string) =>
  t.nex.requests.filter(
    (r) => r.method === 'POST' && r.path === '/payments' && (r.body as any)?.payment?.transaction_id === transactionId,
  );
const ledgerRows = (transactionId: string) =>
  t.nex.insertions.filter((i) => i.write.transactionId === transactionId).flatMap((i) => [...i.payments, ...i.adjustments]);

async function settle() {
  await t.stripe.webhooks.idle();
  await t.gateway.services.transactions.context.inFlight.settle();
}

async function paidCheckout(key: string, amount: string): Promise<string> {
  const { data, errors } = await t.gql(CREATE, {
    input: { practiceId: SMILE, patientId: PATIENT, amount, expiresInMinutes: 60, idempotencyKey: key },
  });
  expect(errors).toBeUndefined();
  const tx = data.createCheckout.transaction;
  const sessionId = new URL(tx.checkout.url).pathname.split('/').pop();
  const paid = await fetch(`${t.stripe.url}/_sandbox/checkout/sessions/${sessionId}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ card: '4242424242424242' }),
  });
  expect(paid.status).toBe(200);
  await settle();
  return tx.transactionId;
}

async function get(transactionId: string) {
  const { data, errors } = await t.gql(GET, { practiceId: SMILE, transactionId });
  expect(errors).toBeUndefined();
  return data.transaction;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-gateway-collection-crash-'));
  t = await startTestGateway({
    config: (raw) => {
      raw.store = { url: `pglite://${join(dir, 'store')}` };
    },
    gateway: lifetimeOptions(),
  });
}, 120_000);
afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a paid checkout whose gateway dies mid-posting', () => {
  it('the posting cut off on the wire: retried once, one row lands', async () => {
    t.nex.faults.add({ path: '/payments', method: 'POST', status: 503, times: 1 });
    const id = await paidCheckout('e2e-co-crash-wire', '14.00');
    expect(postsFor(id).map((r) => r.status)).toEqual([503]);
    expect((await get(id)).checkout.status).toBe('PAID');

    await t.restartGateway(lifetimeOptions());
    offsetMs += 10 * 60_000;
    await t.gateway.services.transactions.tick();
    expect(postsFor(id).map((r) => r.status)).toEqual([503, 202]);
    await t.nex.completePendingInsertions();
    expect((await get(id)).status).toBe('COMPLETED');
    expect(ledgerRows(id)).toHaveLength(1);
  }, 60_000);

  it('killed after the ledger accepted: restarted, it looks up, re-sends under the same id (refused), one row lands', async () => {
    crashAfterUpstream = true;
    const id = await paidCheckout('e2e-co-crash-accepted', '13.00');
    expect(postsFor(id).map((r) => r.status)).toEqual([202]);
    expect((await get(id)).status).toBe('SUBMITTED');

    crashAfterUpstream = false;
    await t.restartGateway(lifetimeOptions());
    offsetMs += 10 * 60_000; // past the job's retry and lease
    await t.gateway.services.transactions.tick();
    // The same transaction id again: the ledger already has it, so nothing new lands.
    expect(postsFor(id).map((r) => r.status)).toEqual([202, 400]);
    await t.nex.completePendingInsertions();
    const done = await get(id);
    expect(done.status).toBe('COMPLETED');
    expect(done.attention).toBeNull();
    expect(ledgerRows(id)).toHaveLength(1);
  }, 60_000);
});
