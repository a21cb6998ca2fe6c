/**
 * The Square sandbox's own decisions over raw HTTP (no adapter): auth and `Square-Version`, the two
 * CreatePaymentLink forms, idempotency retention on the sandbox clock, the hosted page's element ids
 * and test cards, the webhook snapshots of a payment, and the `/_sandbox/…` controls.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_WEBHOOK_RETRY_DELAYS_MS,
  SQUARE_SELLERS,
  type SquareSandbox,
  startSquareSandbox,
} from '../../../src/sandbox/square';
import { startReceiver } from './receiver';

const smile = SQUARE_SELLERS[0]!;
const north = SQUARE_SELLERS[1]!;
let square: SquareSandbox;
let clock: number;

beforeEach(async () => {
  clock = Date.parse('2026-11-30T10:00:00.000Z');
  square = await startSquareSandbox({ now: () => clock, webhookRetryDelaysMs: [5], refundCompleteDelayMs: 5 });
});
afterEach(async () => {
  await square.webhooks.idle();
  await square.close();
});

function api(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = smile.token,
  headers: Record<string, string> = {},
) {
  return fetch(`${square.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

function quickPay(overrides: Record<string, unknown> = {}) {
  return {
    idempotency_key: 'k1',
    quick_pay: {
      name: 'Balance at Smile Dental',
      price_money: { amount: 12_500, currency: 'USD' },
      location_id: smile.locationId,
    },
    checkout_options: { redirect_url: 'https://gw.example/pay/Zt1?x=1' },
    payment_note: 'LG:1 smile-dental/42',
    ...overrides,
  };
}

async function link(overrides: Record<string, unknown> = {}): Promise<{ id: string; order_id: string; url: string }> {
  const res = await api('POST', '/v2/online-checkout/payment-links', quickPay(overrides));
  expect(res.status).toBe(200);
  return ((await res.json()) as { payment_link: { id: string; order_id: string; url: string } }).payment_link;
}

function form(fields: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

const goodCard = {
  buyerEmail: 'pat@example.com',
  cardNumber: '4111 1111 1111 1111',
  expirationDate: '12/30',
  cvv: '111',
  postalCode: '12345',
};

describe('auth and version', () => {
  it('401 without or with an unknown token; 400 INVALID_SQUARE_VERSION_FORMAT; a missing version is fine', async () => {
    const none = await api('GET', '/v2/payments', undefined, null);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { errors: Array<{ category: string }> }).errors[0]!.category).toBe('AUTHENTICATION_ERROR');
    expect((await api('GET', '/v2/payments', undefined, 'EAAAnope')).status).toBe(401);
    const bad = await api('GET', '/v2/payments', undefined, smile.token, { 'square-version': '2026-9-16' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      errors: [{ category: 'INVALID_REQUEST_ERROR', code: 'INVALID_SQUARE_VERSION_FORMAT' }],
    });
    expect((await api('GET', '/v2/payments', undefined, smile.token, { 'square-version': '2024-01-18' })).status).toBe(200);
    expect(await (await api('GET', '/v2/payments')).json()).toStrictEqual({});
  });

  it("keeps each seller's objects to itself", async () => {
    const l = await link();
    expect((await api('GET', `/v2/online-checkout/payment-links/${l.id}`, undefined, north.token)).status).toBe(404);
    expect((await api('GET', `/v2/orders/${l.order_id}`, undefined, north.token)).status).toBe(404);
  });
});

describe('payment links', () => {
  it('answers the link, its DRAFT order and the urls the spec gives', async () => {
    const res = await api('POST', '/v2/online-checkout/payment-links', quickPay());
    const body = (await res.json()) as {
      payment_link: Record<string, unknown>;
      related_resources: { orders: Array<Record<string, unknown>> };
    };
    const l = body.payment_link;
    expect(l).toMatchObject({
      version: 1,
      url: `${square.url}/pay/${l['id']}`,
      long_url: `${square.url}/pay/${l['id']}?order=${l['order_id']}`,
      created_at: '2026-11-30T10:00:00.000Z',
      payment_note: 'LG:1 smile-dental/42',
      checkout_options: { redirect_url: 'https://gw.example/pay/Zt1?x=1' },
    });
    expect(body.related_resources.orders[0]).toMatchObject({
      id: l['order_id'],
      location_id: smile.locationId,
      state: 'DRAFT',
      total_money: { amount: 12_500, currency: 'USD' },
      net_amount_due_money: { amount: 12_500, currency: 'USD' },
    });
  });

  it('accepts the order form and refuses bad fields with their codes', async () => {
    const res = await api('POST', '/v2/online-checkout/payment-links', {
      idempotency_key: 'o1',
      order: {
        location_id: smile.locationId,
        reference_id: 'LG:1',
        line_items: [
          { name: 'Cleaning', quantity: '1', base_price_money: { amount: 4_000, currency: 'USD' } },
          { name: 'X-ray', quantity: '1', base_price_money: { amount: 2_500, currency: 'USD' } },
        ],
      },
    });
    const order = ((await res.json()) as { related_resources: { orders: Array<Record<string, unknown>> } }).related_resources
      .orders[0]!;
    expect(order).toMatchObject({ reference_id: 'LG:1', total_money: { amount: 6_500, currency: 'USD' } });

    const cases: Array<[Record<string, unknown>, string, string | undefined]> = [
      [
        quickPay({
          idempotency_key: 'a',
          quick_pay: { name: 'x', price_money: { amount: 0, currency: 'USD' }, location_id: smile.locationId },
        }),
        'VALUE_TOO_LOW',
        'quick_pay.price_money.amount',
      ],
      [
        quickPay({
          idempotency_key: 'b',
          quick_pay: { name: 'x', price_money: { amount: 1, currency: 'USD' }, location_id: north.locationId },
        }),
        'INVALID_LOCATION',
        'quick_pay.location_id',
      ],
      [quickPay({ idempotency_key: 'c'.repeat(193) }), 'VALUE_TOO_LONG', 'idempotency_key'],
      [quickPay({ idempotency_key: 'd', payment_note: 'n'.repeat(501) }), 'VALUE_TOO_LONG', 'payment_note'],
      [
        { idempotency_key: 'e', order: { location_id: smile.locationId, reference_id: 'r'.repeat(41), line_items: [] } },
        'VALUE_TOO_LONG',
        'order.reference_id',
      ],
      [{ idempotency_key: 'f' }, 'MISSING_REQUIRED_PARAMETER', 'quick_pay'],
    ];
    for (const [body, code, field] of cases) {
      const r = await api('POST', '/v2/online-checkout/payment-links', body);
      expect(r.status).toBe(400);
      expect(await r.json()).toStrictEqual({
        errors: [{ category: 'INVALID_REQUEST_ERROR', code, detail: expect.any(String), ...(field ? { field } : {}) }],
      });
    }
  });

  it('keeps idempotency keys 24 h of sandbox clock, ignores key order, and treats an empty key as none', async () => {
    const first = await link();
    const reordered = quickPay();
    const again = await api('POST', '/v2/online-checkout/payment-links', Object.fromEntries(Object.entries(reordered).reverse()));
    expect(((await again.json()) as { payment_link: { id: string } }).payment_link.id).toBe(first.id);
    clock += 24 * 3600 * 1000;
    expect((await link()).id).not.toBe(first.id);
    const a = await link({ idempotency_key: '' });
    const b = await link({ idempotency_key: '' });
    expect(a.id).not.toBe(b.id);
  });

  it('deletes a link: the DRAFT order is CANCELED; a second delete is 404', async () => {
    const l = await link();
    expect(await (await api('DELETE', `/v2/online-checkout/payment-links/${l.id}`)).json()).toStrictEqual({
      id: l.id,
      cancelled_order_id: l.order_id,
    });
    expect(((await (await api('GET', `/v2/orders/${l.order_id}`)).json()) as { order: { state: string } }).order.state).toBe(
      'CANCELED',
    );
    expect((await api('DELETE', `/v2/online-checkout/payment-links/${l.id}`)).status).toBe(404);
  });
});

describe('hosted page', () => {
  it('shows the amount and the form with the spec ids', async () => {
    const l = await link();
    const page = await fetch(l.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<span id="amount">$125.00</span>');
    expect(html).toContain('<form method="post">');
    for (const id of ['buyerEmail', 'cardNumber', 'expirationDate', 'cvv', 'postalCode'])
      expect(html).toContain(`id="${id}" name="${id}"`);
    expect(html).toContain('<button id="pay-button" type="submit">');
  });

  it('declines each test card with its code, then pays and redirects unchanged; the paid link is gone (410)', async () => {
    const l = await link();
    const declines: Array<[Record<string, string>, string]> = [
      [{ cardNumber: '4000 0000 0000 0002' }, 'GENERIC_DECLINE'],
      [{ cvv: '911' }, 'CVV_FAILURE'],
      [{ postalCode: '99999' }, 'ADDRESS_VERIFICATION_FAILURE'],
      [{ expirationDate: '01/40' }, 'INVALID_EXPIRATION'],
      [{ expirationDate: '01/20' }, 'INVALID_EXPIRATION'],
      [{ cardNumber: '4242 4242 4242 4242' }, 'INVALID_CARD'],
    ];
    for (const [change, code] of declines) {
      const res = await fetch(l.url, form({ ...goodCard, ...change }));
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<div id="payment-error" role="alert">Card declined.</div>');
      const payment = [...square.store.payments.values()].at(-1)!;
      expect([payment.status, payment.card_errors[0]?.code]).toEqual(['FAILED', code]);
    }
    const paid = await fetch(l.url, form(goodCard));
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe('https://gw.example/pay/Zt1?x=1');
    const again = await fetch(l.url, form(goodCard));
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('id="link-unavailable"');
    expect((await fetch(l.url)).status).toBe(410);

    const payment = [...square.store.payments.values()].at(-1)!;
    const json = ((await (await api('GET', `/v2/payments/${payment.id}`)).json()) as { payment: Record<string, unknown> })
      .payment;
    expect(json).toMatchObject({
      status: 'COMPLETED',
      order_id: l.order_id,
      note: 'LG:1 smile-dental/42',
      amount_money: { amount: 12_500, currency: 'USD' },
      card_details: { status: 'CAPTURED' },
    });
    const order = ((await (await api('GET', `/v2/orders/${l.order_id}`)).json()) as { order: Record<string, unknown> }).order;
    expect(order).toMatchObject({
      state: 'OPEN',
      tenders: [{ payment_id: payment.id, amount_money: { amount: 12_500 }, type: 'CARD' }],
    });
  });

  it('without a redirect_url, shows #payment-complete', async () => {
    const l = await link({ checkout_options: undefined, idempotency_key: 'k2' });
    const res = await fetch(l.url, form(goodCard));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('id="payment-complete"');
  });

  it('sends payment.created (APPROVED) then payment.updated (COMPLETED) to a subscription', async () => {
    const receiver = await startReceiver();
    try {
      const sub = await api('POST', '/v2/webhooks/subscriptions', {
        idempotency_key: 's1',
        subscription: {
          name: 'gw',
          event_types: ['payment.created', 'payment.updated'],
          notification_url: `${receiver.url}/hook`,
          api_version: '2026-09-16',
        },
      });
      expect(((await sub.json()) as { subscription: Record<string, unknown> }).subscription).toMatchObject({
        enabled: true,
        signature_key: expect.stringMatching(/^[\w-]{22}$/),
      });
      const l = await link();
      await fetch(l.url, form(goodCard));
      await square.webhooks.idle();
      const bodies = receiver.received.map(
        (d) =>
          JSON.parse(d.rawBody.toString()) as {
            type: string;
            merchant_id: string;
            data: { type: string; object: { payment: { status: string } } };
          },
      );
      expect(bodies.map((b) => [b.type, b.data.object.payment.status]).sort()).toEqual([
        ['payment.created', 'APPROVED'],
        ['payment.updated', 'COMPLETED'],
      ]);
      expect(bodies.every((b) => b.merchant_id === smile.merchantId && b.data.type === 'payment')).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});

describe('webhook schedule', () => {
  it('attempts at 0, 1, 2, 4 and 8 s by default, then drops', () => {
    let at = 0;
    const attempts = [0, ...DEFAULT_WEBHOOK_RETRY_DELAYS_MS.map((gap) => (at += gap))];
    expect(attempts).toEqual([0, 1_000, 2_000, 4_000, 8_000]);
  });
});

describe('controls', () => {
  it('pays without a browser, injects faults (once by default), logs requests, settles held refunds and resets', async () => {
    const l = await link();
    const pay = await fetch(`${square.url}/_sandbox/payment-links/${l.id}/pay`, {
      method: 'POST',
      body: JSON.stringify({ card: '4111 1111 1111 1111', cvv: '111', postalCode: '12345' }),
    });
    const paid = (await pay.json()) as { outcome: string; payment: { id: string; status: string } };
    expect([paid.outcome, paid.payment.status]).toEqual(['paid', 'COMPLETED']);

    await fetch(`${square.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ method: 'GET', path: '/v2/payments/', status: 500 }),
    });
    expect((await api('GET', `/v2/payments/${paid.payment.id}`)).status).toBe(500);
    expect((await api('GET', `/v2/payments/${paid.payment.id}`)).status).toBe(200);
    await fetch(`${square.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ path: '/v2/payments/', status: 503, times: 5 }),
    });
    await fetch(`${square.url}/_sandbox/faults`, { method: 'DELETE' });
    expect((await api('GET', `/v2/payments/${paid.payment.id}`)).status).toBe(200);

    await fetch(`${square.url}/_sandbox/refunds`, { method: 'POST', body: JSON.stringify({ autoComplete: false }) });
    const refund = (await (
      await api('POST', '/v2/refunds', {
        idempotency_key: 'r1',
        payment_id: paid.payment.id,
        amount_money: { amount: 100, currency: 'USD' },
      })
    ).json()) as { refund: { id: string; status: string } };
    expect(refund.refund.status).toBe('PENDING');
    const settled = await fetch(`${square.url}/_sandbox/refunds/${refund.refund.id}/settle`, {
      method: 'POST',
      body: JSON.stringify({ status: 'COMPLETED' }),
    });
    expect(((await settled.json()) as { refund: { status: string } }).refund.status).toBe('COMPLETED');
    const payment = ((await (await api('GET', `/v2/payments/${paid.payment.id}`)).json()) as { payment: Record<string, unknown> })
      .payment;
    expect(payment['refunded_money']).toStrictEqual({ amount: 100, currency: 'USD' });

    const log = (await (await fetch(`${square.url}/_sandbox/requests`)).json()) as {
      requests: Array<{ method: string; path: string; status: number }>;
    };
    expect(log.requests.some((r) => r.path === '/v2/refunds' && r.method === 'POST' && r.status === 200)).toBe(true);
    expect(log.requests.some((r) => r.path.startsWith('/_sandbox'))).toBe(false);

    await fetch(`${square.url}/_sandbox/reset`, { method: 'POST' });
    expect(square.requests).toHaveLength(0);
    expect(square.store.links.size).toBe(0);
    expect((await api('GET', `/v2/payments/${paid.payment.id}`)).status).toBe(404);
  });
});
