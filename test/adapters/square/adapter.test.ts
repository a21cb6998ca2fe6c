/**
 * The Square adapter against the Square sandbox through every port method, with the sandbox's
 * request log as evidence of the wire: the spec's exact JSON bodies, `idempotency_key` on every
 * write, `Square-Version` and the bearer token on every call.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProcessorAdapter } from '../../../src/adapters/processor/port';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../../../src/adapters/processor/port';
import { createSquareAdapter, squareConnectionSchema, squareSystem } from '../../../src/adapters/processor/square';
import type { SquareConnection } from '../../../src/adapters/processor/square';
import { UpstreamError } from '../../../src/adapters/ledger/port';
import { SQUARE_SELLERS, type SquareSandbox, startSquareSandbox } from '../../../src/sandbox/square';
import { startReceiver, type Receiver } from './receiver';

const smile = SQUARE_SELLERS[0]!;
const north = SQUARE_SELLERS[1]!;

let square: SquareSandbox;
let adapter: ProcessorAdapter;
let connection: SquareConnection;

function checkoutRequest(overrides: Partial<Parameters<ProcessorAdapter['createCheckout']>[0]> = {}) {
  return {
    transactionId: 'LG:1042',
    practiceId: 'smile-dental',
    patientSourceId: '42',
    title: 'Balance at Smile Dental',
    amount: 12_500,
    currency: 'USD',
    expiresAt: '2026-07-31T09:59:00.000Z',
    returnUrl: 'https://gw.example/pay/Zt1',
    cancelUrl: null,
    payerEmail: null,
    payerPhone: null,
    idempotencyKey: 'LG:1042:link:1',
    ...overrides,
  };
}

const apiRequests = () => square.requests.filter((r) => r.path.startsWith('/v2/'));

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

beforeEach(async () => {
  square = await startSquareSandbox({ webhookRetryDelaysMs: [5, 10, 20, 40], refundCompleteDelayMs: 5 });
  connection = squareConnectionSchema.parse({ baseUrl: square.url, accessToken: smile.token, locationId: smile.locationId });
  adapter = createSquareAdapter(connection, { maxRetries: 0, timeoutMs: 2_000 });
});

afterEach(async () => {
  await adapter.close();
  await square.close();
});

describe('descriptor and connection', () => {
  it('declares square as a SQUARE processor with the DESIGN §13 connection', () => {
    expect(squareSystem.kind).toBe('processor');
    expect(squareSystem.system).toBe('square');
    expect(squareSystem.processor).toBe('SQUARE');
    expect(squareConnectionSchema.safeParse({ baseUrl: 'nope', accessToken: 't', locationId: 'L' }).success).toBe(false);
    expect(squareConnectionSchema.safeParse({ baseUrl: square.url, accessToken: 't', locationId: 'L', extra: 1 }).success).toBe(
      false,
    );
    expect(adapter.capabilities).toMatchObject({
      hostedCheckout: true,
      checkoutExpiry: false,
      webhookRegistration: true,
      minAmount: 1,
    });
    expect(typeof adapter.registerWebhook).toBe('function');
  });

  it('connect proves the token and the location, and refuses a wrong token (401) or location (400)', async () => {
    await adapter.connect();
    const sent = apiRequests()[0]!;
    expect(sent.method).toBe('GET');
    expect(sent.path).toBe('/v2/payments');
    expect(sent.query).toMatchObject({ location_id: smile.locationId, limit: '1' });
    expect(sent.headers['authorization']).toBe(`Bearer ${smile.token}`);
    expect(sent.headers['square-version']).toBe('2026-09-16');

    const badToken = createSquareAdapter({ ...connection, accessToken: 'EAAAwrong' }, { maxRetries: 0 });
    const e401 = await rejection(badToken.connect());
    expect([e401.code, e401.status]).toEqual(['UPSTREAM_REJECTED', 401]);
    const badLocation = createSquareAdapter({ ...connection, locationId: north.locationId }, { maxRetries: 0 });
    const e400 = await rejection(badLocation.connect());
    expect([e400.code, e400.status]).toEqual(['UPSTREAM_REJECTED', 400]);
    expect(e400.message).toContain('INVALID_LOCATION');
  });
});

describe('checkouts', () => {
  it('creates a quick-pay link with exactly the spec body and answers an OPEN checkout matched by its order', async () => {
    const checkout = await adapter.createCheckout(checkoutRequest({ payerEmail: 'pat@example.com', payerPhone: '+15555550100' }));
    const [sent] = apiRequests();
    expect(sent!.method).toBe('POST');
    expect(sent!.path).toBe('/v2/online-checkout/payment-links');
    expect(sent!.body).toStrictEqual({
      idempotency_key: 'LG:1042:link:1',
      quick_pay: {
        name: 'Balance at Smile Dental',
        price_money: { amount: 12_500, currency: 'USD' },
        location_id: smile.locationId,
      },
      checkout_options: { redirect_url: 'https://gw.example/pay/Zt1', allow_tipping: false, ask_for_shipping_address: false },
      pre_populated_data: { buyer_email: 'pat@example.com', buyer_phone_number: '+15555550100' },
      payment_note: 'LG:1042 smile-dental/42',
    });
    expect(sent!.headers['square-version']).toBe('2026-09-16');
    const link = square.store.links.get(checkout.id)!;
    expect(checkout).toStrictEqual({
      id: link.id,
      matchId: link.order_id,
      transactionId: null,
      url: `${square.url}/pay/${link.id}`,
      status: 'OPEN',
      amount: 12_500,
      currency: 'USD',
      paymentId: null,
      amountPaid: 0,
      expiresAt: null,
      createdAt: link.created_at,
    });
    expect(checkout.id).toHaveLength(16);
  });

  it('leaves pre_populated_data out when there is nothing to prefill', async () => {
    await adapter.createCheckout(checkoutRequest());
    expect(Object.keys(apiRequests()[0]!.body as object).sort()).toEqual([
      'checkout_options',
      'idempotency_key',
      'payment_note',
      'quick_pay',
    ]);
  });

  it('replays the same idempotency key with the same request, and refuses it with another (IDEMPOTENCY_KEY_REUSED)', async () => {
    const first = await adapter.createCheckout(checkoutRequest());
    const again = await adapter.createCheckout(checkoutRequest());
    expect(again).toStrictEqual(first);
    expect(square.store.links.size).toBe(1);
    const changed = await rejection(adapter.createCheckout(checkoutRequest({ amount: 9_900 })));
    expect([changed.code, changed.status]).toEqual(['UPSTREAM_REJECTED', 400]);
    expect(changed.message).toContain('IDEMPOTENCY_KEY_REUSED');
    const fresh = await adapter.createCheckout(checkoutRequest({ idempotencyKey: 'LG:1042:link:2' }));
    expect(fresh.id).not.toBe(first.id);
  });

  it('a decline leaves the checkout OPEN with a FAILED payment; a success makes it PAID on the same link', async () => {
    const checkout = await adapter.createCheckout(checkoutRequest());
    const declined = square.pay(checkout.id, { card: '4000 0000 0000 0002', cvv: '111', postalCode: '12345' });
    expect(declined?.outcome).toBe('declined');
    const failed = await adapter.getPayment(declined!.outcome === 'declined' ? declined!.payment.id : '');
    expect(failed).toMatchObject({
      status: 'FAILED',
      checkoutMatchId: checkout.matchId,
      amount: 12_500,
      amountReceived: 0,
      failure: { code: 'GENERIC_DECLINE' },
    });
    expect(await adapter.getCheckout(checkout.id)).toMatchObject({ status: 'OPEN', paymentId: null, url: checkout.url });

    const paid = square.pay(checkout.id, { card: '4111 1111 1111 1111', cvv: '111', postalCode: '12345' });
    expect(paid?.outcome).toBe('paid');
    const paymentId = paid!.outcome === 'paid' ? paid!.payment.id : '';
    expect(await adapter.getCheckout(checkout.id)).toMatchObject({
      status: 'PAID',
      paymentId,
      amountPaid: 12_500,
      url: null,
      matchId: checkout.matchId,
    });
    const payment = await adapter.getPayment(paymentId);
    expect(payment).toMatchObject({
      id: paymentId,
      status: 'SUCCEEDED',
      checkoutMatchId: checkout.matchId,
      transactionId: null,
      amount: 12_500,
      amountReceived: 12_500,
      amountRefunded: 0,
      currency: 'USD',
      failure: null,
    });
    expect(payment.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // The reads went link → order → payment; nothing was written.
    expect(
      apiRequests()
        .filter((r) => r.method !== 'GET')
        .map((r) => r.path),
    ).toEqual(['/v2/online-checkout/payment-links']);
  });

  it('cancels an open link (CANCELED, page gone) and reports a paid one as PAID instead', async () => {
    const open = await adapter.createCheckout(checkoutRequest());
    const canceled = await adapter.cancelCheckout({ checkoutId: open.id, idempotencyKey: 'LG:1042:cancel:1' });
    expect(canceled).toMatchObject({ id: open.id, status: 'CANCELED', url: null, paymentId: null });
    expect(square.store.orders.get(open.matchId)!.state).toBe('CANCELED');
    expect((await fetch(open.url!)).status).toBe(410);
    expect((await rejection(adapter.getCheckout(open.id))).code).toBe('NOT_FOUND');

    const paidLink = await adapter.createCheckout(
      checkoutRequest({ idempotencyKey: 'LG:1043:link:1', transactionId: 'LG:1043' }),
    );
    square.pay(paidLink.id, { card: '4111111111111111', cvv: '111', postalCode: '12345' });
    const late = await adapter.cancelCheckout({ checkoutId: paidLink.id, idempotencyKey: 'LG:1043:cancel:1' });
    expect(late).toMatchObject({ status: 'PAID', amountPaid: 12_500 });
    expect(late.paymentId).not.toBeNull();
  });

  it('refuses a zero amount upstream (VALUE_TOO_LOW) and an unknown id is NOT_FOUND', async () => {
    const zero = await rejection(adapter.createCheckout(checkoutRequest({ amount: 0 })));
    expect([zero.code, zero.status]).toEqual(['UPSTREAM_REJECTED', 400]);
    expect(zero.message).toContain('VALUE_TOO_LOW');
    expect((await rejection(adapter.getPayment('nope'))).code).toBe('NOT_FOUND');
    expect((await rejection(adapter.getCheckout('nope'))).code).toBe('NOT_FOUND');
    expect((await rejection(adapter.getRefund('nope'))).code).toBe('NOT_FOUND');
  });
});

describe('refunds', () => {
  async function paidPayment(): Promise<string> {
    const checkout = await adapter.createCheckout(checkoutRequest());
    const paid = square.pay(checkout.id, { card: '4111111111111111', cvv: '111', postalCode: '12345' });
    if (paid?.outcome !== 'paid') throw new Error('expected a paid link');
    return paid.payment.id;
  }

  it('partial then full refunds with the spec body; never above what was paid', async () => {
    square.store.autoCompleteRefunds = false;
    const paymentId = await paidPayment();
    const partial = await adapter.refund({
      transactionId: 'LG:1050',
      paymentId,
      amount: 2_500,
      currency: 'USD',
      reason: 'Overpaid',
      idempotencyKey: 'LG:1050:refund:1',
    });
    expect(partial).toMatchObject({
      paymentId,
      status: 'PENDING',
      amount: 2_500,
      currency: 'USD',
      transactionId: null,
      failureReason: null,
    });
    const sent = apiRequests().find((r) => r.path === '/v2/refunds')!;
    expect(sent.body).toStrictEqual({
      idempotency_key: 'LG:1050:refund:1',
      payment_id: paymentId,
      amount_money: { amount: 2_500, currency: 'USD' },
      reason: 'Overpaid',
    });

    // The same key again replays (no second refund), even before it settles.
    const replay = await adapter.refund({
      transactionId: 'LG:1050',
      paymentId,
      amount: 2_500,
      currency: 'USD',
      reason: 'Overpaid',
      idempotencyKey: 'LG:1050:refund:1',
    });
    expect(replay.id).toBe(partial.id);
    expect(square.store.refunds.size).toBe(1);

    // A pending refund counts: 10,001 cents are more than the 10,000 left.
    const over = await rejection(
      adapter.refund({
        transactionId: 'LG:1051',
        paymentId,
        amount: 10_001,
        currency: 'USD',
        reason: null,
        idempotencyKey: 'LG:1051:refund:1',
      }),
    );
    expect([over.code, over.status]).toEqual(['UPSTREAM_REJECTED', 400]);
    expect(over.message).toContain('REFUND_AMOUNT_INVALID');

    await fetch(`${square.url}/_sandbox/refunds/${partial.id}/settle`, {
      method: 'POST',
      body: JSON.stringify({ status: 'COMPLETED' }),
    });
    expect(await adapter.getRefund(partial.id)).toMatchObject({ status: 'SUCCEEDED', amount: 2_500 });
    expect((await adapter.getPayment(paymentId)).amountRefunded).toBe(2_500);

    const rest = await adapter.refund({
      transactionId: 'LG:1052',
      paymentId,
      amount: 10_000,
      currency: 'USD',
      reason: null,
      idempotencyKey: 'LG:1052:refund:1',
    });
    expect(
      apiRequests()
        .filter((r) => r.path === '/v2/refunds')
        .at(-1)!.body,
    ).toStrictEqual({
      idempotency_key: 'LG:1052:refund:1',
      payment_id: paymentId,
      amount_money: { amount: 10_000, currency: 'USD' },
    });
    square.store.settleRefund(rest.id, 'COMPLETED');
    expect((await adapter.getPayment(paymentId)).amountRefunded).toBe(12_500);
    const none = await rejection(
      adapter.refund({
        transactionId: 'LG:1053',
        paymentId,
        amount: 1,
        currency: 'USD',
        reason: null,
        idempotencyKey: 'LG:1053:refund:1',
      }),
    );
    expect(none.message).toContain('REFUND_AMOUNT_INVALID');
  });

  it('a refund completes by itself after its delay; a rejected one is FAILED and frees its amount', async () => {
    const paymentId = await paidPayment();
    const refund = await adapter.refund({
      transactionId: 'LG:1060',
      paymentId,
      amount: 100,
      currency: 'USD',
      reason: null,
      idempotencyKey: 'LG:1060:refund:1',
    });
    expect(refund.status).toBe('PENDING');
    await vi.waitFor(async () => expect((await adapter.getRefund(refund.id)).status).toBe('SUCCEEDED'));

    square.store.autoCompleteRefunds = false;
    const rejected = await adapter.refund({
      transactionId: 'LG:1061',
      paymentId,
      amount: 12_400,
      currency: 'USD',
      reason: null,
      idempotencyKey: 'LG:1061:refund:1',
    });
    square.store.settleRefund(rejected.id, 'REJECTED');
    expect(await adapter.getRefund(rejected.id)).toMatchObject({ status: 'FAILED', failureReason: 'Square refund REJECTED' });
    const again = await adapter.refund({
      transactionId: 'LG:1062',
      paymentId,
      amount: 12_400,
      currency: 'USD',
      reason: null,
      idempotencyKey: 'LG:1062:refund:1',
    });
    expect(again.status).toBe('PENDING');
  });

  it('refuses a refund key over 45 characters, and a refund of a payment that is not COMPLETED', async () => {
    const paymentId = await paidPayment();
    const longKey = `${'L'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH - 6)}:refund:1`;
    expect(longKey.length).toBe(MAX_IDEMPOTENCY_KEY_LENGTH + 3);
    const tooLong = await rejection(
      adapter.refund({ transactionId: 'LG:1', paymentId, amount: 1, currency: 'USD', reason: null, idempotencyKey: longKey }),
    );
    expect(tooLong.message).toContain('VALUE_TOO_LONG');
    const exact = 'K'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH);
    expect(
      (
        await adapter.refund({
          transactionId: 'LG:1',
          paymentId,
          amount: 1,
          currency: 'USD',
          reason: null,
          idempotencyKey: exact,
        })
      ).status,
    ).toBe('PENDING');

    const other = await adapter.createCheckout(checkoutRequest({ idempotencyKey: 'LG:2:link:1' }));
    const declined = square.pay(other.id, { card: '4000000000000002' });
    const failedId = declined!.outcome === 'declined' ? declined!.payment.id : '';
    const notRefundable = await rejection(
      adapter.refund({
        transactionId: 'LG:3',
        paymentId: failedId,
        amount: 1,
        currency: 'USD',
        reason: null,
        idempotencyKey: 'LG:3:refund:1',
      }),
    );
    expect(notRefundable.message).toContain('PAYMENT_NOT_REFUNDABLE');
  });
});

describe('every call', () => {
  it('carries the token and Square-Version, and every write its idempotency_key', async () => {
    const receiverUrl = 'https://gw.example/webhooks/square/smile-dental';
    await adapter.connect();
    await adapter.registerWebhook!({ targetUrl: receiverUrl, idempotencyKey: 'smile-dental:webhook:1' });
    const checkout = await adapter.createCheckout(checkoutRequest());
    const paid = square.pay(checkout.id, { card: '4111111111111111' });
    const paymentId = paid?.outcome === 'paid' ? paid.payment.id : '';
    await adapter.getCheckout(checkout.id);
    const refund = await adapter.refund({
      transactionId: 'LG:8',
      paymentId,
      amount: 1,
      currency: 'USD',
      reason: null,
      idempotencyKey: 'LG:8:refund:1',
    });
    await adapter.getRefund(refund.id);
    await adapter.listChanges({ since: '2020-01-01T00:00:00Z', after: null });
    const other = await adapter.createCheckout(checkoutRequest({ idempotencyKey: 'LG:9:link:1' }));
    await adapter.cancelCheckout({ checkoutId: other.id, idempotencyKey: 'LG:9:cancel:1' });

    const sent = apiRequests();
    expect(
      new Set(
        sent.map(
          (r) =>
            `${r.method} ${r.path.replace(/^(\/v2\/(?:online-checkout\/payment-links|orders|payments|refunds)\/)[^/]+$/, '$1{id}')}`,
        ),
      ),
    ).toEqual(
      new Set([
        'GET /v2/payments',
        'POST /v2/webhooks/subscriptions',
        'POST /v2/online-checkout/payment-links',
        'GET /v2/online-checkout/payment-links/{id}',
        'GET /v2/orders/{id}',
        'GET /v2/payments/{id}',
        'POST /v2/refunds',
        'GET /v2/refunds/{id}',
        'DELETE /v2/online-checkout/payment-links/{id}',
      ]),
    );
    for (const r of sent) {
      expect(r.headers['authorization']).toBe(`Bearer ${smile.token}`);
      expect(r.headers['square-version']).toBe('2026-09-16');
      expect(r.status).toBe(200);
      if (r.method === 'POST') expect(typeof (r.body as { idempotency_key?: unknown }).idempotency_key).toBe('string');
      else expect(r.body).toBeUndefined();
    }
  });
});

describe('polling fallback', () => {
  it('lists payments since a time as PAYMENT_UPDATED events, oldest first, paging by cursor', async () => {
    // A sandbox clock that ticks a second per reading, so that every payment has its own time.
    let clock = Date.parse('2026-11-30T10:00:00.000Z');
    await square.close();
    square = await startSquareSandbox({ now: () => (clock += 1_000) });
    adapter = createSquareAdapter({ ...connection, baseUrl: square.url }, { maxRetries: 0 });
    const since = new Date(clock).toISOString();
    const checkout = await adapter.createCheckout(checkoutRequest());
    square.pay(checkout.id, { card: '4000000000000002' });
    square.pay(checkout.id, { card: '4111111111111111' });
    const page = await adapter.listChanges({ since, after: null });
    expect(page.hasNextPage).toBe(false);
    expect(page.items.map((e) => (e.type === 'PAYMENT_UPDATED' ? e.payment.status : e.type))).toEqual(['FAILED', 'SUCCEEDED']);
    for (const event of page.items) {
      if (event.type !== 'PAYMENT_UPDATED') throw new Error('expected payments');
      expect(event.eventId).toBe(`${event.payment.id}:${event.payment.updatedAt}`);
      expect(event.payment.checkoutMatchId).toBe(checkout.matchId);
    }
    const list = apiRequests().find((r) => r.path === '/v2/payments')!;
    expect(list.query).toStrictEqual({ location_id: smile.locationId, begin_time: since, limit: '100' });

    // 101 more payments: two pages, the second asked for with the first's cursor.
    for (let i = 0; i < 101; i++) {
      const link = square.store.createLink(smile, {
        name: 'x',
        lineItems: [{ name: 'x', quantity: '1', base: { amount: 100 + i, currency: 'USD' } }],
      });
      square.pay(link.link.id, { card: '4111111111111111' });
    }
    const first = await adapter.listChanges({ since, after: null });
    expect(first.items).toHaveLength(100);
    expect(first.hasNextPage).toBe(true);
    const second = await adapter.listChanges({ since, after: first.endCursor });
    expect(second.items).toHaveLength(3);
    expect(second.hasNextPage).toBe(false);
    expect(
      apiRequests()
        .filter((r) => r.path === '/v2/payments')
        .at(-1)!.query['cursor'],
    ).toBe(first.endCursor);
    const ids = new Set([...first.items, ...second.items].map((e) => e.eventId));
    expect(ids.size).toBe(103);
  });

  it('answers an empty page when Square answers {}', async () => {
    expect(await adapter.listChanges({ since: new Date().toISOString(), after: null })).toStrictEqual({
      items: [],
      endCursor: null,
      hasNextPage: false,
    });
  });
});

describe('error mapping', () => {
  it('a 500 on a write is UPSTREAM_UNAVAILABLE and is sent once (no retry)', async () => {
    square.injectFault({ method: 'POST', path: '/v2/online-checkout/payment-links', status: 500 });
    const error = await rejection(
      createSquareAdapter(connection, { maxRetries: 3, retryBaseDelayMs: 1 }).createCheckout(checkoutRequest()),
    );
    expect([error.code, error.status]).toEqual(['UPSTREAM_UNAVAILABLE', 500]);
    expect(apiRequests()).toHaveLength(1);
  });

  it('a 429 is UPSTREAM_UNAVAILABLE with status 429 and the sandbox sends Retry-After: 1', async () => {
    square.injectFault({ method: 'GET', path: '/v2/payments/', status: 429 });
    const error = await rejection(adapter.getPayment('p1'));
    expect([error.code, error.status]).toEqual(['UPSTREAM_UNAVAILABLE', 429]);
    square.injectFault({ method: 'GET', path: '/v2/payments/', status: 429 });
    const raw = await fetch(`${square.url}/v2/payments/p1`, { headers: { authorization: `Bearer ${smile.token}` } });
    expect(raw.headers.get('retry-after')).toBe('1');
    expect(await raw.json()).toStrictEqual({
      errors: [{ category: 'RATE_LIMIT_ERROR', code: 'RATE_LIMITED', detail: 'Rate limit exceeded.' }],
    });
  });

  it('a read is retried after a 503 and then succeeds', async () => {
    const checkout = await adapter.createCheckout(checkoutRequest());
    square.injectFault({ method: 'GET', path: '/v2/online-checkout/payment-links/', status: 503 });
    const retrying = createSquareAdapter(connection, { maxRetries: 1, retryBaseDelayMs: 1 });
    expect((await retrying.getCheckout(checkout.id)).status).toBe('OPEN');
    expect(
      apiRequests()
        .filter((r) => r.path.startsWith('/v2/online-checkout/payment-links/'))
        .map((r) => r.status),
    ).toEqual([503, 200]);
  });

  it('a timeout and a dropped connection are UPSTREAM_UNAVAILABLE', async () => {
    square.injectFault({ method: 'GET', path: '/v2/refunds/', delayMs: 1_000 });
    const impatient = createSquareAdapter(connection, { maxRetries: 0, timeoutMs: 50 });
    const timeout = await rejection(impatient.getRefund('r1'));
    expect([timeout.code, timeout.status]).toEqual(['UPSTREAM_UNAVAILABLE', null]);
    square.injectFault({ method: 'GET', path: '/v2/refunds/', drop: true });
    const dropped = await rejection(adapter.getRefund('r1'));
    expect([dropped.code, dropped.status]).toEqual(['UPSTREAM_UNAVAILABLE', null]);
  });

  it('a 400 with an injected body keeps Square’s code; a malformed 200 is UPSTREAM_UNAVAILABLE', async () => {
    square.injectFault({
      method: 'POST',
      path: '/v2/refunds',
      status: 400,
      body: { errors: [{ category: 'INVALID_REQUEST_ERROR', code: 'REFUND_ALREADY_PENDING', detail: 'A refund is pending.' }] },
    });
    const rejected = await rejection(
      adapter.refund({
        transactionId: 'LG:9',
        paymentId: 'p',
        amount: 1,
        currency: 'USD',
        reason: null,
        idempotencyKey: 'LG:9:refund:1',
      }),
    );
    expect([rejected.code, rejected.status]).toEqual(['UPSTREAM_REJECTED', 400]);
    expect(rejected.message).toContain('REFUND_ALREADY_PENDING');
    square.faults.add({ method: 'GET', path: '/v2/payments/', malformedJson: true, times: 1 });
    expect((await rejection(adapter.getPayment('p'))).code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('runs at most 4 calls at once per seller', async () => {
    square.faults.add({ method: 'GET', path: '/v2/payments/', responseTimeMs: 30 });
    await Promise.allSettled(Array.from({ length: 10 }, (_, i) => adapter.getPayment(`p${i}`)));
    const spans = apiRequests().map((r) => [r.time, r.answeredAt!] as const);
    const most = Math.max(...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length));
    expect(spans).toHaveLength(10);
    expect(most).toBeLessThanOrEqual(4);
  });
});

describe('webhooks', () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await square.webhooks.idle();
    await receiver.close();
  });

  async function register(): Promise<{ url: string; secret: string }> {
    const url = `${receiver.url}/webhooks/square/smile-dental`;
    const registration = await adapter.registerWebhook!({ targetUrl: url, idempotencyKey: 'smile-dental:webhook:1' });
    return { url: registration.url, secret: registration.secret };
  }

  it('registers a subscription with the spec body and receives its signature key', async () => {
    const { url, secret } = await register();
    const sent = apiRequests().find((r) => r.path === '/v2/webhooks/subscriptions')!;
    expect(sent.body).toStrictEqual({
      idempotency_key: 'smile-dental:webhook:1',
      subscription: {
        name: 'ledger-gateway',
        event_types: ['payment.created', 'payment.updated', 'refund.created', 'refund.updated'],
        notification_url: url,
        api_version: '2026-09-16',
      },
    });
    expect(secret).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const replay = await adapter.registerWebhook!({ targetUrl: url, idempotencyKey: 'smile-dental:webhook:1' });
    expect(replay.secret).toBe(secret);
    expect(square.store.subscriptions.size).toBe(1);
  });

  it('verifies real deliveries (created then updated, then refunds) and refuses forged or tampered ones', async () => {
    const { url, secret } = await register();
    const checkout = await adapter.createCheckout(checkoutRequest());
    square.pay(checkout.id, { card: '4111111111111111', cvv: '111', postalCode: '12345' });
    await square.webhooks.idle();
    expect(receiver.received).toHaveLength(2);
    const events = receiver.received.map((d) =>
      adapter.verifyWebhook({ url, headers: d.headers, rawBody: d.rawBody, secret, now: new Date() }),
    );
    const byType = events.map((e) => (e.type === 'PAYMENT_UPDATED' ? e.payment.status : e.type)).sort();
    expect(byType).toEqual(['PENDING', 'SUCCEEDED']);
    const succeeded = events.find((e) => e.type === 'PAYMENT_UPDATED' && e.payment.status === 'SUCCEEDED')!;
    if (succeeded.type !== 'PAYMENT_UPDATED') throw new Error('unreachable');
    expect(succeeded.payment).toMatchObject({ checkoutMatchId: checkout.matchId, amountReceived: 12_500 });
    expect(new Set(events.map((e) => e.eventId)).size).toBe(2);

    const delivery = receiver.received[0]!;
    const verify =
      (over: Partial<{ url: string; rawBody: Buffer; headers: Record<string, string>; secret: string | null }>) => () =>
        adapter.verifyWebhook({ url, headers: delivery.headers, rawBody: delivery.rawBody, secret, now: new Date(), ...over });
    const tampered = Buffer.from(delivery.rawBody.toString('utf8').replace('12500', '12600'));
    expect(verify({ rawBody: tampered })).toThrow(expect.objectContaining({ status: 401 }));
    expect(verify({ url: `${url}/` })).toThrow(expect.objectContaining({ status: 401 }));
    expect(verify({ secret: 'not-the-key-at-all-xxxx' })).toThrow(expect.objectContaining({ status: 401 }));
    expect(verify({ headers: { 'x-square-hmacsha256-signature': 'AAAA' } })).toThrow(expect.objectContaining({ status: 401 }));
    expect(verify({ headers: {} })).toThrow(expect.objectContaining({ status: 401 }));

    // Refunds arrive as REFUND_UPDATED: created (PENDING), then updated (SUCCEEDED).
    const paymentId = succeeded.payment.id;
    await adapter.refund({
      transactionId: 'LG:7',
      paymentId,
      amount: 500,
      currency: 'USD',
      reason: null,
      idempotencyKey: 'LG:7:refund:1',
    });
    await vi.waitFor(() => expect(receiver.received).toHaveLength(4));
    const refunds = receiver.received
      .slice(2)
      .map((d) => adapter.verifyWebhook({ url, headers: d.headers, rawBody: d.rawBody, secret, now: new Date() }))
      .map((e) => (e.type === 'REFUND_UPDATED' ? `${e.refund.status}:${e.refund.amount}` : e.type))
      .sort();
    expect(refunds).toEqual(['PENDING:500', 'SUCCEEDED:500']);
  });

  it('a validly signed body that is not a notification is refused with 400', async () => {
    const { url, secret } = await register();
    const { signSquareWebhook } = await import('../../../src/adapters/processor/square');
    const rawBody = Buffer.from('{"not":"square"');
    const headers = { 'x-square-hmacsha256-signature': signSquareWebhook(secret, url, rawBody) };
    expect(() => adapter.verifyWebhook({ url, headers, rawBody, secret, now: new Date() })).toThrow(
      expect.objectContaining({ status: 400 }),
    );
    const other = Buffer.from('{"type":"order.updated","event_id":"e9","created_at":"2026-01-01T00:00:00Z","data":{}}');
    const event = adapter.verifyWebhook({
      url,
      headers: { 'x-square-hmacsha256-signature': signSquareWebhook(secret, url, other) },
      rawBody: other,
      secret,
      now: new Date(),
    });
    expect(event).toMatchObject({ type: 'IGNORED', eventId: 'e9' });
  });

  it('matches the spec’s worked example and verifies with the config signatureKey when it has no registration', async () => {
    const { signSquareWebhook } = await import('../../../src/adapters/processor/square');
    expect(signSquareWebhook('sq-sig-key', 'https://gw.example/webhooks/square/smile-dental', '{"event_id":"e1"}')).toBe(
      'JMAXXHhDeXYZFQqsvmlNB0JroON47yWnSz7qAtwNx14=',
    );
    const byHand = createSquareAdapter({ ...connection, signatureKey: 'sq-sig-key' }, {});
    expect(byHand.capabilities.webhookRegistration).toBe(false);
    expect(byHand.registerWebhook).toBeUndefined();
    const rawBody = Buffer.from(
      JSON.stringify({
        merchant_id: 'M',
        type: 'refund.updated',
        event_id: 'e1',
        created_at: '2026-01-01T00:00:00Z',
        data: {
          type: 'refund',
          id: 'r1',
          object: {
            refund: {
              id: 'r1',
              status: 'COMPLETED',
              payment_id: 'p1',
              amount_money: { amount: 250, currency: 'USD' },
              created_at: '2026-01-01T00:00:00Z',
            },
          },
        },
      }),
    );
    const url = 'https://gw.example/webhooks/square/smile-dental';
    const event = byHand.verifyWebhook({
      url,
      headers: { 'x-square-hmacsha256-signature': signSquareWebhook('sq-sig-key', url, rawBody) },
      rawBody,
      secret: null,
      now: new Date(),
    });
    expect(event).toMatchObject({
      type: 'REFUND_UPDATED',
      eventId: 'e1',
      refund: { id: 'r1', status: 'SUCCEEDED', amount: 250, paymentId: 'p1' },
    });
    expect(() =>
      adapter.verifyWebhook({ url, headers: { 'x-square-hmacsha256-signature': 'x' }, rawBody, secret: null, now: new Date() }),
    ).toThrow(expect.objectContaining({ status: 401 }));
  });

  it('retries a failed delivery with byte-identical body and signature', async () => {
    await register();
    receiver.answers.push(500, 503);
    const checkout = await adapter.createCheckout(checkoutRequest());
    square.store.subscriptions.forEach((s) => {
      s.event_types = ['payment.created'];
    });
    square.pay(checkout.id, { card: '4000000000000002' });
    await square.webhooks.idle();
    expect(receiver.received).toHaveLength(3);
    const [a, b, c] = receiver.received;
    expect(b!.rawBody.equals(a!.rawBody) && c!.rawBody.equals(a!.rawBody)).toBe(true);
    expect(new Set(receiver.received.map((d) => d.headers['x-square-hmacsha256-signature'])).size).toBe(1);
    expect(square.webhooks.deliveries[0]!.state).toBe('delivered');
  });

  it('drops a delivery after the last retry', async () => {
    await register();
    receiver.answers.push(500, 500, 500, 500, 500);
    const checkout = await adapter.createCheckout(checkoutRequest());
    square.store.subscriptions.forEach((s) => {
      s.event_types = ['payment.created'];
    });
    square.pay(checkout.id, { card: '4000000000000002' });
    await square.webhooks.idle();
    expect(receiver.received).toHaveLength(5);
    expect(square.webhooks.deliveries[0]!.state).toBe('dropped');
  });

  it('holds, then releases newest first and duplicated; resends an event by id', async () => {
    const { url, secret } = await register();
    await fetch(`${square.url}/_sandbox/webhooks`, { method: 'POST', body: JSON.stringify({ hold: true }) });
    const checkout = await adapter.createCheckout(checkoutRequest());
    square.pay(checkout.id, { card: '4111111111111111' });
    expect(receiver.received).toHaveLength(0);
    const released = await fetch(`${square.url}/_sandbox/webhooks/release`, {
      method: 'POST',
      body: JSON.stringify({ order: 'reverse', duplicate: true }),
    });
    expect(await released.json()).toEqual({ released: 2 });
    await square.webhooks.idle();
    const events = receiver.received.map((d) =>
      adapter.verifyWebhook({ url, headers: d.headers, rawBody: d.rawBody, secret, now: new Date() }),
    );
    expect(events).toHaveLength(4);
    const types = (await Promise.all(receiver.received.map((d) => JSON.parse(d.rawBody.toString()).type))) as string[];
    // Newest first: payment.updated was emitted after payment.created, so it comes before it.
    expect(types.indexOf('payment.updated')).toBeLessThan(types.indexOf('payment.created'));
    expect(new Set(events.map((e) => e.eventId)).size).toBe(2);

    const eventId = events[0]!.eventId;
    const resent = await fetch(`${square.url}/_sandbox/events/${eventId}/resend`, { method: 'POST' });
    expect(resent.status).toBe(200);
    expect(receiver.received).toHaveLength(5);
    expect(
      receiver.received[4]!.rawBody.equals(
        receiver.received.find((d) => JSON.parse(d.rawBody.toString()).event_id === eventId)!.rawBody,
      ),
    ).toBe(true);
  });
});
