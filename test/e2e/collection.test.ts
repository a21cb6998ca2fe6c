/**
 * Issue 12: collecting through a processor, through the public GraphQL API against the in-process
 * Stripe, Square and NexHealth sandboxes (manual insertion: a posting lands only when the test says
 * so). Each case counts what went upstream in the sandboxes' request logs: a checkout opens with one
 * processor call, a paid checkout posts exactly one ledger payment whatever the webhooks do, and a
 * refused input reaches nobody.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATHENA_SEED_PATIENTS } from '../../src/sandbox/athenahealth';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { startTestGateway, type TestGateway } from './harness';

const CHECKOUT_FIELDS = /* GraphQL */ `
  fragment Co on LedgerTransaction {
    transactionId kind status attention failureReason
    amount { cents }
    records { __typename ... on Payment { amount { cents } transactionId charge { sourceId } } }
    checkout {
      processor url payPageUrl status processorPaymentId expiresAt
      amountPaid { cents } amountRefunded { cents }
      lines { description amount { cents } charge { sourceId } }
    }
  }
`;
const CREATE = /* GraphQL */ `
  mutation Create($input: CreateCheckoutInput!) { createCheckout(input: $input) { transaction { ...Co } } }
  ${CHECKOUT_FIELDS}
`;
const GET = /* GraphQL */ `
  query Get($practiceId: ID!, $transactionId: ID!) { transaction(practiceId: $practiceId, transactionId: $transactionId) { ...Co } }
  ${CHECKOUT_FIELDS}
`;
const CANCEL = /* GraphQL */ `
  mutation Cancel($practiceId: ID!, $transactionId: ID!) { cancelCheckout(practiceId: $practiceId, transactionId: $transactionId) { transaction { ...Co } } }
  ${CHECKOUT_FIELDS}
`;
const RETRY = /* GraphQL */ `
  mutation Retry($practiceId: ID!, $transactionId: ID!) { retryPosting(practiceId: $practiceId, transactionId: $transactionId) { transaction { ...Co } } }
  ${CHECKOUT_FIELDS}
`;

const SMILE = 'smile-dental';
const DENTRIX = 'bright-dentrix';
/** Open Dental patient 1029 and two of her charges. */
const PATIENT = NEX_SEED.ownGuarantor.ownId;
const CHARGE_A = '100120';
const CHARGE_B = '100121';
/** A charge of another patient (Dentrix location). */
const FOREIGN_CHARGE = '100156';
const DX_PATIENT = NEX_SEED.dentrixPatientId;

let t: TestGateway;
let keySeq = 0;
const newKey = (label: string) => `e2e-co-${label}-${++keySeq}`;

beforeAll(async () => {
  t = await startTestGateway({ gateway: { collection: { watchIntervalMs: 3_600_000 } } });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const ledgerPosts = () =>
  t.nex.requests.filter((r) => r.method === 'POST' && (r.path === '/payments' || r.path === '/adjustments'));
const stripeCalls = () => t.stripe.requests.filter((r) => r.path.startsWith('/v1/'));
const squareCalls = () => t.square.requests.filter((r) => r.path.startsWith('/v2/'));

function resetLogs() {
  t.nex.resetRequestLog();
  t.athena.resetRequestLog();
  t.stripe.requests.length = 0;
  t.square.resetRequestLog();
}

/** Everything the processors sent has been answered and everything it started has run. */
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

/** The processor's id of the checkout, read from its hosted page's URL (`/c/pay/<id>`, `/pay/<id>`). */
const pageId = (url: string) => new URL(url).pathname.split('/').pop()!;

async function payStripe(url: string, card: string) {
  const response = await fetch(`${t.stripe.url}/_sandbox/checkout/sessions/${pageId(url)}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ card }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { outcome: string };
}

describe('Stripe (smile-dental): checkout → paid → one ledger posting → COMPLETED', () => {
  it('opens one checkout, survives a decline, posts the charges once, completes with their rows', async () => {
    resetLogs();
    const tx = await create({ practiceId: SMILE, patientId: PATIENT, chargeIds: [CHARGE_A, CHARGE_B] });
    expect(tx.kind).toBe('COLLECTION');
    expect(tx.status).toBe('PENDING');
    expect(tx.checkout.processor).toBe('STRIPE');
    expect(tx.checkout.status).toBe('OPEN');
    expect(tx.checkout.url).toMatch(new RegExp(`^${t.stripe.url}/c/pay/cs_`));
    expect(tx.checkout.payPageUrl).toMatch(new RegExp(`^${t.url}/pay/[A-Za-z0-9_-]{43}$`));
    expect(tx.checkout.lines.map((l: any) => l.charge.sourceId)).toEqual([CHARGE_A, CHARGE_B]);
    const total = tx.checkout.lines.reduce((sum: number, l: any) => sum + l.amount.cents, 0);
    expect(total).toBeGreaterThan(0);
    expect(tx.amount.cents).toBe(-total);
    expect(stripeCalls().map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/checkout/sessions']);
    expect(ledgerPosts()).toHaveLength(0);

    // A decline is not a state change: the page stays open and nothing is posted.
    expect((await payStripe(tx.checkout.url, '4000000000000002')).outcome).not.toBe('succeeded');
    await settle();
    expect((await get(SMILE, tx.transactionId)).status).toBe('PENDING');
    expect(ledgerPosts()).toHaveLength(0);

    await payStripe(tx.checkout.url, '4242424242424242');
    await settle();
    const paid = await get(SMILE, tx.transactionId);
    expect(paid.status).toBe('SUBMITTED');
    expect(paid.checkout.status).toBe('PAID');
    expect(paid.checkout.url).toBeNull();
    expect(paid.checkout.processorPaymentId).toMatch(/^pi_/);
    expect(paid.checkout.amountPaid.cents).toBe(total);
    const posts = ledgerPosts();
    expect(posts).toHaveLength(1);
    const body = (posts[0]!.body as any).payment;
    expect(body.transaction_id).toBe(tx.transactionId);
    expect(Number(body.amount) * 100).toBeCloseTo(-total, 6);
    expect(Object.keys(body.charge_splits).sort()).toEqual([CHARGE_A, CHARGE_B]);

    await t.nex.completePendingInsertions();
    const done = await get(SMILE, tx.transactionId);
    expect(done.status).toBe('COMPLETED');
    expect(done.records.map((r: any) => r.charge.sourceId).sort()).toEqual([CHARGE_A, CHARGE_B]);
    expect(done.records.reduce((sum: number, r: any) => sum + r.amount.cents, 0)).toBe(-total);
    expect(ledgerPosts()).toHaveLength(1);
    // The whole life of the checkout cost the processor one call: webhooks told the rest.
    expect(stripeCalls()).toHaveLength(1);
  });

  it('duplicated, reordered and resent webhooks post once', async () => {
    resetLogs();
    const tx = await create({ practiceId: SMILE, patientId: PATIENT, amount: '12.34' });
    t.stripe.webhooks.hold(true);
    await payStripe(tx.checkout.url, '4242424242424242');
    t.stripe.webhooks.hold(false);
    const held = t.stripe.webhooks.deliveries.filter((d) => d.state === 'held');
    expect(held.length).toBeGreaterThan(0);
    // Every held event, newest first, each twice.
    const released = await fetch(`${t.stripe.url}/_sandbox/webhooks/release`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ order: 'reverse', duplicate: true }),
    });
    expect(released.status).toBe(200);
    await settle();
    expect(ledgerPosts()).toHaveLength(1);
    // And every one of them once more, after the posting.
    for (const eventId of new Set(held.map((d) => d.eventId))) {
      expect((await fetch(`${t.stripe.url}/_sandbox/events/${eventId}/resend`, { method: 'POST' })).status).toBe(200);
    }
    await settle();
    const paid = await get(SMILE, tx.transactionId);
    expect(paid.checkout.status).toBe('PAID');
    expect(ledgerPosts()).toHaveLength(1);
    expect((ledgerPosts()[0]!.body as any).payment.transaction_id).toBe(tx.transactionId);
  });

  it('an expired checkout FAILS and posts nothing', async () => {
    resetLogs();
    const tx = await create({ practiceId: SMILE, patientId: PATIENT, amount: '5.00', expiresInMinutes: 30 });
    const advanced = await fetch(`${t.stripe.url}/_sandbox/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceSeconds: 31 * 60 }),
    });
    expect(advanced.status).toBe(200);
    await settle();
    const expired = await get(SMILE, tx.transactionId);
    expect(expired.status).toBe('FAILED');
    expect(expired.checkout.status).toBe('EXPIRED');
    expect(expired.failureReason).toMatch(/expired before it was paid/);
    expect(ledgerPosts()).toHaveLength(0);
  });

  it('cancelCheckout closes an open checkout at the processor; a closed one cannot be canceled again', async () => {
    const tx = await create({ practiceId: SMILE, patientId: PATIENT, amount: '7.00' });
    resetLogs();
    const { data, errors } = await t.gql(CANCEL, { practiceId: SMILE, transactionId: tx.transactionId });
    expect(errors).toBeUndefined();
    expect(data.cancelCheckout.transaction.status).toBe('FAILED');
    expect(data.cancelCheckout.transaction.checkout.status).toBe('CANCELED');
    expect(stripeCalls().map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /v1/checkout/sessions/${pageId(tx.checkout.url)}/expire`,
    ]);
    const again = await t.gql(CANCEL, { practiceId: SMILE, transactionId: tx.transactionId });
    expect(again.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(ledgerPosts()).toHaveLength(0);
  });

  it('a forged delivery, and one for an unknown practice, are refused alike and change nothing', async () => {
    const tx = await create({ practiceId: SMILE, patientId: PATIENT, amount: '8.00' });
    resetLogs();
    const forged = JSON.stringify({
      id: 'evt_forged',
      type: 'checkout.session.completed',
      data: { object: { id: pageId(tx.checkout.url), payment_status: 'paid', status: 'complete' } },
    });
    const header = {
      'content-type': 'application/json',
      'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
    };
    const bad = await fetch(`${t.url}/webhooks/stripe/${SMILE}`, { method: 'POST', headers: header, body: forged });
    const unknown = await fetch(`${t.url}/webhooks/stripe/no-such-practice`, { method: 'POST', headers: header, body: forged });
    expect(bad.status).toBe(400);
    expect(unknown.status).toBe(400);
    expect(await bad.text()).toBe(await unknown.text());
    await settle();
    expect((await get(SMILE, tx.transactionId)).status).toBe('PENDING');
    expect(ledgerPosts()).toHaveLength(0);
  });
});

describe('Square (bright-dentrix)', () => {
  it('opens a payment link, learns the payment by webhook and posts it once', async () => {
    resetLogs();
    const tx = await create({ practiceId: DENTRIX, patientId: DX_PATIENT, amount: '40.00' });
    expect(tx.status).toBe('PENDING');
    expect(tx.checkout.processor).toBe('SQUARE');
    expect(squareCalls().map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v2/online-checkout/payment-links']);
    const outcome = t.square.pay(pageId(tx.checkout.url), { card: '4111 1111 1111 1111', cvv: '111', postalCode: '12345' });
    expect(outcome).not.toBeNull();
    await settle();
    const paid = await get(DENTRIX, tx.transactionId);
    expect(paid.checkout.status).toBe('PAID');
    expect(paid.checkout.amountPaid.cents).toBe(4000);
    expect(ledgerPosts()).toHaveLength(1);
    expect(Number((ledgerPosts()[0]!.body as any).payment.amount)).toBe(-40);
    await t.nex.completePendingInsertions();
    const done = await get(DENTRIX, tx.transactionId);
    expect(done.status).toBe('COMPLETED');
    expect(done.records.reduce((sum: number, r: any) => sum + r.amount.cents, 0)).toBe(-4000);
    expect(ledgerPosts()).toHaveLength(1);
    expect(squareCalls()).toHaveLength(1);
  });
});

describe('a ledger that refuses the posting: attention, then retryPosting posts once', () => {
  it('keeps the money visible (PAID, attention) and posts exactly once more on retry', async () => {
    const tx = await create({ practiceId: SMILE, patientId: PATIENT, amount: '21.00' });
    resetLogs();
    t.nex.faults.add({ path: '/payments', method: 'POST', status: 400, times: 1 });
    await payStripe(tx.checkout.url, '4242424242424242');
    await settle();
    const refused = await get(SMILE, tx.transactionId);
    expect(refused.status).toBe('SUBMITTED');
    expect(refused.checkout.status).toBe('PAID');
    expect(refused.attention).toMatch(
      /^collected 21\.00 USD through STRIPE \(payment pi_\w+\), the ledger refused: .*; post it by hand or refund$/,
    );
    expect(ledgerPosts()).toHaveLength(1);

    const { data, errors } = await t.gql(RETRY, { practiceId: SMILE, transactionId: tx.transactionId });
    expect(errors).toBeUndefined();
    expect(data.retryPosting.transaction.attention).toBeNull();
    await settle();
    expect(ledgerPosts()).toHaveLength(2);
    await t.nex.completePendingInsertions();
    expect((await get(SMILE, tx.transactionId)).status).toBe('COMPLETED');
    const again = await t.gql(RETRY, { practiceId: SMILE, transactionId: tx.transactionId });
    expect(again.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(ledgerPosts()).toHaveLength(2);
  });
});

describe('refused input creates nothing anywhere', () => {
  const cases: Array<[string, Record<string, unknown>, string, { readsLedger: boolean }]> = [
    [
      'two of amount/chargeIds/payBalance',
      { practiceId: SMILE, patientId: PATIENT, amount: '1.00', payBalance: true },
      'BAD_USER_INPUT',
      { readsLedger: false },
    ],
    ['none of them', { practiceId: SMILE, patientId: PATIENT }, 'BAD_USER_INPUT', { readsLedger: false }],
    [
      'an amount above limits.maxAmount',
      { practiceId: SMILE, patientId: PATIENT, amount: '100000.01' },
      'AMOUNT_OUT_OF_RANGE',
      { readsLedger: false },
    ],
    [
      'below the processor minimum',
      { practiceId: SMILE, patientId: PATIENT, amount: '0.49' },
      'AMOUNT_OUT_OF_RANGE',
      { readsLedger: true },
    ],
    [
      'expiresInMinutes below 30',
      { practiceId: SMILE, patientId: PATIENT, amount: '1.00', expiresInMinutes: 29 },
      'BAD_USER_INPUT',
      { readsLedger: false },
    ],
    [
      'expiresInMinutes above 1440',
      { practiceId: SMILE, patientId: PATIENT, amount: '1.00', expiresInMinutes: 1441 },
      'BAD_USER_INPUT',
      { readsLedger: false },
    ],
    [
      'another processor than the practice’s',
      { practiceId: SMILE, patientId: PATIENT, amount: '1.00', processor: 'SQUARE' },
      'NOT_SUPPORTED',
      { readsLedger: false },
    ],
    ['no such patient', { practiceId: SMILE, patientId: '999999', amount: '1.00' }, 'NOT_FOUND', { readsLedger: true }],
    [
      'a charge of another patient',
      { practiceId: SMILE, patientId: PATIENT, chargeIds: [FOREIGN_CHARGE] },
      'BAD_USER_INPUT',
      { readsLedger: true },
    ],
    [
      'an athenahealth practice (no external payments)',
      { practiceId: 'northside', patientId: ATHENA_SEED_PATIENTS.selfGuarantor, amount: '1.00' },
      'NOT_SUPPORTED',
      { readsLedger: false },
    ],
    [
      'a practice with no processor',
      { practiceId: 'lakeside', patientId: ATHENA_SEED_PATIENTS.selfGuarantor, amount: '1.00' },
      'NOT_SUPPORTED',
      { readsLedger: false },
    ],
  ];
  for (const [what, input, code, { readsLedger }] of cases) {
    it(`${what} → ${code}`, async () => {
      resetLogs();
      const before = (await t.gateway.services.transactions.listByPractice(input.practiceId as string, { limit: 1000 })).length;
      const { errors } = await t.gql(CREATE, { input: { idempotencyKey: newKey('bad'), ...input } });
      expect(errors?.[0]?.extensions?.code).toBe(code);
      expect(stripeCalls()).toHaveLength(0);
      expect(squareCalls()).toHaveLength(0);
      expect(ledgerPosts()).toHaveLength(0);
      if (!readsLedger) expect(t.nex.requests.length + t.athena.requests.length).toBe(0);
      expect((await t.gateway.services.transactions.listByPractice(input.practiceId as string, { limit: 1000 })).length).toBe(
        before,
      );
    });
  }

  it('athenahealth says why', async () => {
    const { errors } = await t.gql(CREATE, {
      input: {
        practiceId: 'northside',
        patientId: ATHENA_SEED_PATIENTS.selfGuarantor,
        amount: '1.00',
        idempotencyKey: newKey('athena'),
      },
    });
    expect(errors?.[0]?.message).toMatch(/collects card payments through its own collectPayment/);
  });
});

describe('refunds: the processor first, then the ledger; never more than was paid', () => {
  const REFUND = /* GraphQL */ `
    mutation Refund($input: RefundTransactionInput!) {
      refundTransaction(input: $input) {
        transaction { transactionId kind status amount { cents } failureReason attention refundOf { transactionId } }
      }
    }
  `;
  const LINKS = /* GraphQL */ `
    query Links($practiceId: ID!, $transactionId: ID!) {
      transaction(practiceId: $practiceId, transactionId: $transactionId) {
        checkout { amountRefunded { cents } }
        refunds { transactionId kind status amount { cents } }
      }
    }
  `;
  const refundsAt = (processor: 'stripe' | 'square') =>
    processor === 'stripe'
      ? stripeCalls().filter((r) => r.method === 'POST' && r.path === '/v1/refunds')
      : squareCalls().filter((r) => r.method === 'POST' && r.path === '/v2/refunds');

  for (const [practiceId, patientId, processor] of [
    [SMILE, PATIENT, 'stripe'],
    [DENTRIX, DX_PATIENT, 'square'],
  ] as const) {
    it(`${processor}: a partial refund, then one above what is left is refused; the refund posts once (${practiceId})`, async () => {
      const tx = await create({ practiceId, patientId, amount: '30.00' });
      if (processor === 'stripe') await payStripe(tx.checkout.url, '4242424242424242');
      else t.square.pay(pageId(tx.checkout.url), { card: '4111 1111 1111 1111', cvv: '111', postalCode: '12345' });
      await settle();
      await t.nex.completePendingInsertions();
      expect((await get(practiceId, tx.transactionId)).status).toBe('COMPLETED');
      resetLogs();
      // Square's refunds stay PENDING until the test completes them (the sandbox would after 5 ms).
      if (processor === 'square') t.square.store.autoCompleteRefunds = false;

      const first = await t.gql(REFUND, {
        input: {
          practiceId,
          transactionId: tx.transactionId,
          amount: '10.00',
          reason: 'overpaid',
          idempotencyKey: newKey('refund'),
        },
      });
      expect(first.errors).toBeUndefined();
      const refund = first.data.refundTransaction.transaction;
      expect(refund.kind).toBe('REFUND');
      expect(refund.amount.cents).toBe(1000);
      expect(refund.refundOf.transactionId).toBe(tx.transactionId);
      expect(refund.failureReason).toBeNull();
      expect(refundsAt(processor)).toHaveLength(1);
      if (processor === 'square') {
        // Square answers a refund PENDING: nothing reaches the ledger until it completes.
        expect(ledgerPosts()).toHaveLength(0);
        const pending = [...t.square.store.refunds.values()].filter((r) => r.status === 'PENDING');
        expect(pending).toHaveLength(1);
        t.square.store.settleRefund(pending[0]!.id, 'COMPLETED');
        t.square.store.autoCompleteRefunds = true;
        await settle();
      }
      const posts = ledgerPosts();
      expect(posts).toHaveLength(1);
      expect(Number((posts[0]!.body as any).payment.amount)).toBe(10);
      await t.nex.completePendingInsertions();
      expect((await get(practiceId, refund.transactionId)).status).toBe('COMPLETED');

      const above = await t.gql(REFUND, {
        input: { practiceId, transactionId: tx.transactionId, amount: '20.01', idempotencyKey: newKey('refund') },
      });
      expect(above.errors?.[0]?.extensions?.code).toBe('AMOUNT_OUT_OF_RANGE');
      expect(refundsAt(processor)).toHaveLength(1);
      expect(ledgerPosts()).toHaveLength(1);

      const links = (await t.gql(LINKS, { practiceId, transactionId: tx.transactionId })).data.transaction;
      expect(links.checkout.amountRefunded.cents).toBe(1000);
      expect(links.refunds.map((r: any) => [r.transactionId, r.kind, r.amount.cents])).toEqual([
        [refund.transactionId, 'REFUND', 1000],
      ]);
    });
  }

  it('an open checkout cannot be refunded, and nothing is sent', async () => {
    const tx = await create({ practiceId: SMILE, patientId: PATIENT, amount: '9.00' });
    resetLogs();
    const { errors } = await t.gql(REFUND, {
      input: { practiceId: SMILE, transactionId: tx.transactionId, amount: '1.00', idempotencyKey: newKey('refund') },
    });
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(stripeCalls()).toHaveLength(0);
    expect(ledgerPosts()).toHaveLength(0);
  });
});
