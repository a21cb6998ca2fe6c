/**
 * The Stripe adapter against the Stripe simulator, through every port method: checkouts (create,
 * read, cancel, expiry), payments with each test card and async settlement, refunds, webhook
 * registration and verification of real deliveries, and the events list. The sandbox's request log
 * is the evidence of what went over the wire.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError, WebhookRejected } from '../../../src/adapters/ledger/port';
import type { ProcessorAdapter, ProcessorEvent } from '../../../src/adapters/processor/port';
import type { WebhookDelivery } from '../../../src/adapters/system';
import { signPayload, type StripeSandbox } from '../../../src/sandbox/stripe';
import { checkoutRequest, control, sandboxAndAdapter, webhookReceiver } from './helpers';

let sandbox: StripeSandbox;
let adapter: ProcessorAdapter;

beforeAll(async () => {
  ({ sandbox, adapter } = await sandboxAndAdapter());
});
afterAll(async () => {
  await adapter.close();
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

const pay = (sessionId: string, body: Record<string, unknown>) =>
  control(sandbox, `/_sandbox/checkout/sessions/${sessionId}/pay`, body);

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe('checkouts', () => {
  it('creates a session and answers it in the port’s words', async () => {
    const request = checkoutRequest(sandbox);
    const checkout = await adapter.createCheckout(request);
    expect(checkout.id).toMatch(/^cs_/);
    expect(checkout).toEqual({
      id: checkout.id,
      matchId: checkout.id,
      transactionId: request.transactionId,
      url: `${sandbox.url}/c/pay/${checkout.id}`,
      status: 'OPEN',
      amount: 12_500,
      currency: 'USD',
      paymentId: null,
      amountPaid: 0,
      expiresAt: new Date(Math.floor(Date.parse(request.expiresAt) / 1000) * 1000).toISOString(),
      createdAt: expect.any(String),
    });
    expect(await adapter.getCheckout(checkout.id)).toEqual(checkout);
  });

  it('replays a create repeated under the same key, and refuses the key with other parameters', async () => {
    const request = checkoutRequest(sandbox);
    const first = await adapter.createCheckout(request);
    const again = await adapter.createCheckout(request);
    expect(again).toEqual(first);
    expect(sandbox.sim.accountForKey('sk_test_sandbox_smile_dental')!.sessions.size).toBe(1);
    const error = await rejection(adapter.createCheckout({ ...request, amount: 9_900 }));
    expect(error.code).toBe('UPSTREAM_REJECTED');
    expect(error.status).toBe(400);
    expect(error.message).toContain('idempotency_error');
  });

  it('a card payment makes it PAID with its PaymentIntent', async () => {
    const checkout = await adapter.createCheckout(checkoutRequest(sandbox));
    const paid = await pay(checkout.id, { card: '4242 4242 4242 4242' });
    expect(paid.outcome).toBe('succeeded');
    const after = await adapter.getCheckout(checkout.id);
    expect(after).toMatchObject({ status: 'PAID', url: null, amountPaid: 12_500, paymentId: paid.payment_intent.id });
    const payment = await adapter.getPayment(after.paymentId!);
    expect(payment).toEqual({
      id: after.paymentId,
      checkoutMatchId: null,
      transactionId: after.transactionId,
      status: 'SUCCEEDED',
      amount: 12_500,
      amountReceived: 12_500,
      amountRefunded: null,
      currency: 'USD',
      failure: null,
      updatedAt: null,
    });
  });

  it.each([
    ['4000000000000002', 'generic_decline', 'Your card was declined.'],
    ['4000000000009995', 'insufficient_funds', 'Your card has insufficient funds.'],
    ['4000000000000069', 'expired_card', 'Your card has expired.'],
    ['4000000000000127', 'incorrect_cvc', "Your card's security code is incorrect."],
    ['4000000000000119', 'processing_error', 'An error occurred while processing your card. Try again in a little bit.'],
  ])('card %s is a FAILED payment (%s), the checkout stays OPEN, and a good card then pays it', async (card, code, message) => {
    const checkout = await adapter.createCheckout(checkoutRequest(sandbox));
    const declined = await pay(checkout.id, { card });
    expect(declined.outcome).toBe('declined');
    const open = await adapter.getCheckout(checkout.id);
    expect(open).toMatchObject({ status: 'OPEN', amountPaid: 0, url: checkout.url });
    const failed = await adapter.getPayment(open.paymentId!);
    expect(failed).toMatchObject({ status: 'FAILED', amountReceived: 0, failure: { code, message } });

    await pay(checkout.id, { card: '4242424242424242' });
    const paid = await adapter.getCheckout(checkout.id);
    expect(paid).toMatchObject({ status: 'PAID', paymentId: open.paymentId, amountPaid: 12_500 });
    expect(await adapter.getPayment(open.paymentId!)).toMatchObject({ status: 'SUCCEEDED', failure: null });
  });

  it('an async payment is PROCESSING, then PAID when it settles', async () => {
    const checkout = await adapter.createCheckout(checkoutRequest(sandbox));
    const submitted = await pay(checkout.id, { outcome: 'async' });
    const processing = await adapter.getCheckout(checkout.id);
    expect(processing).toMatchObject({ status: 'PROCESSING', amountPaid: 0, url: null });
    expect(await adapter.getPayment(processing.paymentId!)).toMatchObject({ status: 'PENDING', amountReceived: 0 });
    await control(sandbox, `/_sandbox/payment_intents/${submitted.payment_intent.id}/settle`, { succeeded: true });
    expect(await adapter.getCheckout(checkout.id)).toMatchObject({ status: 'PAID', amountPaid: 12_500 });
    expect(await adapter.getPayment(processing.paymentId!)).toMatchObject({ status: 'SUCCEEDED', amountReceived: 12_500 });
  });

  it('an async payment that fails to settle makes the checkout FAILED', async () => {
    const checkout = await adapter.createCheckout(checkoutRequest(sandbox));
    const submitted = await pay(checkout.id, { outcome: 'async' });
    await control(sandbox, `/_sandbox/payment_intents/${submitted.payment_intent.id}/settle`, { succeeded: false });
    expect(await adapter.getCheckout(checkout.id)).toMatchObject({ status: 'FAILED', amountPaid: 0 });
    expect(await adapter.getPayment(submitted.payment_intent.id)).toMatchObject({ status: 'FAILED' });
  });

  it('expires on the sandbox clock; its declined PaymentIntent is CANCELED', async () => {
    const request = checkoutRequest(sandbox, {
      expiresAt: new Date(sandbox.clock.nowMs() + 31 * 60_000).toISOString(),
    });
    const checkout = await adapter.createCheckout(request);
    await pay(checkout.id, { card: '4000000000000002' });
    await control(sandbox, '/_sandbox/clock', { advanceSeconds: 30 * 60 });
    expect((await adapter.getCheckout(checkout.id)).status).toBe('OPEN');
    await control(sandbox, '/_sandbox/clock', { advanceSeconds: 61 });
    const expired = await adapter.getCheckout(checkout.id);
    expect(expired).toMatchObject({ status: 'EXPIRED', url: null });
    expect(await adapter.getPayment(expired.paymentId!)).toMatchObject({ status: 'CANCELED' });
  });

  it('refuses an expiry outside 30 min … 24 h as UPSTREAM_REJECTED', async () => {
    const error = await rejection(
      adapter.createCheckout(
        checkoutRequest(sandbox, { expiresAt: new Date(sandbox.clock.nowMs() + 10 * 60_000).toISOString() }),
      ),
    );
    expect(error).toMatchObject({ code: 'UPSTREAM_REJECTED', status: 400 });
    expect(error.message).toContain('parameter_invalid_integer');
  });

  it('cancelCheckout: CANCELED when it took effect, the real state otherwise', async () => {
    const open = await adapter.createCheckout(checkoutRequest(sandbox));
    const canceled = await adapter.cancelCheckout({ checkoutId: open.id, idempotencyKey: 'LG:1:cancel:1' });
    expect(canceled).toMatchObject({ id: open.id, status: 'CANCELED', url: null });
    // Asked again (a new attempt): the session is expired now, and the adapter says so.
    expect((await adapter.cancelCheckout({ checkoutId: open.id, idempotencyKey: 'LG:1:cancel:2' })).status).toBe('EXPIRED');

    const paidOne = await adapter.createCheckout(checkoutRequest(sandbox));
    await pay(paidOne.id, { card: '4242424242424242' });
    const answer = await adapter.cancelCheckout({ checkoutId: paidOne.id, idempotencyKey: 'LG:2:cancel:1' });
    expect(answer).toMatchObject({ status: 'PAID', amountPaid: 12_500 });

    const missing = await rejection(adapter.cancelCheckout({ checkoutId: 'cs_nope', idempotencyKey: 'LG:3:cancel:1' }));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('getCheckout / getPayment / getRefund of an unknown id is NOT_FOUND', async () => {
    expect(await rejection(adapter.getCheckout('cs_missing'))).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    expect(await rejection(adapter.getPayment('pi_missing'))).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    expect(await rejection(adapter.getRefund('re_missing'))).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });
});

describe('refunds', () => {
  async function paidPayment(): Promise<string> {
    const checkout = await adapter.createCheckout(checkoutRequest(sandbox));
    const paid = await pay(checkout.id, { card: '4242424242424242' });
    return paid.payment_intent.id as string;
  }

  it('partial then the rest; never above what was paid', async () => {
    const paymentId = await paidPayment();
    const part = await adapter.refund({
      transactionId: 'LG:2001',
      paymentId,
      amount: 5_000,
      currency: 'USD',
      reason: 'overpaid',
      idempotencyKey: 'LG:2001:refund:1',
    });
    expect(part).toEqual({
      id: expect.stringMatching(/^re_/),
      paymentId,
      transactionId: 'LG:2001',
      status: 'SUCCEEDED',
      amount: 5_000,
      currency: 'USD',
      failureReason: null,
      createdAt: expect.any(String),
      updatedAt: null,
    });
    expect(await adapter.getRefund(part.id)).toEqual(part);

    const tooMuch = await rejection(
      adapter.refund({
        transactionId: 'LG:2002',
        paymentId,
        amount: 7_501,
        currency: 'USD',
        reason: null,
        idempotencyKey: 'LG:2002:refund:1',
      }),
    );
    expect(tooMuch).toMatchObject({ code: 'UPSTREAM_REJECTED', status: 400 });
    expect(tooMuch.message).toContain('amount_too_large');

    const rest = await adapter.refund({
      transactionId: 'LG:2003',
      paymentId,
      amount: 7_500,
      currency: 'USD',
      reason: null,
      idempotencyKey: 'LG:2003:refund:1',
    });
    expect(rest).toMatchObject({ status: 'SUCCEEDED', amount: 7_500 });

    const again = await rejection(
      adapter.refund({
        transactionId: 'LG:2004',
        paymentId,
        amount: 1,
        currency: 'USD',
        reason: null,
        idempotencyKey: 'LG:2004:refund:1',
      }),
    );
    expect(again).toMatchObject({ code: 'UPSTREAM_REJECTED', status: 400 });
    expect(again.message).toContain('charge_already_refunded');
  });

  it('a refund repeated under its key is replayed, not made twice', async () => {
    const paymentId = await paidPayment();
    const request = {
      transactionId: 'LG:2101',
      paymentId,
      amount: 12_500,
      currency: 'USD',
      reason: null,
      idempotencyKey: 'LG:2101:refund:1',
    };
    const first = await adapter.refund(request);
    expect(await adapter.refund(request)).toEqual(first);
    expect(sandbox.sim.accountForKey('sk_test_sandbox_smile_dental')!.refunds.size).toBe(1);
    const replay = sandbox.requests.filter((r) => r.path === '/v1/refunds').at(-1)!;
    expect(replay.status).toBe(200);
  });

  it('a refund of an unpaid payment is UPSTREAM_REJECTED', async () => {
    const checkout = await adapter.createCheckout(checkoutRequest(sandbox));
    const declined = await pay(checkout.id, { card: '4000000000000002' });
    const error = await rejection(
      adapter.refund({
        transactionId: 'LG:2201',
        paymentId: declined.payment_intent.id,
        amount: 100,
        currency: 'USD',
        reason: null,
        idempotencyKey: 'LG:2201:refund:1',
      }),
    );
    expect(error).toMatchObject({ code: 'UPSTREAM_REJECTED', status: 400 });
  });
});

describe('webhooks', () => {
  it('registers the endpoint: a whsec_ secret, listed (without it) afterwards', async () => {
    const receiver = await webhookReceiver();
    try {
      const registration = await adapter.registerWebhook!({ targetUrl: receiver.url, idempotencyKey: 'smile-dental:webhook:1' });
      expect(registration).toEqual({ endpointId: expect.stringMatching(/^we_/), secret: expect.any(String), url: receiver.url });
      expect(registration.secret).toMatch(/^whsec_[0-9a-f]{32}$/);
      expect(await adapter.listWebhooks!()).toEqual([{ endpointId: registration.endpointId, url: receiver.url, enabled: true }]);
    } finally {
      await receiver.close();
    }
  });

  it('verifies real deliveries of a payment and a refund, and maps them', async () => {
    const receiver = await webhookReceiver();
    try {
      const { secret } = await adapter.registerWebhook!({ targetUrl: receiver.url, idempotencyKey: 'smile-dental:webhook:1' });
      const request = checkoutRequest(sandbox);
      const checkout = await adapter.createCheckout(request);
      const paid = await pay(checkout.id, { card: '4242424242424242' });
      await sandbox.webhooks.waitFor((d) => d.eventType === 'checkout.session.completed' && d.state === 'delivered');
      const verify = (i: number): ProcessorEvent => {
        const r = receiver.received[i]!;
        return adapter.verifyWebhook({
          url: receiver.url,
          headers: r.headers,
          rawBody: r.rawBody,
          secret,
          now: new Date(sandbox.clock.nowMs()),
        });
      };
      expect(receiver.received.map((r) => r.eventType)).toEqual(['payment_intent.succeeded', 'checkout.session.completed']);
      const payment = verify(0);
      expect(payment).toMatchObject({
        eventId: receiver.received[0]!.eventId,
        type: 'PAYMENT_UPDATED',
        payment: {
          id: paid.payment_intent.id,
          transactionId: request.transactionId,
          status: 'SUCCEEDED',
          amountReceived: 12_500,
        },
      });
      expect(verify(1)).toMatchObject({
        type: 'CHECKOUT_UPDATED',
        checkout: { id: checkout.id, transactionId: request.transactionId, status: 'PAID', paymentId: paid.payment_intent.id },
      });

      await adapter.refund({
        transactionId: 'LG:3001',
        paymentId: paid.payment_intent.id,
        amount: 2_500,
        currency: 'USD',
        reason: null,
        idempotencyKey: 'LG:3001:refund:1',
      });
      await sandbox.webhooks.waitFor((d) => d.eventType === 'charge.refunded' && d.state === 'delivered');
      expect(verify(2)).toMatchObject({
        type: 'PAYMENT_UPDATED',
        payment: { id: paid.payment_intent.id, status: 'SUCCEEDED', amountReceived: 12_500, amountRefunded: 2_500 },
      });
    } finally {
      await receiver.close();
    }
  });

  it('maps a decline, an async completion and its failure, and an expiry', async () => {
    const receiver = await webhookReceiver();
    try {
      const { secret } = await adapter.registerWebhook!({ targetUrl: receiver.url, idempotencyKey: 'smile-dental:webhook:1' });
      const now = () => new Date(sandbox.clock.nowMs());
      const verifyLast = (type: string) => {
        const r = receiver.received.findLast((x) => x.eventType === type)!;
        return adapter.verifyWebhook({ url: receiver.url, headers: r.headers, rawBody: r.rawBody, secret, now: now() });
      };
      const a = await adapter.createCheckout(checkoutRequest(sandbox));
      await pay(a.id, { card: '4000000000009995' });
      await sandbox.webhooks.waitFor((d) => d.eventType === 'payment_intent.payment_failed' && d.state === 'delivered');
      expect(verifyLast('payment_intent.payment_failed')).toMatchObject({
        type: 'PAYMENT_UPDATED',
        payment: { status: 'FAILED', failure: { code: 'insufficient_funds' } },
      });

      const b = await adapter.createCheckout(checkoutRequest(sandbox));
      const submitted = await pay(b.id, { outcome: 'async' });
      await sandbox.webhooks.waitFor((d) => d.eventType === 'checkout.session.completed' && d.state === 'delivered');
      expect(verifyLast('checkout.session.completed')).toMatchObject({
        type: 'CHECKOUT_UPDATED',
        checkout: { id: b.id, status: 'PROCESSING' },
      });
      await control(sandbox, `/_sandbox/payment_intents/${submitted.payment_intent.id}/settle`, { succeeded: false });
      await sandbox.webhooks.waitFor((d) => d.eventType === 'checkout.session.async_payment_failed' && d.state === 'delivered');
      expect(verifyLast('checkout.session.async_payment_failed')).toMatchObject({
        type: 'CHECKOUT_UPDATED',
        checkout: { id: b.id, status: 'FAILED' },
      });

      await control(sandbox, '/_sandbox/clock', { advanceSeconds: 24 * 3600 });
      await sandbox.webhooks.waitFor((d) => d.eventType === 'checkout.session.expired' && d.state === 'delivered');
      expect(verifyLast('checkout.session.expired')).toMatchObject({
        type: 'CHECKOUT_UPDATED',
        checkout: { id: a.id, status: 'EXPIRED' },
      });
    } finally {
      await receiver.close();
    }
  });

  it('refuses forged, stale, tampered and unsigned deliveries (401) and a signed non-JSON body (400)', async () => {
    const receiver = await webhookReceiver();
    try {
      const { secret } = await adapter.registerWebhook!({ targetUrl: receiver.url, idempotencyKey: 'smile-dental:webhook:1' });
      const checkout = await adapter.createCheckout(checkoutRequest(sandbox));
      await pay(checkout.id, { card: '4242424242424242' });
      await sandbox.webhooks.waitFor((d) => d.eventType === 'checkout.session.completed' && d.state === 'delivered');
      const r = receiver.received[0]!;
      const t = Number(/t=(\d+)/.exec(String(r.headers['stripe-signature']))![1]);
      const delivery: WebhookDelivery = {
        url: receiver.url,
        headers: r.headers,
        rawBody: r.rawBody,
        secret,
        now: new Date(t * 1000),
      };
      const refused = (overrides: Partial<typeof delivery>): WebhookRejected => {
        try {
          adapter.verifyWebhook({ ...delivery, ...overrides });
        } catch (error) {
          expect(error).toBeInstanceOf(WebhookRejected);
          return error as WebhookRejected;
        }
        throw new Error('accepted');
      };

      expect(adapter.verifyWebhook(delivery).type).toBe('PAYMENT_UPDATED');
      // 300 s old is still fresh; 301 s is stale. A timestamp from the future is not refused.
      expect(adapter.verifyWebhook({ ...delivery, now: new Date((t + 300) * 1000) }).type).toBe('PAYMENT_UPDATED');
      expect(adapter.verifyWebhook({ ...delivery, now: new Date((t - 600) * 1000) }).type).toBe('PAYMENT_UPDATED');
      expect(refused({ now: new Date((t + 301) * 1000) }).status).toBe(401);
      expect(refused({ secret: 'whsec_00000000000000000000000000000000' }).status).toBe(401);
      const tampered = Buffer.from(r.rawBody.toString('utf8').replace('"amount": 12500', '"amount": 1'));
      expect(tampered.equals(r.rawBody)).toBe(false);
      expect(refused({ rawBody: tampered }).status).toBe(401);
      // Re-serialized JSON is not the bytes that were signed.
      expect(refused({ rawBody: Buffer.from(JSON.stringify(JSON.parse(r.rawBody.toString('utf8')))) }).status).toBe(401);
      expect(refused({ headers: {} }).status).toBe(401);
      expect(refused({ secret: null }).status).toBe(401);

      const junk = 'not json';
      const header = `t=${t},v1=${signPayload(secret, t, junk)}`;
      expect(refused({ rawBody: Buffer.from(junk), headers: { 'stripe-signature': header } }).status).toBe(400);
    } finally {
      await receiver.close();
    }
  });

  it('accepts any matching v1 among several and ignores v0 (the spec’s worked example)', () => {
    const body = '{"id":"evt_1","object":"event","type":"checkout.session.completed"}';
    const good = 'e0fe533fbd137347b08de632feb75eeaba6725ccf2ed5b55c8bb9ae6a9ae11db';
    const header = `t=1796000000,v0=${'0'.repeat(64)},v1=${'f'.repeat(64)},v1=${good}`;
    const now = new Date(1_796_000_010_000);
    let thrown: unknown = null;
    try {
      adapter.verifyWebhook({
        url: '',
        headers: { 'stripe-signature': header },
        rawBody: Buffer.from(body),
        secret: 'whsec_test',
        now,
      });
    } catch (error) {
      thrown = error;
    }
    // The signature passes; the body is not a whole event (no `created`, no `data`), so it is a 400, not a 401.
    expect(thrown).toBeInstanceOf(WebhookRejected);
    expect((thrown as WebhookRejected).status).toBe(400);
    const bad = `t=1796000000,v1=${'f'.repeat(64)}`;
    expect(() =>
      adapter.verifyWebhook({
        url: '',
        headers: { 'stripe-signature': bad },
        rawBody: Buffer.from(body),
        secret: 'whsec_test',
        now,
      }),
    ).toThrow(/signature/i);
  });
});

describe('listChanges', () => {
  it('reads every page of /v1/events since a time and answers them oldest first', async () => {
    const since = new Date(sandbox.clock.nowMs() - 1000).toISOString();
    const sessions: string[] = [];
    for (let i = 0; i < 55; i++) {
      const checkout = await adapter.createCheckout(checkoutRequest(sandbox));
      await pay(checkout.id, { card: '4242424242424242' });
      sessions.push(checkout.id);
    }
    const before = sandbox.requests.length;
    const page = await adapter.listChanges({ since, after: null });
    const calls = sandbox.requests.slice(before).filter((r) => r.path === '/v1/events');
    expect(calls).toHaveLength(2);
    expect(calls[0]!.query).toMatchObject({ 'created[gte]': String(Math.floor(Date.parse(since) / 1000)), limit: '100' });
    expect(calls[1]!.query['starting_after']).toMatch(/^evt_/);

    const stored = sandbox.sim.accountForKey('sk_test_sandbox_smile_dental')!.events;
    expect(page.items.map((e) => e.eventId)).toEqual(stored.map((e) => e.id));
    expect(page.items).toHaveLength(110);
    expect(page.hasNextPage).toBe(false);
    const times = page.items.map((e) => Date.parse(e.occurredAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(page.items[0]).toMatchObject({ type: 'PAYMENT_UPDATED' });
    expect(page.items[1]).toMatchObject({ type: 'CHECKOUT_UPDATED', checkout: { id: sessions[0], status: 'PAID' } });
  });

  it('leaves out events before `since` and types the gateway does not use', async () => {
    const a = await adapter.createCheckout(
      checkoutRequest(sandbox, { expiresAt: new Date(sandbox.clock.nowMs() + 31 * 60_000).toISOString() }),
    );
    await pay(a.id, { card: '4000000000000002' });
    await control(sandbox, '/_sandbox/clock', { advanceSeconds: 3600 }); // expires a: payment_intent.canceled + checkout.session.expired
    await control(sandbox, '/_sandbox/clock', { advanceSeconds: 5 });
    const since = new Date(sandbox.clock.nowMs()).toISOString();
    const b = await adapter.createCheckout(checkoutRequest(sandbox));
    await pay(b.id, { card: '4242424242424242' });
    const all = await adapter.listChanges({ since: new Date(0).toISOString(), after: null });
    expect(all.items.map((e) => e.type)).toEqual(['PAYMENT_UPDATED', 'CHECKOUT_UPDATED', 'PAYMENT_UPDATED', 'CHECKOUT_UPDATED']);
    const recent = await adapter.listChanges({ since, after: null });
    expect(recent.items).toHaveLength(2);
    expect(recent.items[1]).toMatchObject({ type: 'CHECKOUT_UPDATED', checkout: { id: b.id } });
  });
});
