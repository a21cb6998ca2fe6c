import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError, type CardCollection } from '../../src/adapters/ledger/port';
import { freshMemoryStore, harness, PRACTICE, type Harness } from './harness';
import { SimulatedCrash } from './fakes';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const CARD_NUMBER = '4111111111111111';
const CVV = '737';

function collection(number = CARD_NUMBER): Omit<CardCollection, 'transactionId'> {
  return {
    patientSourceId: '42',
    departmentId: '1',
    card: {
      number,
      expMonth: 12,
      expYear: 2031,
      cvv: CVV,
      nameOnCard: 'Jane Doe',
      billingAddress: '1 Main St',
      billingZip: '02139',
    },
    copayAmount: 2500,
    appointmentId: '555',
    claimPayments: [{ claimId: '1001', amount: 2000 }],
    otherAmount: null,
    allowDuplicate: false,
  };
}

const input = (key = 'c-1', number = CARD_NUMBER) => ({
  practiceId: PRACTICE,
  idempotencyKey: key,
  fingerprint: 'COLLECT|42|1|2500|555|1001:2000|false',
  collection: collection(number),
  amountCents: 4500,
});

async function storedJson(): Promise<string> {
  const { client } = sharedClient!;
  const all = await Promise.all(
    ['ledger_transactions', 'idempotency_keys', 'webhook_receipts'].map((table) =>
      client.query(`SELECT row_to_json(t)::text AS json FROM ${table} t`),
    ),
  );
  return all.flatMap((r) => r.rows.map((row) => String((row as { json: string }).json))).join('\n');
}

// The harness's store (the same shared PGlite), to read what is stored, raw.
let sharedClient: Awaited<ReturnType<typeof freshMemoryStore>> | null = null;

describe('card collections (synchronous systems)', () => {
  it('charges once, completes with the receipt, and stores no card data anywhere', async () => {
    h = await harness();
    sharedClient = await freshMemoryStore();
    const row = await h.service.collect(input());
    expect(row).toMatchObject({ kind: 'COLLECTION', status: 'COMPLETED', amount: -4500, receiptId: '9001' });
    expect(h.upstream.collectCalls).toBe(1);
    expect(h.upstream.collections[0]!.card.number).toBe(CARD_NUMBER); // the adapter got the card…
    expect(h.upstream.collections[0]!.transactionId).toBe(row.transactionId);

    const json = await storedJson(); // …the store did not
    expect(json).toContain(row.transactionId);
    expect(json).toMatch(/"departmentId":\s*"1"/);
    expect(json).not.toContain(CARD_NUMBER);
    expect(json).not.toContain('Jane Doe');
    expect(json).not.toContain('"cvv"');
    expect(json).not.toContain('"card"');
    expect(h.logs.join('\n')).not.toContain(CARD_NUMBER);

    // replay: same row, no second charge
    expect((await h.service.collect(input())).transactionId).toBe(row.transactionId);
    expect(h.upstream.collectCalls).toBe(1);
  });

  it('a decline is a FAILED transaction, not an error; error texts are scrubbed of the card', async () => {
    h = await harness();
    sharedClient = await freshMemoryStore();
    const declined = await h.service.collect(input('c-decl', '4000000000000002'));
    expect(declined).toMatchObject({ status: 'FAILED', failureReason: 'Card declined' });

    h.upstream.collectError = new UpstreamError(`bad card ${CARD_NUMBER} cvv ${CVV}`, 'UPSTREAM_REJECTED', 400);
    const rejected = await h.service.collect(input('c-rej'));
    expect(rejected.status).toBe('FAILED');
    expect(rejected.failureReason).toBe('bad card [card] cvv [cvv]');
    const json = await storedJson();
    expect(json).not.toContain(CARD_NUMBER);
    expect(h.logs.join('\n')).not.toContain(CARD_NUMBER);
  });

  it('an unreachable upstream is never retried with the card: FAILED with an explicit reason', async () => {
    h = await harness();
    sharedClient = await freshMemoryStore();
    h.upstream.collectError = new UpstreamError('socket hang up', 'UPSTREAM_UNAVAILABLE');
    const row = await h.service.collect(input());
    expect(row.status).toBe('FAILED');
    expect(row.failureReason).toMatch(/could not be reached.*check the patient's receipts/);
    h.clock.advance(3_600_000);
    await h.service.tick();
    expect(h.upstream.collectCalls).toBe(1);
  });

  it('a collection interrupted before the charge is resolved as FAILED after its lease, never charged', async () => {
    h = await harness({ collectionLeaseMs: 300_000 });
    sharedClient = await freshMemoryStore();
    const crashing = h.newService({
      hooks: {
        afterStore: () => {
          throw new SimulatedCrash();
        },
      },
    });
    await expect(crashing.collect(input())).rejects.toBeInstanceOf(SimulatedCrash);
    const restarted = h.newService();
    await restarted.start();
    expect((await restarted.get(PRACTICE, 'LG:1000'))?.status).toBe('PENDING'); // still within its lease
    h.clock.advance(300_000);
    await restarted.tick();
    const row = await restarted.get(PRACTICE, 'LG:1000');
    expect(row?.status).toBe('FAILED');
    expect(row?.failureReason).toMatch(/nothing was charged/);
    expect(h.upstream.collectCalls).toBe(0);
  });

  it('a collection interrupted after the charge is completed from the upstream look-up', async () => {
    h = await harness();
    sharedClient = await freshMemoryStore();
    const crashing = h.newService({
      hooks: {
        afterUpstream: () => {
          throw new SimulatedCrash();
        },
      },
    });
    await expect(crashing.collect(input())).rejects.toBeInstanceOf(SimulatedCrash);
    h.clock.advance(300_000);
    const restarted = h.newService();
    await restarted.start();
    await restarted.tick(); // start() resumes in the background; tick() waits for that first pass
    const row = await restarted.get(PRACTICE, 'LG:1000');
    expect(row).toMatchObject({ status: 'COMPLETED' });
    expect(row!.records.payments[0]!.amount).toBe(-4500);
    expect(h.upstream.collectCalls).toBe(1);
  });

  it('refuses a fingerprint that contains the card, and an amount that is not the sum of its parts', async () => {
    h = await harness();
    sharedClient = await freshMemoryStore();
    await expect(h.service.collect({ ...input(), fingerprint: `x|${CARD_NUMBER}` })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    await expect(h.service.collect({ ...input(), amountCents: 4400 })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await h.service.listByPractice(PRACTICE)).toHaveLength(0);
    expect(h.upstream.collectCalls).toBe(0);
  });
});
