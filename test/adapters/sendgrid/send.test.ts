/**
 * The SendGrid adapter's `send` against the SendGrid simulator: the exact wire (from the sandbox's
 * request log), the answers in the port's words, and every failure: which are errors (nothing
 * sent, safe to retry), which are `UNKNOWN` (may have been sent: never retried), which are retried.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { UpstreamError } from '../../../src/adapters/ledger/port';
import { createSendgridAdapter, sendgridCapabilities, sendgridConnectionSchema } from '../../../src/adapters/messaging/sendgrid';
import type { MessagingAdapter } from '../../../src/adapters/messaging/port';
import type { UpstreamCallEvent } from '../../../src/adapters/http';
import type { SendgridSandbox } from '../../../src/sandbox/sendgrid';
import { connectionFor, emailMessage, sandboxAndAdapter } from './helpers';

let sandbox: SendgridSandbox;
let adapter: MessagingAdapter<'EMAIL'>;

beforeAll(async () => {
  ({ sandbox, adapter } = await sandboxAndAdapter());
});
afterAll(async () => {
  await adapter.close();
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe('a reminder sent', () => {
  it('goes out as one Mail Send with the template, its data, our ids and the group, and answers ACCEPTED QUEUED', async () => {
    const message = emailMessage({
      content: {
        practiceName: 'Smile & Co',
        patientFirstName: null,
        amount: 12_550,
        payUrl: 'https://gw.example/pay/Zt1',
        dueDate: '2026-12-15',
      },
    });
    const outcome = await adapter.send(message);
    const [sent] = sandbox.messages;
    expect(outcome).toEqual({
      state: 'ACCEPTED',
      providerMessageId: sent!.x_message_id,
      status: 'QUEUED',
      acceptedAt: expect.any(String),
    });
    expect(sandbox.requests).toHaveLength(1);
    const request = sandbox.requests[0]!;
    expect([request.method, request.path, request.status]).toEqual(['POST', '/v3/mail/send', 202]);
    expect(request.headers.authorization).toBe(`Bearer ${sandbox.accounts.smileDental.apiKey}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.accept).toBe('application/json');
    // Exactly these fields: no subject or content (the template has them), no sandbox_mode, send_at or batch_id.
    expect(request.body).toEqual({
      from: { email: 'billing@smile-dental.test', name: 'Smile Dental' },
      personalizations: [
        {
          to: [{ email: message.to }],
          dynamic_template_data: {
            patient_first_name: null,
            practice_name: 'Smile & Co',
            amount: '125.50',
            pay_url: 'https://gw.example/pay/Zt1',
            due_date: '2026-12-15',
          },
        },
      ],
      template_id: 'd-00000000000000000000000000000001',
      custom_args: { lg_reminder_id: message.reminderId, lg_practice_id: 'smile-dental', lg_patient_id: message.patientSourceId },
      categories: ['balance-reminder'],
      asm: { group_id: 101 },
    });
    expect(sent).toMatchObject({
      to: { email: message.to, name: null },
      outcome: 'delivered',
      events: ['processed', 'delivered'],
    });
  });

  it('names the recipient only when the gateway gives a name, and formats small and large amounts exactly', async () => {
    await adapter.send(
      emailMessage({
        toName: 'Pat',
        content: { practiceName: 'S', patientFirstName: 'Pat', amount: 5, payUrl: 'https://p', dueDate: null },
      }),
    );
    await adapter.send(
      emailMessage({
        content: { practiceName: 'S', patientFirstName: null, amount: 10_000_000_01, payUrl: 'https://p', dueDate: null },
      }),
    );
    const bodies = sandbox.requests.map((r) => (r.body as { personalizations: Array<Record<string, any>> }).personalizations[0]!);
    expect(bodies[0]!.to[0]).toEqual({ email: expect.any(String), name: 'Pat' });
    expect(bodies.map((p) => p.dynamic_template_data.amount)).toEqual(['0.05', '10000000.01']);
    expect(bodies[0]!.dynamic_template_data.patient_first_name).toBe('Pat');
  });

  it('declares what SendGrid can do as capabilities, and connects without sending anything', async () => {
    expect(adapter.capabilities).toEqual(sendgridCapabilities);
    expect(adapter.capabilities).toMatchObject({
      templates: true,
      statusLookup: false,
      sentListing: false,
      statusCallbackPerMessage: false,
    });
    expect(adapter.getMessage).toBeUndefined();
    expect(adapter.findSent).toBeUndefined();
    await adapter.connect();
    expect(sandbox.requests).toHaveLength(0);
  });
});

describe('refusals: nothing sent, an UpstreamError safe to retry, or REFUSED for the recipient', () => {
  it('a key SendGrid does not know is UPSTREAM_REJECTED 401', async () => {
    const other = createSendgridAdapter(connectionFor(sandbox, { apiKey: 'SG.not-a-sandbox-key' }));
    const error = await rejection(other.send(emailMessage()));
    expect([error.code, error.status]).toEqual(['UPSTREAM_REJECTED', 401]);
    expect(error.message).toContain('authorization grant is invalid');
    expect(error.message).not.toContain('SG.not-a-sandbox-key');
    expect(sandbox.requests).toHaveLength(1);
    expect(sandbox.messages).toHaveLength(0);
  });

  it('an unverified sender is UPSTREAM_REJECTED 403', async () => {
    const other = createSendgridAdapter(connectionFor(sandbox, { fromEmail: 'someone@else.test' }));
    const error = await rejection(other.send(emailMessage()));
    expect([error.code, error.status]).toEqual(['UPSTREAM_REJECTED', 403]);
    expect(error.message).toContain('from: The from address does not match a verified Sender Identity.');
    expect(sandbox.messages).toHaveLength(0);
  });

  it('an unknown template or unsubscribe group is UPSTREAM_REJECTED 400 naming the field', async () => {
    const template = createSendgridAdapter(connectionFor(sandbox, { templateId: 'd-0000000000000000000000000000beef' }));
    expect((await rejection(template.send(emailMessage()))).message).toMatch(/rejected \(400\): template_id: /);
    const group = createSendgridAdapter(connectionFor(sandbox, { asmGroupId: 7 }));
    expect((await rejection(group.send(emailMessage()))).message).toMatch(/rejected \(400\): asm\.group_id: /);
    expect(sandbox.requests.map((r) => r.status)).toEqual([400, 400]);
    expect(sandbox.messages).toHaveLength(0);
  });

  it('an address SendGrid cannot mail is REFUSED FAILED with the recipient INVALID, not an error', async () => {
    const outcome = await adapter.send(emailMessage({ to: 'not-an-address' }));
    expect(outcome).toEqual({
      state: 'REFUSED',
      status: 'FAILED',
      reason: 'invalid address: personalizations.0.to.0.email: Does not contain a valid address.',
      errorCode: '400',
      recipient: 'INVALID',
    });
    expect(sandbox.messages).toHaveLength(0);
  });
});

describe('faults', () => {
  it('a 429 waits until X-RateLimit-Reset, then sends once', async () => {
    const reset = Math.floor(Date.now() / 1000) + 1;
    sandbox.addFault({ method: 'POST', path: '/v3/mail/send', status: 429, headers: { 'x-ratelimit-reset': String(reset) } });
    const outcome = await adapter.send(emailMessage());
    expect(outcome.state).toBe('ACCEPTED');
    expect(sandbox.requests.map((r) => r.status)).toEqual([429, 202]);
    expect(sandbox.requests[1]!.time).toBeGreaterThanOrEqual(reset * 1000);
    expect(sandbox.messages).toHaveLength(1);
  });

  it('429s that outlast the retries are UPSTREAM_UNAVAILABLE 429, and nothing was sent', async () => {
    sandbox.addFault({ method: 'POST', path: '/v3/mail/send', status: 429, times: 3, headers: { 'x-ratelimit-reset': '1' } });
    const error = await rejection(adapter.send(emailMessage()));
    expect([error.code, error.status]).toEqual(['UPSTREAM_UNAVAILABLE', 429]);
    expect(error.message).toContain('too many requests');
    expect(sandbox.requests.map((r) => r.status)).toEqual([429, 429, 429]);
    expect(sandbox.messages).toHaveLength(0);
  });

  it('a 5xx is UNKNOWN and is never sent again', async () => {
    sandbox.addFault({ method: 'POST', path: '/v3/mail/send', status: 503 });
    expect(await adapter.send(emailMessage())).toEqual({ state: 'UNKNOWN', reason: 'HTTP 503' });
    expect(sandbox.requests).toHaveLength(1);
  });

  it('a lost answer (connection reset after SendGrid queued the mail) is UNKNOWN; the mail did go, once', async () => {
    sandbox.addFault({ method: 'POST', path: '/v3/mail/send', drop: true });
    const message = emailMessage();
    const outcome = await adapter.send(message);
    expect(outcome.state).toBe('UNKNOWN');
    expect(sandbox.requests).toHaveLength(1);
    expect(sandbox.messages.map((m) => m.custom_args.lg_reminder_id)).toEqual([message.reminderId]);
  });

  it('a timeout is UNKNOWN after the adapter’s timeout; the late mail is sent once, never twice', async () => {
    const slow = createSendgridAdapter(connectionFor(sandbox), { timeoutMs: 100 });
    sandbox.addFault({ method: 'POST', path: '/v3/mail/send', delayMs: 300 });
    const message = emailMessage();
    expect(await slow.send(message)).toEqual({ state: 'UNKNOWN', reason: 'timeout after 100 ms' });
    await vi.waitFor(() => expect(sandbox.messages).toHaveLength(1), { timeout: 2_000 });
    expect(sandbox.requests).toHaveLength(1);
  });

  it('no connection at all is retried, then UPSTREAM_UNAVAILABLE with nothing sent', async () => {
    const calls: UpstreamCallEvent[] = [];
    const closed = await sandboxAndAdapter();
    const url = closed.sandbox.url;
    await closed.sandbox.close();
    const nowhere = createSendgridAdapter(connectionFor(sandbox, { baseUrl: url }), {
      retryBaseDelayMs: 1,
      onUpstreamCall: (e) => calls.push(e),
    });
    const error = await rejection(nowhere.send(emailMessage()));
    expect([error.code, error.status]).toEqual(['UPSTREAM_UNAVAILABLE', null]);
    expect(error.message).toContain('ECONNREFUSED');
    expect(calls.map((c) => [c.endpoint, c.method, c.status, c.attempt])).toEqual([
      ['/v3/mail/send', 'POST', null, 1],
      ['/v3/mail/send', 'POST', null, 2],
      ['/v3/mail/send', 'POST', null, 3],
    ]);
  });

  it('sends at most 10 requests at once per API key', async () => {
    sandbox.addFault({ method: 'POST', path: '/v3/mail/send', delayMs: 40, times: 30 });
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => adapter.send(emailMessage())));
    expect(outcomes.every((o) => o.state === 'ACCEPTED')).toBe(true);
    const spans = sandbox.requests.map((r) => [r.time, r.answeredAt!] as const);
    const overlap = Math.max(...spans.map(([start]) => spans.filter(([s, e]) => s <= start && e > start).length));
    expect(overlap).toBeLessThanOrEqual(10);
    expect(overlap).toBeGreaterThan(1);
    expect(sandbox.messages).toHaveLength(30);
  });
});

describe('the connection schema', () => {
  it('refuses a template id, group or verification key that cannot be right, naming what was expected', () => {
    const good = connectionFor(sandbox);
    const issues = (value: Record<string, unknown>) =>
      sendgridConnectionSchema.safeParse({ ...good, ...value }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ templateId: 'welcome' })).toEqual(['templateId: expected a dynamic template id: "d-" and 32 hex digits']);
    expect(issues({ asmGroupId: '101' })).toEqual(['asmGroupId: expected the unsubscribe group id as a whole number']);
    expect(issues({ eventWebhookPublicKey: 'MFkw' })?.[0]).toMatch(
      /^eventWebhookPublicKey: expected a base64 DER P-256 public key/,
    );
    expect(issues({ fromEmail: 'billing' })?.[0]).toMatch(/^fromEmail: expected an email address/);
    expect(issues({ extra: 1 })?.[0]).toMatch(/^: Unrecognized key/);
  });
});
