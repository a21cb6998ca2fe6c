/**
 * The SendGrid simulator on its own, over raw HTTP (no SDK): the spec's decisions an independent
 * client relies on — Mail Send's 202 and `X-Message-Id`, the error envelopes (401, 403, 400 per
 * field, 406), rate-limit headers, the sent log and request log, Event Webhook batches (the 500 ms
 * window, signatures checked with node:crypto alone), retries re-signed, undeliverable events kept,
 * and the controls (faults, suppressions, reset).
 */
import { verify } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendgridConnectionSchema, sendgridSystem } from '../../src/adapters/messaging/sendgrid';
import { EVENT_WEBHOOK_PUBLIC_KEY, type SendgridSandbox, startSendgridSandbox } from '../../src/sandbox/sendgrid';
import { type Receiver, startReceiver } from '../adapters/sendgrid/helpers';

const KEY = 'SG.sandbox_smile_dental.0000000000000000000000000000000000000000001';
let sandbox: SendgridSandbox;
let receiver: Receiver;

beforeAll(async () => {
  // The default 500 ms batch window; short retry gaps.
  sandbox = await startSendgridSandbox({ retryDelaysMs: [5, 5, 5, 5] });
  receiver = await startReceiver();
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});
beforeEach(() => {
  sandbox.reset();
  receiver.received.length = 0;
  receiver.answers.length = 0;
});
afterEach(() => sandbox.setWebhookUrl('http://127.0.0.1:9/unused'));

function mail(overrides: Record<string, unknown> = {}, to = 'pat@example.test') {
  return {
    personalizations: [{ to: [{ email: to }], dynamic_template_data: { amount: '125.00', pay_url: 'https://gw/pay/t' } }],
    from: { email: 'billing@smile-dental.test', name: 'Smile Dental' },
    template_id: 'd-00000000000000000000000000000001',
    custom_args: { lg_reminder_id: 'rem_1', lg_practice_id: 'smile-dental', lg_patient_id: '42' },
    categories: ['balance-reminder'],
    asm: { group_id: 101 },
    ...overrides,
  };
}

async function send(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${sandbox.url}/v3/mail/send`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : null };
}

async function ctl(
  path: string,
  body?: unknown,
  method = body === undefined ? 'GET' : 'POST',
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${sandbox.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

const verifies = (timestamp: string, body: Buffer, signature: string) =>
  verify(
    'sha256',
    Buffer.concat([Buffer.from(timestamp), body]),
    { key: Buffer.from(EVENT_WEBHOOK_PUBLIC_KEY, 'base64'), format: 'der', type: 'spki' },
    Buffer.from(signature, 'base64'),
  );

describe('Mail Send', () => {
  it('answers 202 with an empty body, X-Message-Id and rate-limit headers, and logs what was sent', async () => {
    const answer = await send(mail());
    expect(answer.status).toBe(202);
    expect(answer.text).toBe('');
    const id = answer.headers.get('x-message-id');
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Number(answer.headers.get('x-ratelimit-limit'))).toBeGreaterThan(0);
    expect(Number(answer.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
    const messages = (await ctl('/_sandbox/messages')).body;
    expect(messages).toEqual([
      expect.objectContaining({
        x_message_id: id,
        account: 'smile-dental',
        to: { email: 'pat@example.test', name: null },
        template_id: 'd-00000000000000000000000000000001',
        dynamic_template_data: { amount: '125.00', pay_url: 'https://gw/pay/t' },
        custom_args: { lg_reminder_id: 'rem_1', lg_practice_id: 'smile-dental', lg_patient_id: '42' },
        asm_group_id: 101,
        outcome: 'delivered',
        events: ['processed', 'delivered'],
      }),
    ]);
    const requests = (await ctl('/_sandbox/requests')).body;
    expect(requests).toEqual([expect.objectContaining({ method: 'POST', path: '/v3/mail/send', status: 202, body: mail() })]);
  });

  it('refuses with SendGrid’s envelopes: 401 key, 403 sender, 400 per field, 406 without Accept, 400 not JSON, 404 elsewhere', async () => {
    expect(await send(mail(), { authorization: 'Bearer SG.other' })).toMatchObject({
      status: 401,
      body: { errors: [{ field: null, message: 'The provided authorization grant is invalid, expired, or revoked' }] },
    });
    expect(await send(mail({ from: { email: 'billing@northside.test' } }))).toMatchObject({
      status: 403,
      body: { errors: [{ field: 'from', message: 'The from address does not match a verified Sender Identity.' }] },
    });
    const many = await send(mail({ template_id: 'd-ffffffffffffffffffffffffffffffff', asm: { group_id: 7 }, from: undefined }));
    expect(many.status).toBe(400);
    expect(many.body.errors.map((e: { field: string }) => e.field)).toEqual(['from', 'template_id', 'asm.group_id']);
    expect(many.body.errors[0]).toEqual({
      field: 'from',
      message: expect.stringMatching(/^The from object must be provided for every email send\./),
      help: expect.stringMatching(/^http:\/\/sendgrid\.com\/docs\/API_Reference\/Web_API_v3\/Mail\/errors\.html#message\.from/),
    });
    expect((await send(mail({}, 'not-an-address'))).body.errors).toEqual([
      expect.objectContaining({ field: 'personalizations.0.to.0.email', message: 'Does not contain a valid address.' }),
    ]);
    expect((await send(mail({ custom_args: { lg_reminder_id: 7 } }))).body.errors[0].field).toBe('custom_args');
    expect((await send(mail(), { accept: '' })).status).toBe(406);
    expect((await send('{"personalizations":')).status).toBe(400);
    expect((await fetch(`${sandbox.url}/v3/scopes`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(404);
    expect((await ctl('/_sandbox/messages')).body).toEqual([]);
  });
});

describe('the Event Webhook', () => {
  it('posts every event of a 500 ms window in one signed batch, with categories, group and custom args', async () => {
    sandbox.setWebhookUrl(`${receiver.url}/hook`, KEY);
    const started = Date.now();
    await send(mail());
    await send(mail({ custom_args: { lg_reminder_id: 'rem_2' } }, 'x@bounce.test'));
    const [batch] = await receiver.waitFor(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    const timestamp = batch!.headers['x-twilio-email-event-webhook-timestamp'] as string;
    const signature = batch!.headers['x-twilio-email-event-webhook-signature'] as string;
    expect(batch!.headers['content-type']).toBe('application/json');
    expect(verifies(timestamp, batch!.rawBody, signature)).toBe(true);
    expect(verifies(String(Number(timestamp) + 1), batch!.rawBody, signature)).toBe(false);
    const events = JSON.parse(batch!.rawBody.toString());
    expect(events.map((e: { event: string; lg_reminder_id: string }) => [e.lg_reminder_id, e.event])).toEqual([
      ['rem_1', 'processed'],
      ['rem_1', 'delivered'],
      ['rem_2', 'processed'],
      ['rem_2', 'bounce'],
    ]);
    const [ids] = (await ctl('/_sandbox/messages')).body.map((m: { x_message_id: string }) => m.x_message_id);
    expect(events[1]).toEqual({
      email: 'pat@example.test',
      timestamp: expect.any(Number),
      'smtp-id': `<${ids}@ismtpd-sandbox>`,
      event: 'delivered',
      category: 'balance-reminder',
      sg_event_id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      sg_message_id: expect.stringMatching(new RegExp(`^${ids}\\.`)),
      asm_group_id: 101,
      response: '250 OK',
      lg_reminder_id: 'rem_1',
      lg_practice_id: 'smile-dental',
      lg_patient_id: '42',
    });
    expect(events[3]).toMatchObject({ type: 'bounce', status: '5.1.1', reason: '550 5.1.1 user unknown' });
  });

  it('retries a refused batch with the same bytes, re-signed, then drops it after the last retry', async () => {
    sandbox.setWebhookUrl(receiver.url, KEY);
    receiver.answers.push(500, 503, 500, 500, 500);
    await send(mail());
    sandbox.webhooks.flush();
    await sandbox.webhooks.idle();
    expect(receiver.received).toHaveLength(5);
    const bodies = new Set(receiver.received.map((r) => r.rawBody.toString()));
    expect(bodies.size).toBe(1);
    const signatures = new Set(receiver.received.map((r) => r.headers['x-twilio-email-event-webhook-signature']));
    expect(signatures.size).toBe(5);
    for (const r of receiver.received) {
      expect(
        verifies(
          r.headers['x-twilio-email-event-webhook-timestamp'] as string,
          r.rawBody,
          r.headers['x-twilio-email-event-webhook-signature'] as string,
        ),
      ).toBe(true);
    }
    const [delivery] = (await ctl('/_sandbox/webhooks')).body;
    expect(delivery.state).toBe('dropped');
    expect(delivery.attempts.map((a: { trigger: string; status: number }) => [a.trigger, a.status])).toEqual([
      ['first', 500],
      ['retry', 503],
      ['retry', 500],
      ['retry', 500],
      ['retry', 500],
    ]);
  });

  it('keeps the events of an account with no webhook URL, posting nothing', async () => {
    const fresh = await startSendgridSandbox({ batchWindowMs: 1 });
    try {
      await fetch(`${fresh.url}/v3/mail/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify(mail()),
      });
      fresh.webhooks.flush();
      expect(fresh.webhooks.undeliverable.map((e) => e.event)).toEqual(['processed', 'delivered']);
      expect(fresh.webhooks.deliveries).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});

describe('controls', () => {
  it('faults: a forced status with SendGrid’s body and headers, once; then normal service', async () => {
    const added = await ctl('/_sandbox/faults', {
      method: 'POST',
      path: '/v3/mail/send',
      status: 429,
      headers: { 'x-ratelimit-reset': '42' },
    });
    expect(added.status).toBe(200);
    const limited = await send(mail());
    expect([limited.status, limited.headers.get('x-ratelimit-reset'), limited.body]).toEqual([
      429,
      '42',
      { errors: [{ field: null, message: 'too many requests', help: null }] },
    ]);
    expect((await send(mail())).status).toBe(202);
    await ctl('/_sandbox/faults', { path: '/v3/*', status: 500, times: 5 });
    expect((await ctl('/_sandbox/faults', {}, 'DELETE')).body).toEqual({ cleared: true });
    expect((await send(mail())).status).toBe(202);
    expect((await ctl('/_sandbox/faults', { path: '/v3/mail/send' })).status).toBe(400);
  });

  it('suppressions: added → dropped with Unsubscribed Address; removed → delivered again', async () => {
    expect((await ctl('/_sandbox/suppressions', { email: 'pat@example.test', group_id: 101 })).status).toBe(200);
    await send(mail());
    await ctl('/_sandbox/suppressions', { email: 'pat@example.test', group_id: 101 }, 'DELETE');
    await send(mail());
    const messages = (await ctl('/_sandbox/messages')).body;
    expect(messages.map((m: { outcome: string; events: string[] }) => [m.outcome, m.events])).toEqual([
      ['dropped', ['dropped']],
      ['delivered', ['processed', 'delivered']],
    ]);
    expect((await ctl('/_sandbox/suppressions', { email: 'nope' })).status).toBe(400);
  });

  it('a message event on an unknown message is 404; reset forgets messages and requests', async () => {
    expect((await ctl('/_sandbox/messages/nope/events', { event: 'open' })).status).toBe(404);
    await send(mail());
    expect((await ctl('/_sandbox/reset', {})).body).toEqual({ reset: true });
    expect((await ctl('/_sandbox/messages')).body).toEqual([]);
    expect((await ctl('/_sandbox/requests')).body).toEqual([]);
    expect((await ctl('/_sandbox/event-webhook-key')).body).toEqual({ public_key: EVENT_WEBHOOK_PUBLIC_KEY });
  });
});

describe('sandbox mode', () => {
  it('serves both seeded accounts as email connections of their practices, valid for the adapter', async () => {
    const running = await sendgridSystem.sandbox!.start({ port: 0 });
    try {
      expect(running.practices.map((p) => [p.id, (p.connection as { fromEmail: string }).fromEmail])).toEqual([
        ['smile-dental', 'billing@smile-dental.test'],
        ['northside', 'billing@northside.test'],
      ]);
      for (const practice of running.practices)
        expect(sendgridConnectionSchema.safeParse(practice.connection).success).toBe(true);
    } finally {
      await running.close();
    }
  });
});

describe('sandbox mode with the gateway’s public URL', () => {
  it('posts each account’s events to <publicUrl>/webhooks/sendgrid/<practiceId>', async () => {
    const { startSandboxMode } = await import('../../src/sandbox/sendgrid/mode');
    const running = await startSandboxMode({ port: 0, gatewayUrl: receiver.url });
    try {
      const northside = running.practices[1]!.connection;
      const answer = await fetch(`${northside.baseUrl}/v3/mail/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${northside.apiKey}`, accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify(mail({ from: { email: northside.fromEmail } })),
      });
      expect(answer.status).toBe(202);
      const [batch] = await receiver.waitFor(1);
      expect(batch!.path).toBe('/webhooks/sendgrid/northside');
    } finally {
      await running.close();
    }
  });
});
