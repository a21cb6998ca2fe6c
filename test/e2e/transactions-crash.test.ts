/**
 * Crash and resume, end to end: a `pglite://` store in a temporary directory and several gateway
 * lifetimes over it. A "crash" is the service's test seam (`hooks.afterStore` / `hooks.afterUpstream`
 * throwing: nothing after that point runs, exactly as if the process died there); the gateway is
 * then closed and a new one started over the same store. The sandbox's request log counts every
 * upstream write across lifetimes: each transaction is accepted upstream exactly once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOptions } from '../../src/server/gateway';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { startTestGateway, type TestGateway } from './harness';
import { ADJUST, PAY, TRANSACTION } from './documents';

const SMILE = 'smile-dental';
const PATIENT = NEX_SEED.ownGuarantor.ownId;
const LEASE_MS = 60_000;

let t: TestGateway;
let dir: string;
/** Where the next lifetime "dies"; `null` = it runs normally. */
let crashAt: 'afterStore' | 'afterUpstream' | null = null;
/** The service's clock: real time plus what the test has advanced (leases and polls run on it). */
let offsetMs = 0;
const advance = (ms: number) => {
  offsetMs += ms;
};

class SimulatedCrash extends Error {}

function lifetimeOptions(): GatewayOptions {
  return {
    transactionOptions: {
      now: () => new Date(Date.now() + offsetMs),
      submitLeaseMs: LEASE_MS,
      pollIntervalMs: 3_600_000, // no background pass: the test drives `tick()`
      hooks: {
        afterStore() {
          if (crashAt === 'afterStore') throw new SimulatedCrash('process killed after the store, before the submit');
        },
        afterUpstream() {
          if (crashAt === 'afterUpstream')
            throw new SimulatedCrash('process killed after the upstream accepted, before the mark');
        },
      },
    },
  };
}

const postsFor = (transactionId: string) =>
  t.nex.requests.filter(
    (r) =>
      r.method === 'POST' &&
      (r.path === '/payments' || r.path === '/adjustments') &&
      (r.body as any)?.[r.path === '/payments' ? 'payment' : 'adjustment']?.transaction_id === transactionId,
  );
const lookupsFor = (transactionId: string) =>
  t.nex.requests.filter((r) => r.method === 'GET' && r.path === '/payments' && r.query['transaction_id'] === transactionId);
const landed = (transactionId: string) => t.nex.insertions.filter((i) => i.write.transactionId === transactionId);
const ledgerRows = (transactionId: string) =>
  t.nex.insertions.filter((i) => i.write.transactionId === transactionId).flatMap((i) => [...i.payments, ...i.adjustments]);

async function getTx(transactionId: string) {
  const { data, errors } = await t.gql(TRANSACTION, { practiceId: SMILE, transactionId });
  expect(errors).toBeUndefined();
  return data.transaction;
}

/** The one transaction bound to `idempotencyKey` (the client never saw its id: the request died). */
async function byKey(idempotencyKey: string) {
  const found = await t.gateway.services.transactions.findByIdempotencyKey(SMILE, idempotencyKey);
  expect(found).not.toBeNull();
  return found!.transaction;
}

function payInput(idempotencyKey: string, amount: string) {
  return { practiceId: SMILE, patientId: PATIENT, amount, paymentTypeId: NEX_SEED.paymentTypes.openDental.cash, idempotencyKey };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-gateway-crash-'));
  t = await startTestGateway({
    config: (raw) => {
      raw.store = { url: `pglite://${join(dir, 'store')}` };
    },
    gateway: lifetimeOptions(),
  });
});
afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('crash and resume over a durable store', () => {
  const A = 'e2e-crash-after-store';
  const B = 'e2e-crash-after-upstream-landed';
  const C = 'e2e-crash-after-upstream-pending';
  let idA: string;
  let idB: string;

  it('(a) killed between store and submit: nothing went upstream, the row waits PENDING', async () => {
    crashAt = 'afterStore';
    const died = await t.gql(PAY, { input: payInput(A, '31.00') });
    expect(died.errors).toHaveLength(1); // the client saw the request die
    const row = await byKey(A);
    idA = row.transactionId;
    expect(row.status).toBe('PENDING');
    expect(postsFor(idA)).toHaveLength(0);
  });

  it('(b) killed after the upstream accepted, before the mark: one 202 upstream, the row still PENDING', async () => {
    crashAt = 'afterUpstream';
    const died = await t.gql(PAY, { input: payInput(B, '32.00') });
    expect(died.errors).toHaveLength(1);
    const row = await byKey(B);
    idB = row.transactionId;
    expect(row.status).toBe('PENDING');
    expect(postsFor(idB).map((r) => r.status)).toEqual([202]);
    expect(t.nex.pendingInsertions.map((w) => w.transactionId)).toEqual([idB]);
  });

  it('after a restart, (a) is submitted exactly once and (b) is found upstream, never posted again', async () => {
    crashAt = null;
    await t.restartGateway({
      ...lifetimeOptions(),
      // While no gateway runs, (b) lands upstream; its webhook finds nobody (retried, then given up).
      whileDown: async () => {
        await t.nex.completePendingInsertions();
        await t.nex.settle();
      },
    });
    expect(landed(idB)).toHaveLength(1);

    // start() resumed (a) at once, in the background (tick() waits for that first pass): it was
    // never attempted, so it is simply sent.
    await t.gateway.services.transactions.tick();
    expect((await getTx(idA)).status).toBe('SUBMITTED');
    expect(postsFor(idA).map((r) => r.status)).toEqual([202]);
    // (b)'s attempt may still own its lease (another instance could be mid-call): not touched yet.
    expect((await getTx(idB)).status).toBe('PENDING');
    expect(lookupsFor(idB)).toHaveLength(0);

    advance(LEASE_MS + 1_000);
    await t.gateway.services.transactions.tick();
    const b = await getTx(idB);
    expect(b.status).toBe('COMPLETED');
    expect(b.records.map((r: any) => [r.__typename, r.transactionId, r.amount.cents])).toEqual([['Payment', idB, -3200]]);
    expect(lookupsFor(idB)).toHaveLength(1); // GET /payments?transaction_id=<id>
    expect(postsFor(idB)).toHaveLength(1); // still the one from before the crash

    // (a) lands and its webhook reaches the new gateway.
    await t.nex.completePendingInsertions();
    const a = await getTx(idA);
    expect(a.status).toBe('COMPLETED');
    expect(a.records.map((r: any) => [r.transactionId, r.amount.cents])).toEqual([[idA, -3100]]);
    expect(postsFor(idA)).toHaveLength(1);
    expect(ledgerRows(idA)).toHaveLength(1);
    expect(ledgerRows(idB)).toHaveLength(1);

    // The client retrying its dead requests gets the same transactions, and nothing more goes upstream.
    for (const [key, amount, id] of [
      [A, '31.00', idA],
      [B, '32.00', idB],
    ] as const) {
      const retry = await t.gql(PAY, { input: payInput(key, amount) });
      expect(retry.errors).toBeUndefined();
      expect(retry.data.createPaymentTransaction.transaction).toMatchObject({ transactionId: id, status: 'COMPLETED' });
    }
    expect(postsFor(idA)).toHaveLength(1);
    expect(postsFor(idB)).toHaveLength(1);
  });

  it('(b′) killed after the upstream accepted, restarted before it landed: the re-post is refused as a duplicate id, one row lands', async () => {
    crashAt = 'afterUpstream';
    const died = await t.gql(ADJUST, {
      input: { practiceId: SMILE, patientId: PATIENT, amount: '-33.00', typeName: 'Courtesy Credit', idempotencyKey: C },
    });
    expect(died.errors).toHaveLength(1);
    const idC = (await byKey(C)).transactionId;
    expect(postsFor(idC).map((r) => r.status)).toEqual([202]);

    crashAt = null;
    await t.restartGateway(lifetimeOptions());
    advance(LEASE_MS + 1_000);
    await t.gateway.services.transactions.tick();
    // Looked up first (not there yet: the write is still in the upstream's pipeline), then re-sent
    // under the SAME transaction id, which the upstream refuses: it already has it.
    const resent = postsFor(idC);
    expect(resent.map((r) => r.status)).toEqual([202, 400]);
    expect(t.nex.pendingInsertions.filter((w) => w.transactionId === idC)).toHaveLength(1);
    expect((await getTx(idC)).status).toBe('SUBMITTED');

    await t.nex.completePendingInsertions();
    const c = await getTx(idC);
    expect(c.status).toBe('COMPLETED');
    expect(c.records.map((r: any) => [r.__typename, r.transactionId, r.amount.cents])).toEqual([['Adjustment', idC, -3300]]);
    expect(ledgerRows(idC)).toHaveLength(1);
  });

  it('an upstream outage at submit is retried later: the write is neither lost nor doubled', async () => {
    t.nex.faults.add({ path: '/payments', method: 'POST', status: 503, times: 1 });
    const { data, errors } = await t.gql(PAY, { input: payInput('e2e-crash-outage', '34.00') });
    expect(errors).toBeUndefined();
    const tx = data.createPaymentTransaction.transaction;
    expect(tx.status).toBe('PENDING'); // stored; the upstream said nothing useful yet
    expect(postsFor(tx.transactionId).map((r) => r.status)).toEqual([503]);

    advance(LEASE_MS + 1_000);
    await t.gateway.services.transactions.tick();
    expect(postsFor(tx.transactionId).map((r) => r.status)).toEqual([503, 202]);
    await t.nex.completePendingInsertions();
    expect((await getTx(tx.transactionId)).status).toBe('COMPLETED');
    expect(ledgerRows(tx.transactionId)).toHaveLength(1);
  });
});
