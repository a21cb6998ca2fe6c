/**
 * Issue 12, the posting side of collection: the processor's payment id as the posting's key, the
 * catch-up through the processor's change list after webhooks were lost, refunds made in the
 * processor's dashboard, and `retryPosting` of a refund the ledger refused. Through the public GraphQL
 * API against the in-process Stripe, Square and NexHealth sandboxes (manual insertion); each case
 * counts what went upstream in the sandboxes' request logs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { SQUARE_SELLERS } from '../../src/sandbox/square';
import { STRIPE_SANDBOX_ACCOUNTS } from '../../src/sandbox/stripe';
import { startTestGateway, type TestGateway } from './harness';

const FIELDS = /* GraphQL */ `
  fragment Co on LedgerTransaction {
    transactionId kind status attention failureReason
    amount { cents }
    refundOf { transactionId }
    refunds { transactionId kind status amount { cents } }
    checkout { status processorPaymentId url amountPaid { cents } amountRefunded { cents } }
  }
`;
const CREATE = /* GraphQL */ `
  mutation Create($input: CreateCheckoutInput!) { createCheckout(input: $input) { transaction { ...Co } } }
  ${FIELDS}
`;
const GET = /* GraphQL */ `
  query Get($practiceId: ID!, $transactionId: ID!) { transaction(practiceId: $practiceId, transactionId: $transactionId) { ...Co } }
  ${FIELDS}
`;
const REFUND = /* GraphQL */ `
  mutation Refund($input: RefundTransactionInput!) { refundTransaction(input: $input) { transaction { ...Co } } }
  ${FIELDS}
`;
const RETRY = /* GraphQL */ `
  mutation Retry($practiceId: ID!, $transactionId: ID!) { retryPosting(practiceId: $practiceId, transactionId: $transactionId) { transaction { ...Co } } }
  ${FIELDS}
`;

const SMILE = 'smile-dental';
const DENTRIX = 'bright-dentrix';
const PATIENT = NEX_SEED.ownGuarantor.ownId;
const DX_PATIENT = NEX_SEED.dentrixPatientId;
const STRIPE_KEY = STRIPE_SANDBOX_ACCOUNTS.smileDental.secretKey;
/** bright-dentrix's Square seller (the sandbox practices use the first). */
const SQUARE_TOKEN = SQUARE_SELLERS[0]!.token;

let t: TestGateway;
let keySeq = 0;
const newKey = (label: string) => `e2e-post-${label}-${++keySeq}`;

beforeAll(async () => {
  // Neither the read-back nor the recurring catch-up fires by itself here: the tests drive them.
  t = await startTestGateway({ gateway: { collection: { watchIntervalMs: 3_600_000, catchUpIntervalMs: 3_600_000 } } });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const ledgerPosts = () =>
  t.nex.requests.filter((r) => r.method === 'POST' && (r.path === '/payments' || r.path === '/adjustments'));
const ledgerAmounts = () => ledgerPosts().map((r) => Number(((r.body as any).payment ?? (r.body as any).adjustment).amount));
const stripeCalls = () => t.stripe.requests.filter((r) => r.path.startsWith('/v1/'));
const squareCalls = () => t.square.requests.filter((r) => r.path.startsWith('/v2/'));
const flow = () => t.gateway.services.collection;

function resetLogs() {
  t.nex.resetRequestLog();
  t.stripe.requests.length = 0;
  t.square.resetRequestLog();
}

async function settle() {
  await Promise.all([t.stripe.webhooks.idle(), t.square.webhooks.idle()]);
  await t.gateway.services.transactions.context.inFlight.settle();
}

async function create(input: Record<string, unknown>) {
  const { data, errors } = await t.gql(CREATE, { input: { idempotencyKey: newKey('create'), ...input } });
  expect(errors).toBeUndefined();
  return data.createCheckout.transaction;
}

async function get(practiceId: string, transactionId: string) {
  const { data, errors } = await t.gql(GET, { practiceId, transactionId });
  expect(errors).toBeUndefined();
  return data.transaction;
}

const pageId = (url: string) => new URL(url).pathname.split('/').pop()!;

async function payStripe(url: string, body: Record<string, unknown> = { card: '4242424242424242' }) {
  const response = await fetch(`${t.stripe.url}/_sandbox/checkout/sessions/${pageId(url)}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

function paySquare(url: string) {
  expect(t.square.pay(pageId(url), { card: '4111 1111 1111 1111', cvv: '111', postalCode: '12345' })).not.toBeNull();
}

/** A checkout paid and its posting landed in the ledger (COMPLETED). */
async function paidAndPosted(practiceId: string, amount: string) {
  const tx = await create({ practiceId, patientId: practiceId === SMILE ? PATIENT : DX_PATIENT, amount });
  if (practiceId === SMILE) await payStripe(tx.checkout.url);
  else paySquare(tx.checkout.url);
  await settle();
  await t.nex.completePendingInsertions();
  const done = await get(practiceId, tx.transactionId);
  expect(done.status).toBe('COMPLETED');
  return done;
}

/** A refund made in Stripe's dashboard: the API called with the account's own key, not by the gateway. */
async function refundAtStripe(paymentId: string, cents: number) {
  const response = await fetch(`${t.stripe.url}/v1/refunds`, {
    method: 'POST',
    headers: { authorization: `Bearer ${STRIPE_KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ payment_intent: paymentId, amount: String(cents) }).toString(),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { id: string }).id;
}

/** A refund made in Square's dashboard, held PENDING until the test settles it. */
async function refundAtSquare(paymentId: string, cents: number) {
  const hold = await fetch(`${t.square.url}/_sandbox/refunds`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ autoComplete: false }),
  });
  expect(hold.status).toBe(200);
  const response = await fetch(`${t.square.url}/v2/refunds`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SQUARE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      idempotency_key: newKey('sq-dash'),
      payment_id: paymentId,
      amount_money: { amount: cents, currency: 'USD' },
      reason: 'dashboard',
    }),
  });
  expect(response.status).toBe(200);
  const refundId = ((await response.json()) as { refund: { id: string } }).refund.id;
  const settled = await fetch(`${t.square.url}/_sandbox/refunds/${refundId}/settle`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'COMPLETED' }),
  });
  expect(settled.status).toBe(200);
  return refundId;
}

describe('the processor payment id is the posting key', () => {
  it('a second checkout named paid by an already-posted payment id is answered 2xx and posts nothing', async () => {
    const first = await paidAndPosted(SMILE, '11.00');
    const second = await create({ practiceId: SMILE, patientId: PATIENT, amount: '11.00' });
    resetLogs();
    // Stripe says the second session was completed by the first one's PaymentIntent.
    const sessionId = pageId(second.checkout.url);
    const account = t.stripe.sim.accountForKey(STRIPE_KEY)!;
    const session = (await (
      await fetch(`${t.stripe.url}/v1/checkout/sessions/${sessionId}`, { headers: { authorization: `Bearer ${STRIPE_KEY}` } })
    ).json()) as Record<string, unknown>;
    const event = t.stripe.sim.emit(account, 'checkout.session.completed', {
      ...session,
      status: 'complete',
      payment_status: 'paid',
      payment_intent: first.checkout.processorPaymentId,
    });
    await settle();
    const deliveries = t.stripe.webhooks.deliveries.filter((d) => d.eventId === event.id);
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.every((d) => d.state === 'delivered')).toBe(true);
    const after = await get(SMILE, second.transactionId);
    expect(after.status).toBe('PENDING');
    expect(after.checkout.status).toBe('OPEN');
    expect(after.checkout.processorPaymentId).toBeNull();
    expect(ledgerPosts()).toHaveLength(0);
  });
});

describe('catch-up through the change list after lost webhooks', () => {
  it('Stripe: webhooks lost in an outage, the payment made, one catch-up → exactly one ledger POST', async () => {
    const tx = await create({ practiceId: SMILE, patientId: PATIENT, amount: '13.00' });
    resetLogs();
    t.stripe.webhooks.hold(true);
    await payStripe(tx.checkout.url);
    await settle();
    expect((await get(SMILE, tx.transactionId)).status).toBe('PENDING');
    expect(ledgerPosts()).toHaveLength(0);

    await flow().catchUp(SMILE);
    await settle();
    const paid = await get(SMILE, tx.transactionId);
    expect(paid.status).toBe('SUBMITTED');
    expect(paid.checkout.status).toBe('PAID');
    expect(paid.checkout.amountPaid.cents).toBe(1300);
    expect(ledgerPosts()).toHaveLength(1);
    expect((ledgerPosts()[0]!.body as any).payment.transaction_id).toBe(tx.transactionId);
    expect(stripeCalls().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/events']);

    // The lost deliveries arrive after all, twice each, and the catch-up runs again: nothing more.
    await t.stripe.webhooks.release({ order: 'reverse', duplicate: true });
    await flow().catchUp(SMILE);
    await settle();
    await t.nex.completePendingInsertions();
    expect((await get(SMILE, tx.transactionId)).status).toBe('COMPLETED');
    expect(ledgerPosts()).toHaveLength(1);
  });

  it('Square: webhooks lost, the payment made, one catch-up → exactly one ledger POST', async () => {
    const tx = await create({ practiceId: DENTRIX, patientId: DX_PATIENT, amount: '17.00' });
    resetLogs();
    t.square.webhooks.hold();
    paySquare(tx.checkout.url);
    await settle();
    expect(ledgerPosts()).toHaveLength(0);

    await flow().catchUp(DENTRIX);
    await settle();
    const paid = await get(DENTRIX, tx.transactionId);
    expect(paid.checkout.status).toBe('PAID');
    expect(ledgerPosts()).toHaveLength(1);
    expect(Number((ledgerPosts()[0]!.body as any).payment.amount)).toBe(-17);
    expect(squareCalls().filter((r) => r.method === 'GET' && r.path === '/v2/payments')).toHaveLength(1);

    await t.square.webhooks.release({ order: 'reverse', duplicate: true });
    await flow().catchUp(DENTRIX);
    await settle();
    expect(ledgerPosts()).toHaveLength(1);
  });
});

describe('refunds made in the processor dashboard become REFUND transactions, posted once', () => {
  it('Stripe: posted once, a repeated event adds nothing, a gateway refund is not posted twice, never above what was paid', async () => {
    const tx = await paidAndPosted(SMILE, '30.00');
    const paymentId = tx.checkout.processorPaymentId as string;
    resetLogs();

    await refundAtStripe(paymentId, 500);
    await settle();
    let links = await get(SMILE, tx.transactionId);
    expect(links.refunds.map((r: any) => [r.kind, r.amount.cents])).toEqual([['REFUND', 500]]);
    expect(links.checkout.amountRefunded.cents).toBe(500);
    expect(ledgerAmounts()).toEqual([5]);

    // The same event again (Stripe redelivers): nothing more.
    const refundEvents = t.stripe.webhooks.deliveries.filter((d) => d.eventType === 'charge.refunded');
    for (const eventId of new Set(refundEvents.map((d) => d.eventId))) await t.stripe.webhooks.resend(eventId);
    await settle();
    expect((await get(SMILE, tx.transactionId)).refunds).toHaveLength(1);
    expect(ledgerAmounts()).toEqual([5]);

    // A refund through the gateway: its own charge.refunded (cumulative 15.00) is not a dashboard refund.
    const mine = await t.gql(REFUND, {
      input: { practiceId: SMILE, transactionId: tx.transactionId, amount: '10.00', idempotencyKey: newKey('refund') },
    });
    expect(mine.errors).toBeUndefined();
    await settle();
    expect(ledgerAmounts()).toEqual([5, 10]);
    expect((await get(SMILE, tx.transactionId)).refunds).toHaveLength(2);

    // The rest refunded in the dashboard, then the catch-up reads every event again: one more, for 15.00.
    await refundAtStripe(paymentId, 1500);
    await settle();
    await flow().catchUp(SMILE);
    await settle();
    links = await get(SMILE, tx.transactionId);
    expect(links.refunds.map((r: any) => r.amount.cents)).toEqual([500, 1000, 1500]);
    expect(links.checkout.amountRefunded.cents).toBe(3000);
    expect(links.checkout.amountPaid.cents).toBe(3000);
    expect(ledgerAmounts()).toEqual([5, 10, 15]);
    await t.nex.completePendingInsertions();
    for (const refund of links.refunds) expect((await get(SMILE, refund.transactionId)).status).toBe('COMPLETED');
  });

  it('Square: a completed dashboard refund posts once, also when its events and the catch-up repeat it', async () => {
    const tx = await paidAndPosted(DENTRIX, '40.00');
    const paymentId = tx.checkout.processorPaymentId as string;
    resetLogs();
    const refundId = await refundAtSquare(paymentId, 1200);
    await settle();
    let links = await get(DENTRIX, tx.transactionId);
    expect(links.refunds.map((r: any) => [r.kind, r.amount.cents])).toEqual([['REFUND', 1200]]);
    expect(ledgerAmounts()).toEqual([12]);
    // The final refund.updated made the one read of the payment's refunded total.
    const paymentReads = () => squareCalls().filter((r) => r.method === 'GET' && r.path === `/v2/payments/${paymentId}`);
    expect(paymentReads()).toHaveLength(1);

    for (const d of t.square.webhooks.deliveries.filter((d) => JSON.parse(d.rawBody).data?.id === refundId)) {
      await t.square.webhooks.resend(d.eventId);
    }
    await flow().catchUp(DENTRIX);
    await settle();
    links = await get(DENTRIX, tx.transactionId);
    expect(links.refunds).toHaveLength(1);
    expect(links.checkout.amountRefunded.cents).toBe(1200);
    expect(ledgerAmounts()).toEqual([12]);
    // Redeliveries are known by their event id before any read; the catch-up lists payments once.
    expect(paymentReads()).toHaveLength(1);
    expect(squareCalls().filter((r) => r.method === 'GET' && r.path === '/v2/payments')).toHaveLength(1);
  });
});

describe('retryPosting of a REFUND the ledger refused', () => {
  it('posts once more on retry; a second retry while it is sent is refused clearly', async () => {
    const tx = await paidAndPosted(SMILE, '25.00');
    resetLogs();
    t.nex.faults.add({ path: '/payments', method: 'POST', status: 400, times: 1 });
    const { data, errors } = await t.gql(REFUND, {
      input: { practiceId: SMILE, transactionId: tx.transactionId, amount: '4.00', idempotencyKey: newKey('refund') },
    });
    expect(errors).toBeUndefined();
    const refundId = data.refundTransaction.transaction.transactionId;
    await settle();
    const refused = await get(SMILE, refundId);
    expect(refused.status).toBe('SUBMITTED');
    expect(refused.attention).toMatch(
      /^refunded 4\.00 USD through STRIPE \(refund re_\w+\), the ledger refused: .*; post it by hand$/,
    );
    expect(ledgerPosts()).toHaveLength(1);
    expect(stripeCalls().filter((r) => r.path === '/v1/refunds')).toHaveLength(1);

    const retried = await t.gql(RETRY, { practiceId: SMILE, transactionId: refundId });
    expect(retried.errors).toBeUndefined();
    expect(retried.data.retryPosting.transaction.attention).toBeNull();
    await settle();
    expect(ledgerAmounts()).toEqual([4, 4]);
    // Money is given back once: the retry posts, it never refunds again.
    expect(stripeCalls().filter((r) => r.path === '/v1/refunds')).toHaveLength(1);

    const again = await t.gql(RETRY, { practiceId: SMILE, transactionId: refundId });
    expect(again.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(again.errors?.[0]?.message).toMatch(/already sent to the ledger.*nothing to retry/);
    await t.nex.completePendingInsertions();
    expect((await get(SMILE, refundId)).status).toBe('COMPLETED');
    const late = await t.gql(RETRY, { practiceId: SMILE, transactionId: refundId });
    expect(late.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(ledgerPosts()).toHaveLength(2);
  });
});

describe('a refund still settling at the processor is not in the ledger until it is final', () => {
  async function refundVia(transactionId: string, amount: string) {
    const { data, errors } = await t.gql(REFUND, {
      input: { practiceId: DENTRIX, transactionId, amount, idempotencyKey: newKey('refund') },
    });
    expect(errors).toBeUndefined();
    return data.refundTransaction.transaction.transactionId as string;
  }
  /** The one refund of `paymentId` still PENDING at Square (the one the gateway just asked for). */
  function pendingAtSquare(paymentId: string) {
    const pending = [...t.square.store.refunds.values()].filter((r) => r.payment_id === paymentId && r.status === 'PENDING');
    expect(pending).toHaveLength(1);
    return pending[0]!.id;
  }
  async function settleAtSquare(refundId: string, status: 'COMPLETED' | 'REJECTED') {
    const response = await fetch(`${t.square.url}/_sandbox/refunds/${refundId}/settle`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status }),
    });
    expect(response.status).toBe(200);
  }

  it('Square: PENDING posts nothing; REJECTED fails the refund with nothing posted; COMPLETED posts once', async () => {
    const tx = await paidAndPosted(DENTRIX, '30.00');
    resetLogs();
    t.square.store.autoCompleteRefunds = false;
    try {
      const rejectedId = await refundVia(tx.transactionId, '10.00');
      await settle();
      expect((await get(DENTRIX, rejectedId)).status).toBe('PENDING');
      expect(ledgerPosts()).toHaveLength(0);

      await settleAtSquare(pendingAtSquare(tx.checkout.processorPaymentId), 'REJECTED');
      await settle();
      const rejected = await get(DENTRIX, rejectedId);
      expect(rejected.status).toBe('FAILED');
      expect(rejected.failureReason).toMatch(/^the processor refused the refund; nothing was given back/);
      expect(ledgerPosts()).toHaveLength(0);

      // What was rejected is not counted: the whole 30.00 may still be refunded.
      const fullId = await refundVia(tx.transactionId, '30.00');
      await settle();
      expect(ledgerPosts()).toHaveLength(0);
      await settleAtSquare(pendingAtSquare(tx.checkout.processorPaymentId), 'COMPLETED');
      await settle();
      await t.nex.completePendingInsertions();
      const full = await get(DENTRIX, fullId);
      expect(full.status).toBe('COMPLETED');
      expect(full.checkout).toBeNull();
      expect(ledgerPosts()).toHaveLength(1);
      expect(ledgerAmounts()).toEqual([30]);
      const links = await get(DENTRIX, tx.transactionId);
      expect(links.checkout.amountRefunded.cents).toBe(3000);
      // The processor was asked once per refund; settling was read, never asked again.
      expect(squareCalls().filter((r) => r.method === 'POST' && r.path === '/v2/refunds')).toHaveLength(2);
    } finally {
      t.square.store.autoCompleteRefunds = true;
    }
  });
});
