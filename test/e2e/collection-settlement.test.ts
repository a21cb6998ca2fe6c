/**
 * Issue 12, settlement through the collection flow: Stripe's async payment methods (`processing`,
 * then succeeded or failed) and Square's expiry (Square links never expire, so the checkout's job
 * cancels the link at `expiresAt`, on the gateway's clock, faked here). Through the public GraphQL
 * API against the in-process sandboxes; the sandboxes' request logs are the evidence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { startTestGateway, type TestGateway } from './harness';

const FIELDS = /* GraphQL */ `
  fragment Co on LedgerTransaction {
    transactionId status attention failureReason
    checkout { status url processorPaymentId amountPaid { cents } }
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

const SMILE = 'smile-dental';
const DENTRIX = 'bright-dentrix';
const PATIENT = NEX_SEED.ownGuarantor.ownId;
const DX_PATIENT = NEX_SEED.dentrixPatientId;

/** The gateway's clock (its jobs' too): real time plus what a test advanced. */
let offsetMs = 0;
let t: TestGateway;
let keySeq = 0;

beforeAll(async () => {
  t = await startTestGateway({
    gateway: {
      collection: { watchIntervalMs: 3_600_000, catchUpIntervalMs: 3_600_000 },
      transactionOptions: { now: () => new Date(Date.now() + offsetMs) },
    },
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const ledgerPosts = () =>
  t.nex.requests.filter((r) => r.method === 'POST' && (r.path === '/payments' || r.path === '/adjustments'));
const pageId = (url: string) => new URL(url).pathname.split('/').pop()!;

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
  const { data, errors } = await t.gql(CREATE, { input: { idempotencyKey: `e2e-settle-${++keySeq}`, ...input } });
  expect(errors).toBeUndefined();
  return data.createCheckout.transaction;
}

async function get(practiceId: string, transactionId: string) {
  const { data, errors } = await t.gql(GET, { practiceId, transactionId });
  expect(errors).toBeUndefined();
  return data.transaction;
}

async function control(path: string, body: Record<string, unknown>) {
  const response = await fetch(`${t.stripe.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, any>;
}

/** Pay with an async method: the session completes unpaid, its PaymentIntent is `processing`. */
async function payAsync(url: string): Promise<string> {
  const answer = await control(`/_sandbox/checkout/sessions/${pageId(url)}/pay`, { outcome: 'async' });
  const intent = answer.payment_intent;
  const id = typeof intent === 'string' ? intent : intent?.id;
  expect(id).toMatch(/^pi_/);
  return id;
}

describe('Stripe async settlement', () => {
  it('processing → succeeded: nothing posted while processing, then exactly one posting', async () => {
    const tx = await create({ practiceId: SMILE, patientId: PATIENT, amount: '19.00' });
    resetLogs();
    const intent = await payAsync(tx.checkout.url);
    await settle();
    const processing = await get(SMILE, tx.transactionId);
    expect(processing.status).toBe('PENDING');
    expect(processing.checkout.status).toBe('OPEN');
    expect(ledgerPosts()).toHaveLength(0);

    await control(`/_sandbox/payment_intents/${intent}/settle`, { succeeded: true });
    await settle();
    const paid = await get(SMILE, tx.transactionId);
    expect(paid.status).toBe('SUBMITTED');
    expect(paid.checkout.status).toBe('PAID');
    expect(paid.checkout.processorPaymentId).toBe(intent);
    expect(paid.checkout.amountPaid.cents).toBe(1900);
    expect(ledgerPosts()).toHaveLength(1);
    expect(Number((ledgerPosts()[0]!.body as any).payment.amount)).toBe(-19);
    await t.nex.completePendingInsertions();
    expect((await get(SMILE, tx.transactionId)).status).toBe('COMPLETED');
    // Webhooks told everything: the gateway called Stripe for nothing after opening the checkout.
    expect(t.stripe.requests.filter((r) => r.path.startsWith('/v1/'))).toHaveLength(0);
    expect(ledgerPosts()).toHaveLength(1);
  });

  it('processing → failed: FAILED with why, nothing posted, nothing left to pay on that page', async () => {
    const tx = await create({ practiceId: SMILE, patientId: PATIENT, amount: '23.00' });
    resetLogs();
    const intent = await payAsync(tx.checkout.url);
    await settle();
    await control(`/_sandbox/payment_intents/${intent}/settle`, { succeeded: false });
    await settle();
    const failed = await get(SMILE, tx.transactionId);
    expect(failed.status).toBe('FAILED');
    expect(failed.failureReason).toBe('the payment failed to settle; nothing was collected');
    expect(failed.checkout.status).not.toBe('PAID');
    expect(failed.checkout.url).toBeNull();
    expect(failed.attention).toBeNull();
    expect(ledgerPosts()).toHaveLength(0);
  });
});

describe('Square expiry on the gateway clock', () => {
  it('at expiresAt the job cancels the payment link: FAILED, zero ledger posts, the page gone', async () => {
    const tx = await create({ practiceId: DENTRIX, patientId: DX_PATIENT, amount: '8.00', expiresInMinutes: 30 });
    expect(tx.status).toBe('PENDING');
    const linkId = pageId(tx.checkout.url);
    resetLogs();
    // Before expiresAt the due jobs do nothing upstream.
    await t.gateway.services.transactions.context.jobs.tick();
    expect(t.square.requests.filter((r) => r.path.startsWith('/v2/'))).toHaveLength(0);

    offsetMs += 31 * 60_000;
    await t.gateway.services.transactions.context.jobs.tick();
    await settle();
    const expired = await get(DENTRIX, tx.transactionId);
    expect(expired.status).toBe('FAILED');
    expect(expired.checkout.status).toBe('EXPIRED');
    expect(expired.failureReason).toMatch(/expired before it was paid/);
    expect(t.square.requests.filter((r) => r.path.startsWith('/v2/')).map((r) => `${r.method} ${r.path}`)).toContain(
      `DELETE /v2/online-checkout/payment-links/${linkId}`,
    );
    expect(ledgerPosts()).toHaveLength(0);
    // The patient can no longer pay there.
    expect(t.square.pay(linkId, { card: '4111 1111 1111 1111', cvv: '111', postalCode: '12345' })?.outcome ?? 'gone').not.toBe(
      'paid',
    );
    await settle();
    expect(ledgerPosts()).toHaveLength(0);
  });
});
