/**
 * Issue 12, webhooks that come late: held by the processor then released, and stale ones, through
 * the public API and the real webhook routes against the Stripe, Square and NexHealth sandboxes.
 *
 * - Held: while a processor holds its deliveries the gateway knows nothing (the read-back of open
 *   checkouts is an hour away, past this test's horizon), so nothing is posted; released, the
 *   payment posts exactly once.
 * - Stale, Stripe: a correctly signed delivery whose `t` is outside the 300 s tolerance is refused
 *   (400) and stores nothing: the same event delivered fresh afterwards is not a duplicate to the
 *   gateway, and posts once.
 * - Stale, Square (no timestamp is signed; replays are stopped by `event_id` alone, and stale
 *   states must not undo newer ones): a correctly signed event created 71 hours ago (Square retries
 *   for 72 h) is accepted and posts once; the very same bytes replayed later change nothing; a
 *   `payment.created` snapshot (APPROVED) arriving after the COMPLETED one changes nothing.
 *
 * Evidence: the NexHealth request log (every ledger POST), the processors' delivery logs, and the
 * store's `processor_events` table (what the gateway recorded).
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { signSquareDelivery, SIGNATURE_HEADER } from '../../src/sandbox/square/webhooks';
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
      records { ... on Payment { amount { cents } } }
    }
  }
`;

const SMILE = 'smile-dental';
const DENTRIX = 'bright-dentrix';
const PATIENTS = { [SMILE]: NEX_SEED.ownGuarantor.ownId, [DENTRIX]: NEX_SEED.dentrixPatientId } as const;
const STRIPE_TOLERANCE_S = 300;

let t: TestGateway;
let keySeq = 0;

beforeAll(async () => {
  // The read-back of open checkouts is an hour away: only webhooks can tell the gateway anything here.
  t = await startTestGateway({ gateway: { collection: { watchIntervalMs: 3_600_000 } } });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const postsFor = (transactionId: string) =>
  t.nex.requests.filter(
    (r) => r.method === 'POST' && r.path === '/payments' && (r.body as any)?.payment?.transaction_id === transactionId,
  );
const pageId = (url: string) => new URL(url).pathname.split('/').pop()!;

async function settle() {
  await Promise.all([t.stripe.webhooks.idle(), t.square.webhooks.idle()]);
  await t.gateway.services.transactions.context.inFlight.settle();
}

async function create(practiceId: keyof typeof PATIENTS, amount: string): Promise<{ id: string; page: string }> {
  const { data, errors } = await t.gql(CREATE, {
    input: { practiceId, patientId: PATIENTS[practiceId], amount, idempotencyKey: `e2e-co-late-${++keySeq}` },
  });
  expect(errors).toBeUndefined();
  const tx = data.createCheckout.transaction;
  return { id: tx.transactionId, page: pageId(tx.checkout.url) };
}

async function get(practiceId: string, transactionId: string) {
  const { data, errors } = await t.gql(GET, { practiceId, transactionId });
  expect(errors).toBeUndefined();
  return data.transaction;
}

async function pay(processor: 'stripe' | 'square', page: string) {
  if (processor === 'square') {
    expect(t.square.pay(page, { card: '4111 1111 1111 1111', cvv: '111', postalCode: '12345' })?.outcome).toBe('paid');
    return;
  }
  const response = await fetch(`${t.stripe.url}/_sandbox/checkout/sessions/${page}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ card: '4242424242424242' }),
  });
  expect(response.status).toBe(200);
  expect(((await response.json()) as { outcome: string }).outcome).toBe('succeeded');
}

/** Event ids the gateway recorded for a practice, among `eventIds`. */
async function recorded(practiceId: string, eventIds: string[]): Promise<string[]> {
  const { rows } = await t.gateway.store.sql.query<{ event_id: string }>(
    'SELECT event_id FROM processor_events WHERE practice_id = $1 AND event_id = ANY($2)',
    [practiceId, eventIds],
  );
  return rows.map((r) => r.event_id);
}

/** The two sandboxes' webhook knobs, as one shape. */
function processorHub(processor: 'stripe' | 'square') {
  const hub = processor === 'stripe' ? t.stripe.webhooks : t.square.webhooks;
  return {
    hold: () => hub.hold(),
    held: () =>
      (hub.deliveries as ReadonlyArray<{ state: string; attempts: ReadonlyArray<{ status: number | null }> }>).filter(
        (d) => d.state === 'held',
      ),
    release: (options: { order: 'fifo' | 'reverse'; duplicate: boolean }) => hub.release(options),
  };
}

describe('held, then released: nothing posted while held, one posting after', () => {
  for (const [processor, practiceId, amount, cents] of [
    ['stripe', SMILE, '23.45', 2345],
    ['square', DENTRIX, '34.56', 3456],
  ] as const) {
    it(`${processor} (${practiceId})`, async () => {
      const hub = processorHub(processor);
      const { id, page } = await create(practiceId, amount);
      hub.hold();
      await pay(processor, page);
      await settle();

      const held = hub.held();
      expect(held.length).toBeGreaterThan(0);
      expect(held.every((d) => d.attempts.length === 0)).toBe(true);
      const waiting = await get(practiceId, id);
      expect(waiting.status).toBe('PENDING');
      expect(waiting.checkout.status).toBe('OPEN');
      expect(postsFor(id)).toHaveLength(0);

      // Released newest first, each twice: the payment's events arrive reversed and duplicated.
      expect(await hub.release({ order: 'reverse', duplicate: true })).toBe(held.length);
      await settle();
      expect(held.every((d) => d.attempts.some((a) => a.status === 200))).toBe(true);
      const paid = await get(practiceId, id);
      expect(paid.checkout.status).toBe('PAID');
      expect(paid.checkout.amountPaid.cents).toBe(cents);
      expect(postsFor(id).map((r) => r.status)).toEqual([202]);
      expect(Math.round(Number((postsFor(id)[0]!.body as any).payment.amount) * 100)).toBe(-cents);

      await t.nex.completePendingInsertions();
      const done = await get(practiceId, id);
      expect(done.status).toBe('COMPLETED');
      expect(done.records.reduce((sum: number, r: any) => sum + r.amount.cents, 0)).toBe(-cents);
      expect(postsFor(id)).toHaveLength(1);
    });
  }
});

describe('Stripe: a correctly signed delivery outside the timestamp tolerance', () => {
  it('is refused (400), stores nothing, posts nothing; the same event delivered fresh posts once', async () => {
    const { id, page } = await create(SMILE, '45.67');
    t.stripe.webhooks.hold();
    await pay('stripe', page);
    await settle();
    const held = t.stripe.webhooks.deliveries.filter((d) => d.state === 'held');
    expect(held.length).toBeGreaterThan(0);
    const account = t.stripe.sim.accountForKey(t.stripe.accounts.smileDental.secretKey)!;
    const eventIds = [...new Set(held.map((d) => d.eventId))];

    for (const delivery of held) {
      const endpoint = [...account.endpoints.values()].find((e) => e.id === delivery.endpointId)!;
      // One second past the tolerance, signed with the endpoint's real secret over the exact bytes.
      const stale = Math.floor(Date.now() / 1000) - STRIPE_TOLERANCE_S - 1;
      const v1 = createHmac('sha256', endpoint.secret).update(`${stale}.${delivery.body}`, 'utf8').digest('hex');
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': `t=${stale},v1=${v1}` },
        body: delivery.body,
      });
      expect(response.status).toBe(400);
    }
    await settle();
    expect(await recorded(SMILE, eventIds)).toEqual([]);
    const refused = await get(SMILE, id);
    expect(refused.status).toBe('PENDING');
    expect(refused.checkout.status).toBe('OPEN');
    expect(postsFor(id)).toHaveLength(0);

    // The processor's own delivery of the same events, signed now: not a duplicate to the gateway.
    await t.stripe.webhooks.release();
    await settle();
    expect((await recorded(SMILE, eventIds)).length).toBeGreaterThan(0);
    expect((await get(SMILE, id)).checkout.status).toBe('PAID');
    expect(postsFor(id).map((r) => r.status)).toEqual([202]);
    await t.nex.completePendingInsertions();
    expect((await get(SMILE, id)).status).toBe('COMPLETED');
  });
});

describe('Square: no signed timestamp, so late is accepted, replays and stale states change nothing', () => {
  /** The subscription the gateway registered for bright-dentrix, with its signing key. */
  const subscriptionFor = (notificationUrl: string) =>
    [...t.square.store.subscriptions.values()].find((s) => s.notification_url === notificationUrl)!;

  async function deliver(url: string, body: string, signature: string) {
    return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature }, body });
  }

  it('an event created 71 hours ago is accepted and posts once; replayed byte for byte later, nothing more', async () => {
    const { id, page } = await create(DENTRIX, '56.78');
    t.square.webhooks.hold();
    await pay('square', page);
    const held = t.square.webhooks.deliveries.filter((d) => d.state === 'held');
    const completed = held.find(
      (d) => d.type === 'payment.updated' && JSON.parse(d.rawBody).data.object.payment.status === 'COMPLETED',
    );
    expect(completed).toBeDefined();
    // Square retries for up to 72 h: the same event, still correctly signed, arriving 71 h after it was created.
    const late = JSON.parse(completed!.rawBody);
    late.created_at = new Date(Date.now() - 71 * 3_600_000).toISOString();
    const lateBody = JSON.stringify(late);
    const key = subscriptionFor(completed!.notificationUrl).signature_key;
    const lateSignature = signSquareDelivery(key, completed!.notificationUrl, lateBody);
    expect((await deliver(completed!.notificationUrl, lateBody, lateSignature)).status).toBe(200);
    await settle();
    expect((await get(DENTRIX, id)).checkout.status).toBe('PAID');
    expect(postsFor(id).map((r) => r.status)).toEqual([202]);
    await t.nex.completePendingInsertions();
    expect((await get(DENTRIX, id)).status).toBe('COMPLETED');

    // A replay of the captured bytes (valid signature, same event_id), and the processor's own held
    // deliveries of every event of this payment: answered 2xx, nothing posted again.
    expect((await deliver(completed!.notificationUrl, lateBody, lateSignature)).status).toBe(200);
    await t.square.webhooks.release({ duplicate: true });
    await settle();
    expect(postsFor(id)).toHaveLength(1);
    const done = await get(DENTRIX, id);
    expect(done.status).toBe('COMPLETED');
    expect(done.checkout.amountPaid.cents).toBe(5678);
  });

  it('a payment.created (APPROVED) snapshot arriving after the COMPLETED one changes nothing', async () => {
    const { id, page } = await create(DENTRIX, '67.89');
    t.square.webhooks.hold();
    await pay('square', page);
    const held = t.square.webhooks.deliveries.filter((d) => d.state === 'held');
    const created = held.find((d) => d.type === 'payment.created')!;
    const updated = held.find((d) => d.type === 'payment.updated')!;
    expect(JSON.parse(created.rawBody).data.object.payment.status).toBe('APPROVED');
    expect(JSON.parse(updated.rawBody).data.object.payment.status).toBe('COMPLETED');

    // Newest state first, then the stale one: each with Square's own signature and bytes.
    expect((await deliver(updated.notificationUrl, updated.rawBody, updated.signature)).status).toBe(200);
    await settle();
    const paid = await get(DENTRIX, id);
    expect(paid.checkout.status).toBe('PAID');
    expect(postsFor(id)).toHaveLength(1);
    expect((await deliver(created.notificationUrl, created.rawBody, created.signature)).status).toBe(200);
    await settle();
    const after = await get(DENTRIX, id);
    expect(after.checkout.status).toBe('PAID');
    expect(after.checkout.processorPaymentId).toBe(paid.checkout.processorPaymentId);
    expect(after.checkout.amountPaid.cents).toBe(6789);
    expect(postsFor(id)).toHaveLength(1);

    // Let the held originals go too (they were delivered by hand above): still one posting.
    await t.square.webhooks.release();
    await settle();
    expect(postsFor(id)).toHaveLength(1);
    await t.nex.completePendingInsertions();
    expect((await get(DENTRIX, id)).status).toBe('COMPLETED');
  });
});
