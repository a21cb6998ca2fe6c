/**
 * The Stripe simulator on its own, over raw HTTP (no SDK): the spec's decisions an independent
 * client relies on — form decoding (indexed, `[]`, encoded brackets), auth (Bearer, Basic, 401),
 * unknown parameters, idempotency (replay with `Idempotent-Replayed`, other parameters, other
 * endpoint), the hosted page's ids, test cards and redirect, webhook signatures (the spec's worked
 * example), retries re-signed, hold/release reversed and duplicated, resend, the controls.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeForm, signPayload, type StripeSandbox, startStripeSandbox } from '../../src/sandbox/stripe';
import { webhookReceiver } from '../adapters/stripe/helpers';

const KEY = 'sk_test_sandbox_smile_dental';
let sandbox: StripeSandbox;

beforeAll(async () => {
  sandbox = await startStripeSandbox({ retryDelaysMs: [5, 5, 5, 5] });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

async function stripe(
  method: string,
  path: string,
  form = '',
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const isGet = method === 'GET';
  const response = await fetch(`${sandbox.url}${path}${isGet && form ? `?${form}` : ''}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: isGet ? undefined : form,
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

async function ctl(path: string, body: unknown = {}, method = 'POST'): Promise<any> {
  const response = await fetch(`${sandbox.url}${path}`, { method, body: method === 'GET' ? undefined : JSON.stringify(body) });
  return response.json();
}

const expiresAt = () => Math.floor(sandbox.clock.nowMs() / 1000) + 3600;
const sessionForm = (amount = 12_500, extra = '') =>
  `mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=${amount}` +
  `&line_items[0][price_data][product_data][name]=Balance%20at%20Smile%20Dental&line_items[0][quantity]=1` +
  `&success_url=${encodeURIComponent('https://gw.example/done?s={CHECKOUT_SESSION_ID}')}&cancel_url=${encodeURIComponent('https://gw.example/back')}` +
  `&client_reference_id=LG:1&metadata[lg_transaction_id]=LG:1&expires_at=${expiresAt()}${extra}`;

describe('form decoding', () => {
  it('nests brackets, indexes arrays, accepts a[] and encoded brackets, and an empty value', () => {
    expect(decodeForm('a[b][c]=1&l[0][x]=2&l[1][x]=3&e[]=p&e[]=q&m%5Bk%5D=v&u=')).toEqual({
      a: { b: { c: '1' } },
      l: [{ x: '2' }, { x: '3' }],
      e: ['p', 'q'],
      m: { k: 'v' },
      u: '',
    });
  });
});

describe('auth and parameters', () => {
  it('accepts Bearer and Basic; refuses an unknown key with 401 and no code', async () => {
    expect((await stripe('GET', '/v1/webhook_endpoints')).status).toBe(200);
    const basic = `Basic ${Buffer.from(`${KEY}:`).toString('base64')}`;
    expect((await stripe('GET', '/v1/webhook_endpoints', '', { authorization: basic })).status).toBe(200);
    const refused = await stripe('GET', '/v1/webhook_endpoints', '', { authorization: 'Bearer sk_test_nope' });
    expect(refused.status).toBe(401);
    expect(refused.body.error.type).toBe('invalid_request_error');
    expect(refused.body.error.code).toBeUndefined();
  });

  it('refuses a parameter the spec does not list with 400 parameter_unknown', async () => {
    const answer = await stripe('POST', '/v1/checkout/sessions', sessionForm(12_500, '&payment_method_types[0]=card'));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'parameter_unknown',
      param: 'payment_method_types[0]',
    });
  });

  it('amount bounds, missing fields and expires_at bounds', async () => {
    expect((await stripe('POST', '/v1/checkout/sessions', sessionForm(49))).body.error.code).toBe('amount_too_small');
    expect((await stripe('POST', '/v1/checkout/sessions', sessionForm(100_000_000))).body.error.code).toBe('amount_too_large');
    expect((await stripe('POST', '/v1/checkout/sessions', 'mode=payment')).body.error.code).toBe('parameter_missing');
    const tooSoon = sessionForm().replace(/expires_at=\d+/, `expires_at=${expiresAt() - 3600 + 60}`);
    const answer = await stripe('POST', '/v1/checkout/sessions', tooSoon);
    expect(answer.body.error).toMatchObject({ code: 'parameter_invalid_integer', param: 'expires_at' });
  });
});

describe('idempotency', () => {
  it('replays the same key and parameters (in any order), refuses other parameters and another endpoint', async () => {
    // One form for both calls: `expires_at` follows the sandbox clock, which may tick a second
    // between two sessionForm() calls and so make the second request "other parameters".
    const form = sessionForm();
    const first = await stripe('POST', '/v1/checkout/sessions', form, { 'idempotency-key': 'k1' });
    expect(first.status).toBe(200);
    expect(first.headers.get('request-id')).toMatch(/^req_/);
    const reordered = form.split('&').reverse().join('&');
    const again = await stripe('POST', '/v1/checkout/sessions', reordered, { 'idempotency-key': 'k1' });
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const other = await stripe('POST', '/v1/checkout/sessions', sessionForm(9_900), { 'idempotency-key': 'k1' });
    expect(other.status).toBe(400);
    expect(other.body.error).toEqual({
      type: 'idempotency_error',
      message:
        "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than 'k1' if you meant to execute a different request.",
    });
    const elsewhere = await stripe('POST', '/v1/refunds', 'payment_intent=pi_x', { 'idempotency-key': 'k1' });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.type).toBe('idempotency_error');

    // A validation failure is not saved: the key runs anew with corrected parameters.
    expect((await stripe('POST', '/v1/checkout/sessions', sessionForm(10), { 'idempotency-key': 'k2' })).status).toBe(400);
    expect((await stripe('POST', '/v1/checkout/sessions', sessionForm(), { 'idempotency-key': 'k2' })).status).toBe(200);
  });

  it('keys are forgotten after 24 h of sandbox clock', async () => {
    const first = await stripe('POST', '/v1/checkout/sessions', sessionForm(), { 'idempotency-key': 'old' });
    await ctl('/_sandbox/clock', { advanceSeconds: 24 * 3600 });
    const later = await stripe('POST', '/v1/checkout/sessions', sessionForm(), { 'idempotency-key': 'old' });
    expect(later.status).toBe(200);
    expect(later.body.id).not.toBe(first.body.id);
  });
});

describe('the hosted page', () => {
  it('serves the real page’s ids, declines in place, and redirects 303 with the session id on success', async () => {
    const session = (await stripe('POST', '/v1/checkout/sessions', sessionForm())).body;
    expect(session.url).toBe(`${sandbox.url}/c/pay/${session.id}`);
    const html = await (await fetch(session.url)).text();
    expect(html).toContain('<span id="amount">$125.00</span>');
    expect(html).toContain('<form method="post">');
    for (const id of ['email', 'cardNumber', 'cardExpiry', 'cardCvc', 'billingName', 'billingPostalCode']) {
      expect(html).toMatch(new RegExp(`<input id="${id}" name="${id}"`));
    }
    expect(html).toContain('<select id="billingCountry" name="billingCountry"><option value="US" selected>');
    expect(html).toContain('<button type="submit" class="SubmitButton" data-testid="hosted-payment-submit-button">');
    expect(html).toContain('<a id="cancel-link" href="https://gw.example/back">');

    const submit = (card: string, expiry = '12 / 40') =>
      fetch(session.url, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          email: 'pat@example.com',
          cardNumber: card,
          cardExpiry: expiry,
          cardCvc: '123',
          billingCountry: 'US',
        }),
      });
    const declined = await submit('4000 0000 0000 0002');
    expect(declined.status).toBe(200);
    expect(await declined.text()).toContain('<div id="card-errors" role="alert">Your card was declined.</div>');
    const past = await submit('4242424242424242', '01/20');
    expect(await past.text()).toContain('id="card-errors"');
    expect((await stripe('GET', `/v1/checkout/sessions/${session.id}`)).body.status).toBe('open');

    const paid = await submit('4242 4242 4242 4242');
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`https://gw.example/done?s=${session.id}`);
    const after = (await stripe('GET', `/v1/checkout/sessions/${session.id}`, 'expand[]=payment_intent')).body;
    expect(after).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      url: null,
      customer_details: { email: 'pat@example.com' },
    });
    expect(after.payment_intent).toMatchObject({ object: 'payment_intent', status: 'succeeded', amount_received: 12_500 });
    expect(after.payment_intent.latest_charge).toMatch(/^ch_/);
    const types = sandbox.sim.accountForKey(KEY)!.events.map((e) => e.type);
    expect(types).toEqual(['payment_intent.payment_failed', 'payment_intent.succeeded', 'checkout.session.completed']);
  });
});

describe('refunds', () => {
  it('partial, the rest when amount is omitted, then charge_already_refunded; charge.refunded each time', async () => {
    const session = (await stripe('POST', '/v1/checkout/sessions', sessionForm())).body;
    const paid = await ctl(`/_sandbox/checkout/sessions/${session.id}/pay`, { card: '4242424242424242' });
    const pi = paid.payment_intent.id;
    expect((await stripe('POST', '/v1/refunds', `payment_intent=${pi}&amount=20000`)).body.error.code).toBe('amount_too_large');
    const part = await stripe(
      'POST',
      '/v1/refunds',
      `payment_intent=${pi}&amount=2500&reason=requested_by_customer&metadata[lg_refund_id]=LG:2`,
    );
    expect(part.body).toMatchObject({
      object: 'refund',
      amount: 2500,
      status: 'succeeded',
      payment_intent: pi,
      metadata: { lg_refund_id: 'LG:2' },
    });
    const rest = await stripe('POST', '/v1/refunds', `payment_intent=${pi}`);
    expect(rest.body.amount).toBe(10_000);
    expect((await stripe('POST', '/v1/refunds', `payment_intent=${pi}&amount=1`)).body.error.code).toBe(
      'charge_already_refunded',
    );
    const refunds = sandbox.sim.accountForKey(KEY)!.events.filter((e) => e.type === 'charge.refunded');
    expect(refunds.map((e) => [e.data.object['amount_refunded'], e.data.object['refunded']])).toEqual([
      [2500, false],
      [12_500, true],
    ]);
    expect((await stripe('GET', `/v1/refunds/${part.body.id}`)).body).toEqual(part.body);
  });
});

describe('webhooks', () => {
  it('signs as the spec’s worked example', () => {
    expect(signPayload('whsec_test', 1796000000, '{"id":"evt_1","object":"event","type":"checkout.session.completed"}')).toBe(
      'e0fe533fbd137347b08de632feb75eeaba6725ccf2ed5b55c8bb9ae6a9ae11db',
    );
  });

  it('retries a failing receiver, re-signing each attempt, until it answers 2xx', async () => {
    const receiver = await webhookReceiver((n) => (n < 3 ? 500 : 200));
    try {
      const endpoint = await stripe(
        'POST',
        '/v1/webhook_endpoints',
        `url=${encodeURIComponent(receiver.url)}&enabled_events[0]=checkout.session.completed&api_version=2026-10-28.endive`,
      );
      expect(endpoint.body.secret).toMatch(/^whsec_[0-9a-f]{32}$/);
      const listed = await stripe('GET', '/v1/webhook_endpoints', 'limit=100');
      expect(listed.body.data[0].secret).toBeUndefined();

      const session = (await stripe('POST', '/v1/checkout/sessions', sessionForm())).body;
      await ctl(`/_sandbox/checkout/sessions/${session.id}/pay`, { card: '4242424242424242' });
      const delivery = await sandbox.webhooks.waitFor((d) => d.state === 'delivered');
      expect(delivery.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
      expect(receiver.received).toHaveLength(3);
      // Only the subscribed type is delivered; every attempt carries the same bytes, each validly signed.
      expect(new Set(receiver.received.map((r) => r.eventType))).toEqual(new Set(['checkout.session.completed']));
      for (const r of receiver.received) {
        expect(r.rawBody.equals(receiver.received[0]!.rawBody)).toBe(true);
        expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
        const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['stripe-signature']))!;
        expect(v1).toBe(
          createHmac('sha256', endpoint.body.secret)
            .update(`${t}.${r.rawBody.toString('utf8')}`)
            .digest('hex'),
        );
      }
    } finally {
      await receiver.close();
    }
  });

  it('drops a delivery after the last retry', async () => {
    const receiver = await webhookReceiver(() => 503);
    try {
      await stripe('POST', '/v1/webhook_endpoints', `url=${encodeURIComponent(receiver.url)}&enabled_events[0]=*`);
      const session = (await stripe('POST', '/v1/checkout/sessions', sessionForm())).body;
      await stripe('POST', `/v1/checkout/sessions/${session.id}/expire`);
      const failed = await new Promise<void>((resolve) => {
        const check = () => (sandbox.webhooks.deliveries.every((d) => d.state === 'failed') ? resolve() : setImmediate(check));
        check();
      });
      expect(failed).toBeUndefined();
      expect(sandbox.webhooks.deliveries.map((d) => d.attempts.length)).toEqual([5]);
    } finally {
      await receiver.close();
    }
  });

  it('holds deliveries, releases them reversed and duplicated, and resends one', async () => {
    const receiver = await webhookReceiver();
    try {
      await stripe(
        'POST',
        '/v1/webhook_endpoints',
        `url=${encodeURIComponent(receiver.url)}&enabled_events[0]=payment_intent.succeeded&enabled_events[1]=checkout.session.completed`,
      );
      await ctl('/_sandbox/webhooks', { hold: true });
      const session = (await stripe('POST', '/v1/checkout/sessions', sessionForm())).body;
      await ctl(`/_sandbox/checkout/sessions/${session.id}/pay`, { card: '4242424242424242' });
      expect(receiver.received).toHaveLength(0);
      expect(sandbox.webhooks.deliveries.map((d) => d.state)).toEqual(['held', 'held']);

      expect(await ctl('/_sandbox/webhooks/release', { order: 'reverse', duplicate: true })).toEqual({ released: 2 });
      expect(receiver.received.map((r) => r.eventType)).toEqual([
        'checkout.session.completed',
        'checkout.session.completed',
        'payment_intent.succeeded',
        'payment_intent.succeeded',
      ]);
      const first = receiver.received[0]!.eventId;
      expect(await ctl(`/_sandbox/events/${first}/resend`)).toEqual({ sent: 1 });
      expect(receiver.received.at(-1)!.eventId).toBe(first);
      // Events are listed newest first and page with starting_after.
      const page1 = await stripe('GET', '/v1/events', 'limit=1');
      expect(page1.body).toMatchObject({ has_more: true, data: [{ type: 'checkout.session.completed' }] });
      const page2 = await stripe('GET', '/v1/events', `limit=1&starting_after=${page1.body.data[0].id}`);
      expect(page2.body).toMatchObject({ has_more: false, data: [{ type: 'payment_intent.succeeded' }] });
    } finally {
      await receiver.close();
    }
  });
});

describe('controls', () => {
  it('faults by JSON (prefix paths, times), the request log, and reset', async () => {
    await ctl('/_sandbox/faults', { method: 'GET', path: '/v1/webhook_*', status: 502, times: 1 });
    expect((await stripe('GET', '/v1/webhook_endpoints')).status).toBe(502);
    expect((await stripe('GET', '/v1/webhook_endpoints')).status).toBe(200);
    await ctl('/_sandbox/faults', { path: '/v1/webhook_endpoints', status: 500, times: 5 });
    await ctl('/_sandbox/faults', {}, 'DELETE');
    expect((await stripe('GET', '/v1/webhook_endpoints')).status).toBe(200);

    const log = await ctl('/_sandbox/requests', undefined, 'GET');
    expect(log.map((r: any) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/v1/webhook_endpoints', 502],
      ['GET', '/v1/webhook_endpoints', 200],
      ['GET', '/v1/webhook_endpoints', 200],
    ]);
    await ctl('/_sandbox/reset');
    expect(await ctl('/_sandbox/requests', undefined, 'GET')).toEqual([]);
  });

  it('async payment: complete/unpaid and processing, then settle emits the async and PaymentIntent events', async () => {
    const session = (await stripe('POST', '/v1/checkout/sessions', sessionForm())).body;
    const submitted = await ctl(`/_sandbox/checkout/sessions/${session.id}/pay`, { outcome: 'async' });
    expect(submitted.session).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    expect(submitted.payment_intent.status).toBe('processing');
    await ctl(`/_sandbox/payment_intents/${submitted.payment_intent.id}/settle`, { succeeded: true });
    expect(sandbox.sim.accountForKey(KEY)!.events.map((e) => e.type)).toEqual([
      'checkout.session.completed',
      'checkout.session.async_payment_succeeded',
      'payment_intent.succeeded',
    ]);
  });
});
