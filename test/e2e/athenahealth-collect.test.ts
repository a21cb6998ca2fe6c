/**
 * `collectPayment` on athenahealth through the public API: every collection rule of the balances
 * guide is refused by the gateway BEFORE the card goes anywhere (zero `POST …/collectpayment`), a
 * decline or a duplicate is a FAILED transaction (not an error), idempotency keys replay without a
 * second charge, and the card number appears nowhere: not in a response, not in the transaction
 * store, not in the logs.
 */
import { Writable } from 'node:stream';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger';
import {
  ATHENA_SEED_APPOINTMENTS as A,
  ATHENA_SEED_CARDS as CARDS,
  ATHENA_SEED_CLAIMS as C,
  ATHENA_SEED_PATIENTS as P,
} from '../../src/sandbox/athenahealth';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { KEYS, startTestGateway, type GqlResult, type TestGateway } from './harness';

const COLLECT = /* GraphQL */ `
  mutation Collect($input: CollectPaymentInput!) {
    collectPayment(input: $input) {
      transaction {
        id
        transactionId
        kind
        status
        amount { cents amount currency }
        failureReason
        receiptId
        records {
          __typename
          ... on Payment { sourceId amount { cents } transactionId paidAt fromInsurance charge { sourceId } }
        }
      }
    }
  }
`;

const CLAIMS = /* GraphQL */ `
  query Claims($practiceId: ID!, $patientId: ID!) {
    patient(practiceId: $practiceId, patientId: $patientId) {
      balance { total { cents } }
      collectibleBalance { cents }
      claims { sourceId patientBalance { cents } clean collectible }
      payments { sourceId amount { cents } transactionId }
    }
  }
`;

/** The secrets that must never leave the request: the card numbers and the security code. */
const CVV = '737';
const SECRETS = [CARDS.approves, CARDS.declines, '4242424242424242'];

const card = (number: string = CARDS.approves, overrides: Record<string, unknown> = {}) => ({
  number,
  expMonth: 12,
  expYear: 2099,
  cvv: CVV,
  nameOnCard: 'Avery Testpatient',
  billingAddress: '1 Test Street',
  billingZip: '02134',
  ...overrides,
});

let t: TestGateway;
const logLines: string[] = [];
/** Every response body text the tests received, to search for card data. */
const responses: string[] = [];
let keySeq = 0;
const newKey = (label: string) => `athena-collect-${label}-${++keySeq}`;

async function collect(input: Record<string, unknown>, key: string = KEYS.all): Promise<GqlResult<any>> {
  const result = await t.gql(
    COLLECT,
    { input: { practiceId: 'northside', patientId: P.selfGuarantor, card: card(), ...input } },
    key,
  );
  responses.push(JSON.stringify(result));
  return result;
}

const collectPosts = () => t.athena.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/collectpayment'));
const code = (r: GqlResult<any>) => r.errors?.[0]?.extensions?.code;

async function claimsOf(practiceId: string, patientId: string) {
  const { data, errors } = await t.gql(CLAIMS, { practiceId, patientId });
  expect(errors).toBeUndefined();
  responses.push(JSON.stringify(data));
  return data.patient;
}
const claimBalance = (patient: any, claimId: string) =>
  patient.claims.find((c: any) => c.sourceId === claimId).patientBalance.cents;

/** A refusal: the code, a message without card data, and not one collect POST upstream. */
async function expectRefused(input: Record<string, unknown>, expected: string, messagePattern?: RegExp, key: string = KEYS.all) {
  t.athena.resetRequestLog();
  const r = await collect({ idempotencyKey: newKey('refused'), ...input }, key);
  expect(r.data?.collectPayment ?? null).toBeNull();
  expect(code(r), JSON.stringify(r.errors)).toBe(expected);
  if (messagePattern) expect(r.errors![0]!.message).toMatch(messagePattern);
  for (const secret of SECRETS) expect(JSON.stringify(r)).not.toContain(secret);
  expect(collectPosts()).toHaveLength(0);
  return r;
}

// --- the subscription ------------------------------------------------------------------------------

let ws: Client;
const events: any[] = [];
let unsubscribe: () => void = () => undefined;

async function subscribeToNorthside(): Promise<void> {
  ws = createClient({
    url: t.url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${KEYS.all}` },
    retryAttempts: 0,
    lazy: false,
  });
  await new Promise<void>((resolve, reject) => {
    ws.on('connected', () => resolve());
    ws.on('error', reject);
  });
  unsubscribe = ws.subscribe(
    {
      query: /* GraphQL */ `
        subscription S {
          transactionStatusChanged(practiceId: "northside") {
            transactionId kind status failureReason receiptId amount { cents }
          }
        }
      `,
    },
    {
      next: (value) => {
        events.push(value);
        responses.push(JSON.stringify(value));
      },
      error: (error) => events.push({ error }),
      complete: () => undefined,
    },
  );
  // The server registers the subscription on the bus once it executes it: give it that moment.
  await new Promise((r) => setTimeout(r, 300));
}

async function waitForEvent(predicate: (e: any) => boolean, timeoutMs = 5000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = events.find((e) => e.data && predicate(e.data.transactionStatusChanged));
    if (found) return found.data.transactionStatusChanged;
    if (Date.now() > deadline) throw new Error(`no matching event; got ${JSON.stringify(events)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(String(chunk));
      callback();
    },
  });
  t = await startTestGateway({ gateway: { logger: createLogger({ level: 'debug', destination }) } });
  await subscribeToNorthside();
});
afterAll(async () => {
  unsubscribe();
  await ws?.dispose();
  await t?.close();
});

describe('an approved card', () => {
  it('completes with a receipt and the payment records, and lowers the claim balance in a fresh query', async () => {
    const before = await claimsOf('northside', P.selfGuarantor);
    expect(claimBalance(before, C.cleanInGroup)).toBe(4000);
    t.athena.resetRequestLog();

    const r = await collect({ claimPayments: [{ claimId: C.cleanInGroup, amount: '10.00' }], idempotencyKey: newKey('approve') });
    expect(r.errors).toBeUndefined();
    const tx = r.data.collectPayment.transaction;
    expect(tx).toMatchObject({
      kind: 'COLLECTION',
      status: 'COMPLETED',
      failureReason: null,
      amount: { cents: -1000, amount: '-10.00', currency: 'USD' },
    });
    expect(tx.transactionId).toMatch(/^LG:\d+$/);
    expect(tx.receiptId).toMatch(/^\d+$/);
    expect(tx.records.length).toBeGreaterThan(0);
    for (const record of tx.records) {
      expect(record.__typename).toBe('Payment');
      expect(record.transactionId).toBe(tx.transactionId);
      expect(record.fromInsurance).toBe(false);
      expect(Number.isNaN(Date.parse(record.paidAt))).toBe(false);
    }
    expect(tx.records.reduce((s: number, x: any) => s + x.amount.cents, 0)).toBe(-1000);
    // The claim payment is athenahealth's own row (re-read), on the claim's charge.
    expect(tx.records.map((x: any) => x.charge?.sourceId)).toEqual(['11001']);
    expect(tx.records[0].sourceId).toMatch(/^\d+$/);
    expect(collectPosts()).toHaveLength(1);
    expect(collectPosts()[0]!.path).toBe(`/v1/195900/patients/${P.selfGuarantor}/collectpayment`);

    const after = await claimsOf('northside', P.selfGuarantor);
    expect(claimBalance(after, C.cleanInGroup)).toBe(3000);
    expect(after.collectibleBalance.cents).toBe(before.collectibleBalance.cents - 1000);
    expect(after.balance.total.cents).toBe(before.balance.total.cents - 1000);
    // The read reports the payment with athenahealth's epayment id (the receipt id).
    expect(after.payments.filter((p: any) => p.transactionId === tx.receiptId).map((p: any) => p.amount.cents)).toEqual([-1000]);

    // The transaction query returns the same, durable state.
    const again = await t.gql(
      `query($id: ID!) { transaction(practiceId: "northside", transactionId: $id) { status receiptId kind } }`,
      { id: tx.transactionId },
    );
    expect(again.data.transaction).toEqual({ status: 'COMPLETED', receiptId: tx.receiptId, kind: 'COLLECTION' });

    // Published on transactionStatusChanged.
    const event = await waitForEvent((e) => e.transactionId === tx.transactionId && e.status === 'COMPLETED');
    expect(event).toMatchObject({ kind: 'COLLECTION', receiptId: tx.receiptId, amount: { cents: -1000 } });
  });

  it('collects a copay with its appointment, and the appointment shows it collected', async () => {
    t.athena.resetRequestLog();
    const r = await collect({ copayAmount: '30.00', appointmentId: A.selfCopay, idempotencyKey: newKey('copay') });
    expect(r.errors).toBeUndefined();
    expect(r.data.collectPayment.transaction).toMatchObject({ status: 'COMPLETED', amount: { cents: -3000 } });
    expect(collectPosts()).toHaveLength(1);
    const { data } = await t.gql(
      `query { patient(practiceId: "northside", patientId: "${P.selfGuarantor}") { copay(appointmentId: "${A.selfCopay}") { expected { cents } collectedForAppointment { cents } collectedForOther { cents } } } }`,
    );
    expect(data.patient.copay).toEqual({
      expected: { cents: 3000 },
      collectedForAppointment: { cents: 3000 },
      collectedForOther: { cents: 0 },
    });
  });

  it('collects an older balance as otherAmount on a non-enterprise practice', async () => {
    t.athena.resetRequestLog();
    const r = await collect({
      practiceId: 'lakeside',
      patientId: P.singleSelf,
      otherAmount: '7.25',
      claimPayments: [{ claimId: C.singleCleanB, amount: '2.34' }],
      idempotencyKey: newKey('other'),
    });
    expect(r.errors).toBeUndefined();
    expect(r.data.collectPayment.transaction).toMatchObject({ status: 'COMPLETED', amount: { cents: -959 } });
    expect(collectPosts()).toHaveLength(1);
    const after = await claimsOf('lakeside', P.singleSelf);
    expect(claimBalance(after, C.singleCleanB)).toBe(1000);
  });
});

describe('a declined card', () => {
  it('is a FAILED transaction with the reason, not an error', async () => {
    t.athena.resetRequestLog();
    const before = await claimsOf('northside', P.selfGuarantor);
    const r = await collect({
      card: card(CARDS.declines),
      claimPayments: [{ claimId: C.cleanInGroup, amount: '5.00' }],
      idempotencyKey: newKey('decline'),
    });
    expect(r.errors).toBeUndefined();
    const tx = r.data.collectPayment.transaction;
    expect(tx).toMatchObject({ status: 'FAILED', failureReason: 'Card declined', receiptId: null, records: [] });
    expect(collectPosts()).toHaveLength(1);
    const after = await claimsOf('northside', P.selfGuarantor);
    expect(claimBalance(after, C.cleanInGroup)).toBe(claimBalance(before, C.cleanInGroup));
    const event = await waitForEvent((e) => e.transactionId === tx.transactionId && e.status === 'FAILED');
    expect(event.failureReason).toBe('Card declined');
  });
});

describe('other upstream refusals', () => {
  it('fails an expired card (FAILED "Card expired", not an error)', async () => {
    t.athena.resetRequestLog();
    const r = await collect({
      card: card(CARDS.approves, { expYear: 2020 }),
      otherAmount: '4.00',
      idempotencyKey: newKey('expired'),
    });
    expect(r.errors).toBeUndefined();
    expect(r.data.collectPayment.transaction).toMatchObject({ status: 'FAILED', failureReason: 'Card expired', receiptId: null });
    expect(collectPosts()).toHaveLength(1);
  });

  it('fails a collection in a department the practice does not have, charging nothing', async () => {
    t.athena.resetRequestLog();
    const before = await claimsOf('northside', P.selfGuarantor);
    const r = await collect({
      departmentId: '999',
      claimPayments: [{ claimId: C.cleanInGroup, amount: '4.00' }],
      idempotencyKey: newKey('dept'),
    });
    // athenahealth refuses it (400): a FAILED transaction with its reason, nothing charged.
    expect(r.errors).toBeUndefined();
    expect(r.data.collectPayment.transaction).toMatchObject({ status: 'FAILED', receiptId: null, records: [] });
    expect(r.data.collectPayment.transaction.failureReason).toMatch(/Invalid departmentid/);
    const after = await claimsOf('northside', P.selfGuarantor);
    expect(claimBalance(after, C.cleanInGroup)).toBe(claimBalance(before, C.cleanInGroup));
  });
});

describe('the collection rules, refused before the card goes anywhere', () => {
  it('refuses a clean claim of another provider group (enterprise)', async () => {
    const r = await expectRefused(
      { claimPayments: [{ claimId: C.cleanOtherGroup, amount: '1.00' }] },
      'CLAIM_NOT_COLLECTIBLE',
      /provider group/,
    );
    expect(r.errors![0]!.extensions!.claimId).toBe(C.cleanOtherGroup);
  });

  it('refuses claims on a payment plan or a contract', async () => {
    await expectRefused({ claimPayments: [{ claimId: C.paymentPlan, amount: '1.00' }] }, 'CLAIM_NOT_COLLECTIBLE', /not clean/);
    await expectRefused({ claimPayments: [{ claimId: C.contract, amount: '1.00' }] }, 'CLAIM_NOT_COLLECTIBLE', /not clean/);
    await expectRefused(
      { practiceId: 'lakeside', patientId: P.singleSelf, claimPayments: [{ claimId: C.singlePaymentPlan, amount: '1.00' }] },
      'CLAIM_NOT_COLLECTIBLE',
    );
  });

  it('refuses the whole collection when one of several claims is not collectible', async () => {
    await expectRefused(
      {
        copayAmount: '1.00',
        appointmentId: A.selfCopay,
        claimPayments: [
          { claimId: C.cleanInGroup, amount: '1.00' },
          { claimId: C.contract, amount: '1.00' },
        ],
      },
      'CLAIM_NOT_COLLECTIBLE',
    );
  });

  it('mirrors the groups for the South patient', async () => {
    await expectRefused(
      { patientId: P.withGuarantor, claimPayments: [{ claimId: C.dependentOtherGroup, amount: '1.00' }] },
      'CLAIM_NOT_COLLECTIBLE',
    );
  });

  it('refuses an amount above the claim’s patient balance', async () => {
    const now = await claimsOf('northside', P.selfGuarantor);
    const open = claimBalance(now, C.cleanInGroup);
    const above = ((open + 1) / 100).toFixed(2);
    await expectRefused(
      { claimPayments: [{ claimId: C.cleanInGroup, amount: above }] },
      'CLAIM_NOT_COLLECTIBLE',
      /above its patient balance/,
    );
    // The paid-off claim is collectible but owes nothing.
    await expectRefused({ claimPayments: [{ claimId: C.paidOff, amount: '0.01' }] }, 'CLAIM_NOT_COLLECTIBLE');
  });

  it('refuses an unknown claim and another patient’s appointment as not found', async () => {
    await expectRefused({ claimPayments: [{ claimId: '424242', amount: '1.00' }] }, 'NOT_FOUND');
    await expectRefused({ copayAmount: '15.00', appointmentId: A.dependentCopayCollected }, 'NOT_FOUND');
    await expectRefused({ patientId: P.unknown, otherAmount: '1.00' }, 'NOT_FOUND');
  });

  it('refuses a copay without its appointment and a collection without a positive amount', async () => {
    await expectRefused({ copayAmount: '30.00' }, 'BAD_USER_INPUT', /appointmentId/);
    await expectRefused({}, 'BAD_USER_INPUT', /at least one of copayAmount, otherAmount or claimPayments/);
    await expectRefused({ otherAmount: '0.00' }, 'BAD_USER_INPUT', /otherAmount/);
    await expectRefused({ claimPayments: [{ claimId: C.cleanInGroup, amount: '-5.00' }] }, 'BAD_USER_INPUT', /claimPayments/);
    await expectRefused({ otherAmount: '1.005' }, 'BAD_USER_INPUT', /otherAmount/);
    await expectRefused(
      {
        claimPayments: [
          { claimId: C.cleanInGroup, amount: '1.00' },
          { claimId: C.cleanInGroup, amount: '1.00' },
        ],
      },
      'BAD_USER_INPUT',
    );
  });

  it('refuses bad card fields without quoting the card', async () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ number: `${CARDS.approves}9999` }, /card\.number/],
      [{ number: `${CARDS.approves.slice(0, 8)}x${CARDS.approves.slice(9)}` }, /card\.number/],
      [{ cvv: '12a' }, /card\.cvv/],
      [{ expMonth: 13 }, /card\.expMonth/],
      [{ expYear: 1999 }, /card\.expYear/],
      [{ nameOnCard: 'A'.repeat(31) }, /card\.nameOnCard/],
      [{ billingAddress: 'B'.repeat(21) }, /card\.billingAddress/],
      [{ billingZip: 'ABCDE' }, /card\.billingZip/],
    ];
    for (const [overrides, field] of bad) {
      const r = await expectRefused({ card: card(CARDS.approves, overrides), otherAmount: '1.00' }, 'BAD_USER_INPUT', field);
      expect(r.errors![0]!.message).not.toContain(CVV);
      expect(r.errors![0]!.message).not.toMatch(/\d{12,}/);
    }
  });

  it('refuses card collection on a NexHealth practice (capability cardCollection false)', async () => {
    t.nex.resetRequestLog();
    const r = await expectRefused(
      { practiceId: 'smile-dental', patientId: NEX_SEED.families.alvarez.guarantorId, otherAmount: '1.00' },
      'BAD_USER_INPUT',
      /card collection/,
    );
    expect(r.errors![0]!.message).toContain('smile-dental');
    expect(t.nex.requests.filter((q) => q.method === 'POST')).toEqual([]);
  });

  it('refuses a practice outside the API key', async () => {
    await expectRefused({ otherAmount: '1.00' }, 'FORBIDDEN', /may not touch/, KEYS.smile);
  });
});

describe('duplicates and idempotency', () => {
  it('fails a duplicate within 24 h ("Duplicate payment") and completes it with allowDuplicate', async () => {
    // The same patient, total and card as the first approved collection of this file (10.00).
    t.athena.resetRequestLog();
    const duplicate = await collect({
      claimPayments: [{ claimId: C.cleanInGroup, amount: '10.00' }],
      idempotencyKey: newKey('dup'),
    });
    expect(duplicate.errors).toBeUndefined();
    expect(duplicate.data.collectPayment.transaction).toMatchObject({
      status: 'FAILED',
      failureReason: 'Duplicate payment',
      records: [],
    });
    const before = await claimsOf('northside', P.selfGuarantor);

    const allowed = await collect({
      claimPayments: [{ claimId: C.cleanInGroup, amount: '10.00' }],
      allowDuplicate: true,
      idempotencyKey: newKey('dup-allowed'),
    });
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data.collectPayment.transaction).toMatchObject({ status: 'COMPLETED', amount: { cents: -1000 } });
    expect(collectPosts()).toHaveLength(2);
    const after = await claimsOf('northside', P.selfGuarantor);
    expect(claimBalance(after, C.cleanInGroup)).toBe(claimBalance(before, C.cleanInGroup) - 1000);
  });

  it('replays an idempotency key: the same transaction, one upstream POST, whatever the card', async () => {
    t.athena.resetRequestLog();
    const key = newKey('replay');
    const input = {
      practiceId: 'lakeside',
      patientId: P.singleSelf,
      claimPayments: [{ claimId: C.singleCleanA, amount: '5.00' }],
      idempotencyKey: key,
    };
    const first = await collect(input);
    const second = await collect(input);
    // The card is not part of what idempotency compares: a replay with other card data is the same request.
    const third = await collect({ ...input, card: card(CARDS.approves, { cvv: '999', nameOnCard: 'Someone Else' }) });
    for (const r of [first, second, third]) expect(r.errors).toBeUndefined();
    const tx = first.data.collectPayment.transaction;
    expect(tx.status).toBe('COMPLETED');
    expect(second.data.collectPayment.transaction).toEqual(tx);
    expect(third.data.collectPayment.transaction).toEqual(tx);
    expect(collectPosts()).toHaveLength(1);
    // A replay reads nothing upstream either.
    const after = await claimsOf('lakeside', P.singleSelf);
    expect(claimBalance(after, C.singleCleanA)).toBe(4500);
  });

  it('refuses the same key with a different amount (IDEMPOTENCY_CONFLICT), charging nothing', async () => {
    const key = newKey('conflict');
    const first = await collect({ practiceId: 'lakeside', patientId: P.singleSelf, otherAmount: '3.00', idempotencyKey: key });
    expect(first.data.collectPayment.transaction.status).toBe('COMPLETED');
    await expectRefused(
      { practiceId: 'lakeside', patientId: P.singleSelf, otherAmount: '3.01', idempotencyKey: key },
      'IDEMPOTENCY_CONFLICT',
    );
    await expectRefused(
      { practiceId: 'lakeside', patientId: P.singleSelf, otherAmount: '3.00', allowDuplicate: true, idempotencyKey: key },
      'IDEMPOTENCY_CONFLICT',
    );
  });

  it('replays a declined collection as the same FAILED transaction without charging again', async () => {
    t.athena.resetRequestLog();
    const key = newKey('decline-replay');
    const input = { card: card(CARDS.declines), otherAmount: '2.00', idempotencyKey: key };
    const first = await collect(input);
    const second = await collect(input);
    expect(first.data.collectPayment.transaction).toMatchObject({ status: 'FAILED', failureReason: 'Card declined' });
    expect(second.data.collectPayment.transaction).toEqual(first.data.collectPayment.transaction);
    expect(collectPosts()).toHaveLength(1);
  });
});

describe('the card never leaves the request', () => {
  it('is in no response', () => {
    expect(responses.length).toBeGreaterThan(20);
    for (const text of responses) for (const secret of SECRETS) expect(text).not.toContain(secret);
  });

  it('is nowhere in the transaction store', async () => {
    const sql = (t.gateway.store as unknown as { sql: { query(q: string): Promise<{ rows: Record<string, unknown>[] }> } }).sql;
    const { rows: tables } = await sql.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    expect(tables.map((r) => r.table_name)).toContain('ledger_transactions');
    let dump = '';
    for (const { table_name } of tables) {
      const { rows } = await sql.query(`SELECT * FROM "${String(table_name)}"`);
      dump += JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    }
    const { rows: collections } = await sql.query(
      `SELECT request::text AS request FROM ledger_transactions WHERE kind = 'COLLECTION'`,
    );
    expect(collections.length).toBeGreaterThan(5);
    expect(dump).toContain('COLLECTION');
    for (const secret of SECRETS) expect(dump).not.toContain(secret);
    expect(dump).not.toMatch(/"cvv"|"card"|accountnumber|cardsecuritycode/);
    // And through the service's own read.
    const stored = await t.gateway.store.listByPractice('northside');
    expect(stored.length).toBeGreaterThan(0);
    for (const secret of SECRETS) expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('is in no log line', () => {
    expect(logLines.length).toBeGreaterThan(10);
    const logs = logLines.join('');
    expect(logs).toContain('graphql operation');
    for (const secret of SECRETS) expect(logs).not.toContain(secret);
    expect(logs).not.toMatch(/accountnumber|cardsecuritycode|"cvv":"\d/);
  });
});
