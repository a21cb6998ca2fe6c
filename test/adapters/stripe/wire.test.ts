/**
 * What the Stripe adapter puts on the wire, as the simulator's request log saw it (form fields
 * exactly as the spec lists them, the port's idempotency key on every POST, the pinned version),
 * and how upstream failures map to the port's errors (500/503/429/409/timeouts/dropped
 * connections → UPSTREAM_UNAVAILABLE, 4xx → UPSTREAM_REJECTED, with nothing retried by the adapter).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../src/adapters/ledger/port';
import type { ProcessorAdapter } from '../../../src/adapters/processor/port';
import { createStripeAdapter } from '../../../src/adapters/processor/stripe';
import type { StripeRecordedRequest, StripeSandbox } from '../../../src/sandbox/stripe';
import { checkoutRequest, control, SMILE_KEY, sandboxAndAdapter, webhookReceiver } from './helpers';

let sandbox: StripeSandbox;
let adapter: ProcessorAdapter;

beforeAll(async () => {
  ({ sandbox, adapter } = await sandboxAndAdapter({ timeoutMs: 300 }));
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

const api = (): StripeRecordedRequest[] => sandbox.requests.filter((r) => r.path.startsWith('/v1/'));
const last = (path: string): StripeRecordedRequest => api().findLast((r) => r.path === path)!;
const keys = (r: StripeRecordedRequest): string[] => r.form.map(([k]) => k).sort();

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe('the wire', () => {
  it('POST /v1/checkout/sessions: exactly the listed fields, the key verbatim, Bearer auth, the pinned version', async () => {
    const request = checkoutRequest(sandbox, { transactionId: 'LG:1042', idempotencyKey: 'LG:1042:checkout:1' });
    await adapter.createCheckout(request);
    const sent = last('/v1/checkout/sessions');
    expect(sent.method).toBe('POST');
    expect(keys(sent)).toEqual(
      [
        'mode',
        'line_items[0][price_data][currency]',
        'line_items[0][price_data][unit_amount]',
        'line_items[0][price_data][product_data][name]',
        'line_items[0][quantity]',
        'success_url',
        'cancel_url',
        'client_reference_id',
        'customer_email',
        'metadata[lg_transaction_id]',
        'metadata[lg_practice_id]',
        'metadata[lg_patient_id]',
        'payment_intent_data[metadata][lg_transaction_id]',
        'payment_intent_data[metadata][lg_practice_id]',
        'payment_intent_data[metadata][lg_patient_id]',
        'payment_intent_data[description]',
        'expires_at',
      ].sort(),
    );
    expect(Object.fromEntries(sent.form)).toEqual({
      mode: 'payment',
      'line_items[0][price_data][currency]': 'usd',
      'line_items[0][price_data][unit_amount]': '12500',
      'line_items[0][price_data][product_data][name]': 'Balance at Smile Dental',
      'line_items[0][quantity]': '1',
      success_url: request.returnUrl,
      cancel_url: request.cancelUrl,
      client_reference_id: 'LG:1042',
      customer_email: 'pat@example.com',
      'metadata[lg_transaction_id]': 'LG:1042',
      'metadata[lg_practice_id]': 'smile-dental',
      'metadata[lg_patient_id]': '42',
      'payment_intent_data[metadata][lg_transaction_id]': 'LG:1042',
      'payment_intent_data[metadata][lg_practice_id]': 'smile-dental',
      'payment_intent_data[metadata][lg_patient_id]': '42',
      'payment_intent_data[description]': 'Balance at Smile Dental',
      expires_at: String(Math.floor(Date.parse(request.expiresAt) / 1000)),
    });
    expect(sent.headers['idempotency-key']).toBe('LG:1042:checkout:1');
    expect(sent.headers['authorization']).toBe(`Bearer ${SMILE_KEY}`);
    expect(sent.headers['stripe-version']).toBe('2026-10-28.endive');
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(sent.headers['x-stripe-client-telemetry']).toBeUndefined();
  });

  it('leaves out cancel_url and customer_email when the request has none', async () => {
    await adapter.createCheckout(checkoutRequest(sandbox, { cancelUrl: null, payerEmail: null, payerPhone: '+15551234567' }));
    const sent = last('/v1/checkout/sessions');
    expect(keys(sent)).not.toContain('cancel_url');
    expect(keys(sent)).not.toContain('customer_email');
    expect(sent.form.some(([, v]) => v.includes('5551234567'))).toBe(false);
  });

  it('GET /v1/checkout/sessions/{id} expands the PaymentIntent; GETs carry no Idempotency-Key', async () => {
    const checkout = await adapter.createCheckout(checkoutRequest(sandbox));
    await adapter.getCheckout(checkout.id);
    const sent = last(`/v1/checkout/sessions/${checkout.id}`);
    expect(sent.method).toBe('GET');
    expect(sent.form).toEqual([['expand[0]', 'payment_intent']]);
    expect(sent.headers['idempotency-key']).toBeUndefined();
  });

  it('refunds, expiry and webhook registration: listed fields only, and every POST keyed by the port’s key', async () => {
    const receiver = await webhookReceiver();
    try {
      await adapter.registerWebhook!({ targetUrl: receiver.url, idempotencyKey: 'smile-dental:webhook:1' });
      const endpoint = last('/v1/webhook_endpoints');
      expect(Object.fromEntries(endpoint.form)).toEqual({
        url: receiver.url,
        'enabled_events[0]': 'checkout.session.completed',
        'enabled_events[1]': 'checkout.session.async_payment_succeeded',
        'enabled_events[2]': 'checkout.session.async_payment_failed',
        'enabled_events[3]': 'checkout.session.expired',
        'enabled_events[4]': 'payment_intent.succeeded',
        'enabled_events[5]': 'payment_intent.payment_failed',
        'enabled_events[6]': 'charge.refunded',
        api_version: '2026-10-28.endive',
        description: expect.any(String),
        'metadata[lg_practice_id]': 'smile-dental',
      });

      const checkout = await adapter.createCheckout(checkoutRequest(sandbox, { idempotencyKey: 'LG:7:checkout:1' }));
      const paid = await control(sandbox, `/_sandbox/checkout/sessions/${checkout.id}/pay`, { card: '4242424242424242' });
      await adapter.refund({
        transactionId: 'LG:8',
        paymentId: paid.payment_intent.id,
        amount: 2_000,
        currency: 'USD',
        reason: 'free text never goes to Stripe',
        idempotencyKey: 'LG:8:refund:1',
      });
      const refund = last('/v1/refunds');
      expect(Object.fromEntries(refund.form)).toEqual({
        payment_intent: paid.payment_intent.id,
        amount: '2000',
        reason: 'requested_by_customer',
        'metadata[lg_refund_id]': 'LG:8',
      });
      const other = await adapter.createCheckout(checkoutRequest(sandbox, { idempotencyKey: 'LG:9:checkout:1' }));
      await adapter.cancelCheckout({ checkoutId: other.id, idempotencyKey: 'LG:9:cancel:1' });
      expect(last(`/v1/checkout/sessions/${other.id}/expire`).form).toEqual([]);

      const posts = api().filter((r) => r.method === 'POST');
      expect(posts.map((r) => r.headers['idempotency-key'])).toEqual([
        'smile-dental:webhook:1',
        'LG:7:checkout:1',
        'LG:8:refund:1',
        'LG:9:checkout:1',
        'LG:9:cancel:1',
      ]);
      // Nothing was refused as an unknown parameter anywhere.
      expect(api().every((r) => r.status === 200)).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});

describe('errors', () => {
  it('500 on a write is UPSTREAM_UNAVAILABLE, sent once (the SDK does not retry)', async () => {
    sandbox.addFault({ method: 'POST', path: '/v1/checkout/sessions', status: 500 });
    const error = await rejection(adapter.createCheckout(checkoutRequest(sandbox)));
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 500 });
    expect(api().filter((r) => r.path === '/v1/checkout/sessions')).toHaveLength(1);
    expect(sandbox.sim.accountForKey(SMILE_KEY)!.sessions.size).toBe(0);
  });

  it('503 on a read is UPSTREAM_UNAVAILABLE; a later call succeeds', async () => {
    const checkout = await adapter.createCheckout(checkoutRequest(sandbox));
    sandbox.addFault({ method: 'GET', path: '/v1/checkout/sessions/*', status: 503 });
    expect(await rejection(adapter.getCheckout(checkout.id))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503 });
    expect((await adapter.getCheckout(checkout.id)).status).toBe('OPEN');
  });

  it('429 (and a rate_limit body) is UPSTREAM_UNAVAILABLE with status 429', async () => {
    sandbox.addFault({ method: 'POST', path: '/v1/refunds', status: 429 });
    const error = await rejection(
      adapter.refund({
        transactionId: 'LG:1',
        paymentId: 'pi_x',
        amount: 100,
        currency: 'USD',
        reason: null,
        idempotencyKey: 'LG:1:refund:1',
      }),
    );
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 429 });
    expect(error.message).toContain('rate_limit');
  });

  it('a timeout is UPSTREAM_UNAVAILABLE without a status', async () => {
    sandbox.addFault({ method: 'GET', path: '/v1/webhook_endpoints', delayMs: 1_000 });
    expect(await rejection(adapter.listWebhooks!())).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: null });
  });

  it('a dropped connection is UPSTREAM_UNAVAILABLE; the SDK’s one reconnect reuses the same key', async () => {
    sandbox.addFault({ method: 'POST', path: '/v1/checkout/sessions', drop: true, times: 2 });
    const error = await rejection(adapter.createCheckout(checkoutRequest(sandbox, { idempotencyKey: 'LG:5:checkout:1' })));
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: null });
    const tries = api().filter((r) => r.path === '/v1/checkout/sessions');
    expect(tries).toHaveLength(2);
    expect(tries.map((r) => r.headers['idempotency-key'])).toEqual(['LG:5:checkout:1', 'LG:5:checkout:1']);
  });

  it('a concurrent call under a key still in flight is a 409, UPSTREAM_UNAVAILABLE; once done it replays', async () => {
    sandbox.addFault({ method: 'POST', path: '/v1/checkout/sessions', delayMs: 150 });
    const request = checkoutRequest(sandbox);
    const first = adapter.createCheckout(request);
    while (!api().some((r) => r.path === '/v1/checkout/sessions')) await new Promise((r) => setImmediate(r));
    const busy = await rejection(adapter.createCheckout(request));
    expect(busy).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 409 });
    const created = await first;
    expect(await adapter.createCheckout(request)).toEqual(created);
  });

  it('4xx refusals are UPSTREAM_REJECTED with their status, and create nothing', async () => {
    const small = await rejection(adapter.createCheckout(checkoutRequest(sandbox, { amount: 49 })));
    expect(small).toMatchObject({ code: 'UPSTREAM_REJECTED', status: 400 });
    expect(small.message).toContain('amount_too_small');
    sandbox.addFault({
      method: 'POST',
      path: '/v1/checkout/sessions',
      status: 400,
      body: { error: { type: 'invalid_request_error', message: 'nope' } },
    });
    expect(await rejection(adapter.createCheckout(checkoutRequest(sandbox)))).toMatchObject({
      code: 'UPSTREAM_REJECTED',
      status: 400,
    });
    sandbox.addFault({
      method: 'GET',
      path: '/v1/events',
      status: 403,
      body: { error: { type: 'invalid_request_error', message: 'restricted key' } },
    });
    expect(await rejection(adapter.listChanges({ since: new Date(0).toISOString(), after: null }))).toMatchObject({
      code: 'UPSTREAM_REJECTED',
      status: 403,
    });
    expect(sandbox.sim.accountForKey(SMILE_KEY)!.sessions.size).toBe(0);
  });

  it('connect(): fine with a seeded key; an unknown key is UPSTREAM_REJECTED 401 with the key masked', async () => {
    await expect(adapter.connect()).resolves.toBeUndefined();
    const stranger = createStripeAdapter({ baseUrl: sandbox.url, secretKey: 'sk_test_not_a_real_key_123456' });
    const error = await rejection(stranger.connect());
    expect(error).toMatchObject({ code: 'UPSTREAM_REJECTED', status: 401 });
    expect(error.message).not.toContain('sk_test_not_a_real_key_123456');
  });

  it('an answer of an unexpected shape is UPSTREAM_UNAVAILABLE, not a crash', async () => {
    sandbox.addFault({ method: 'GET', path: '/v1/refunds/*', status: 200, body: { id: 're_1', object: 'refund' } });
    const error = await rejection(adapter.getRefund('re_1'));
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 200 });
    expect(error.message).toContain('unexpected shape');
  });
});
