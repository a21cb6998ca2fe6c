/**
 * The SendGrid adapter's `verifyWebhook`: the signature (the wire format's worked example, forged,
 * tampered, stale, missing), the body (400s), and every event of real deliveries from the simulator
 * mapped to the port's events: every test address, suppressions, opt-outs and opt-ins, engagement,
 * unordered and duplicated deliveries.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookRejected } from '../../../src/adapters/ledger/port';
import type { MessagingAdapter, MessagingEvent } from '../../../src/adapters/messaging/port';
import { type SendgridSandbox, signEventBatch } from '../../../src/sandbox/sendgrid';
import { asDelivery, emailMessage, type Receiver, sandboxAndAdapter, startReceiver } from './helpers';

let sandbox: SendgridSandbox;
let adapter: MessagingAdapter<'EMAIL'>;
let receiver: Receiver;

beforeAll(async () => {
  ({ sandbox, adapter } = await sandboxAndAdapter());
  receiver = await startReceiver();
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});
beforeEach(() => {
  sandbox.reset();
  receiver.received.length = 0;
  sandbox.setWebhookUrl(`${receiver.url}/webhooks/sendgrid/smile-dental`);
});

const TS = 'x-twilio-email-event-webhook-timestamp';
const SIG = 'x-twilio-email-event-webhook-signature';

function signed(body: string, timestamp = '1700000000', signature = signEventBatch(timestamp, body)) {
  return asDelivery({
    headers: { [TS]: timestamp, [SIG]: signature, 'content-type': 'application/json' },
    rawBody: Buffer.from(body),
  });
}

function refusal(run: () => unknown): WebhookRejected {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookRejected);
    return error as WebhookRejected;
  }
  throw new Error('expected verifyWebhook to refuse the delivery');
}

/** Every delivery the receiver got, verified and mapped, in arrival order. */
function receivedEvents(): MessagingEvent[] {
  return receiver.received.flatMap((r) => adapter.verifyWebhook(asDelivery(r)));
}

/** Send, let the sandbox post its batches, and answer the mapped events of each reminder. */
async function sendAndCollect(...messages: ReturnType<typeof emailMessage>[]): Promise<MessagingEvent[]> {
  for (const message of messages) expect((await adapter.send(message)).state).toBe('ACCEPTED');
  sandbox.webhooks.flush();
  await sandbox.webhooks.idle();
  return receivedEvents();
}

const statusesOf = (events: MessagingEvent[], reminderId: string) =>
  events.flatMap((e) =>
    e.type === 'STATUS' && e.reminderId === reminderId ? [[e.status, e.failureReason, e.errorCode, e.recipient]] : [],
  );

describe('signatures', () => {
  it('accepts the worked example of the wire format (fixed sandbox key)', () => {
    const body = '[{"event":"delivered","email":"a@b.test"}]';
    const signature = 'MEQCIB7Ge/aoTPFIIkvHTC4pqP86g3RD8ERFcDWlohTNuyfOAiBPCU+R6ZFhxgHAui2wvCEfhI/B4AB9wOmCI55EtByrNg==';
    const [event] = adapter.verifyWebhook(signed(body, '1700000000', signature));
    expect(event).toMatchObject({ type: 'STATUS', status: 'DELIVERED', reminderId: null, providerMessageId: null });
    // Without sg_event_id the dedupe key is a digest of the event, the same on every redelivery.
    expect(event!.eventId).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(adapter.verifyWebhook(signed(body))[0]!.eventId).toBe(event!.eventId);
  });

  it('refuses a batch signed with another key, a tampered body, a tampered timestamp and missing headers (401)', () => {
    const body = '[{"event":"delivered","email":"a@b.test","sg_event_id":"e1"}]';
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const forged = sign('sha256', Buffer.from(`1700000000${body}`), privateKey).toString('base64');
    const good = signEventBatch('1700000000', body);
    const cases = [
      signed(body, '1700000000', forged),
      signed(body.replace('a@b.test', 'x@b.test'), '1700000000', good),
      signed(body, '1700000001', good),
      signed(body, '1700000000', 'not base64 DER at all'),
      asDelivery({ headers: { [TS]: '1700000000' }, rawBody: Buffer.from(body) }),
      asDelivery({ headers: { [SIG]: good }, rawBody: Buffer.from(body) }),
      asDelivery({ headers: { [TS]: ['1700000000', '1700000000'], [SIG]: good }, rawBody: Buffer.from(body) }),
    ];
    for (const delivery of cases) expect(refusal(() => adapter.verifyWebhook(delivery)).status).toBe(401);
  });

  it('accepts a stale timestamp (no freshness is enforced: a replay only repeats deduped events)', () => {
    const body = '[{"event":"processed","email":"a@b.test","sg_event_id":"old"}]';
    const yearAgo = String(Math.floor(Date.now() / 1000) - 365 * 24 * 3600);
    expect(adapter.verifyWebhook(signed(body, yearAgo))).toEqual([
      expect.objectContaining({ type: 'STATUS', status: 'SENT', eventId: 'old' }),
    ]);
  });

  it('verifies the raw bytes, not re-serialized JSON (whitespace and non-ASCII intact)', () => {
    const body = '[ {"event":"delivered", "email":"zoë@b.test", "sg_event_id":"u1"} ]';
    expect(adapter.verifyWebhook(signed(body))).toHaveLength(1);
    expect(
      refusal(() => adapter.verifyWebhook({ ...signed(body), rawBody: Buffer.from(JSON.stringify(JSON.parse(body))) })).status,
    ).toBe(401);
  });

  it('refuses a verified body that is not a JSON array of events (400)', () => {
    expect(refusal(() => adapter.verifyWebhook(signed('{"event":"delivered"}'))).status).toBe(400);
    expect(refusal(() => adapter.verifyWebhook(signed('[{"event":'))).status).toBe(400);
  });
});

describe('events of real deliveries, by test address', () => {
  it('maps processed, delivered, bounce, blocked, deferred and spam reports to the port', async () => {
    const plain = emailMessage();
    const bounce = emailMessage({ to: 'nobody@bounce.test' });
    const blocked = emailMessage({ to: 'someone@blocked.test' });
    const defer = emailMessage({ to: 'later@defer.test' });
    const spam = emailMessage({ to: 'angry@spam.test' });
    const events = await sendAndCollect(plain, bounce, blocked, defer, spam);
    expect(statusesOf(events, plain.reminderId)).toEqual([
      ['SENT', null, null, null],
      ['DELIVERED', null, null, null],
    ]);
    expect(statusesOf(events, bounce.reminderId)).toEqual([
      ['SENT', null, null, null],
      ['FAILED', 'bounced: 550 5.1.1 user unknown', '5.1.1', 'INVALID'],
    ]);
    expect(statusesOf(events, blocked.reminderId)).toEqual([
      ['SENT', null, null, null],
      ['FAILED', expect.stringMatching(/^blocked: /), '5.7.1', null],
    ]);
    expect(statusesOf(events, defer.reminderId)).toEqual([
      ['SENT', null, null, null],
      ['DELIVERED', null, null, null],
    ]);
    expect(events.filter((e) => e.type === 'IGNORED').map((e) => e.type === 'IGNORED' && e.reason)).toEqual([
      'deferred: the receiving server will be tried again',
    ]);
    expect(statusesOf(events, spam.reminderId)).toEqual([
      ['SENT', null, null, null],
      ['DELIVERED', null, null, null],
    ]);
    expect(events.filter((e) => e.type === 'OPT_OUT')).toEqual([
      expect.objectContaining({ type: 'OPT_OUT', recipient: 'angry@spam.test', reminderId: spam.reminderId }),
    ]);
    // Every event carries SendGrid's event id and time, and the send's X-Message-Id.
    const ids = new Map(sandbox.messages.map((m) => [m.custom_args.lg_reminder_id, m.x_message_id]));
    for (const event of events) {
      expect(event.eventId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(event.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      if (event.type === 'STATUS') expect(event.providerMessageId).toBe(ids.get(event.reminderId!));
    }
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  });

  it('a suppressed address gets only dropped → SUPPRESSED; a hard-bounced one is dropped next time as INVALID', async () => {
    await fetch(`${sandbox.url}/_sandbox/suppressions`, { method: 'POST', body: JSON.stringify({ email: 'gone@example.test' }) });
    await fetch(`${sandbox.url}/_sandbox/suppressions`, {
      method: 'POST',
      body: JSON.stringify({ email: 'group@example.test', group_id: 101 }),
    });
    const global = emailMessage({ to: 'gone@example.test' });
    const group = emailMessage({ to: 'group@example.test' });
    const first = emailMessage({ to: 'twice@bounce.test' });
    const again = emailMessage({ to: 'twice@bounce.test' });
    const events = await sendAndCollect(global, group, first, again);
    expect(statusesOf(events, global.reminderId)).toEqual([
      ['SUPPRESSED', 'suppressed: Unsubscribed Address', null, 'OPTED_OUT'],
    ]);
    expect(statusesOf(events, group.reminderId)).toEqual([['SUPPRESSED', 'suppressed: Unsubscribed Address', null, 'OPTED_OUT']]);
    expect(statusesOf(events, again.reminderId)).toEqual([['SUPPRESSED', 'suppressed: Bounced Address', null, 'INVALID']]);
  });

  it('unsubscribes, group unsubscribes, resubscribes, opens and clicks on a sent message', async () => {
    const message = emailMessage();
    await sendAndCollect(message);
    receiver.received.length = 0;
    const id = sandbox.messages[0]!.x_message_id;
    for (const body of [
      { event: 'open' },
      { event: 'click', url: 'https://gw.example/pay/tok' },
      { event: 'group_unsubscribe' },
      { event: 'group_resubscribe' },
      { event: 'unsubscribe' },
    ]) {
      const answer = await fetch(`${sandbox.url}/_sandbox/messages/${id}/events`, { method: 'POST', body: JSON.stringify(body) });
      expect(answer.status).toBe(200);
    }
    sandbox.webhooks.flush();
    await sandbox.webhooks.idle();
    const events = receivedEvents().map(({ eventId: _id, occurredAt: _at, ...rest }) => rest);
    const { reminderId } = message;
    expect(events).toEqual([
      { type: 'ENGAGEMENT', action: 'OPENED', reminderId, providerMessageId: id, url: null },
      { type: 'ENGAGEMENT', action: 'CLICKED', reminderId, providerMessageId: id, url: 'https://gw.example/pay/tok' },
      { type: 'OPT_OUT', recipient: message.to, reminderId },
      { type: 'OPT_IN', recipient: message.to, reminderId },
      { type: 'OPT_OUT', recipient: message.to, reminderId },
    ]);
  });

  it('delivers unordered and twice when asked: the same event ids come back, final states included', async () => {
    await fetch(`${sandbox.url}/_sandbox/webhooks`, { method: 'POST', body: JSON.stringify({ hold: true }) });
    const message = emailMessage();
    expect((await adapter.send(message)).state).toBe('ACCEPTED');
    const release = await fetch(`${sandbox.url}/_sandbox/webhooks/release`, {
      method: 'POST',
      body: JSON.stringify({ order: 'reverse', duplicate: true }),
    });
    expect(await release.json()).toEqual({ released: 2 });
    const events = receivedEvents();
    expect(events.map((e) => e.type === 'STATUS' && e.status)).toEqual(['DELIVERED', 'DELIVERED', 'SENT', 'SENT']);
    expect(events[0]!.eventId).toBe(events[1]!.eventId);
    expect(events[2]!.eventId).toBe(events[3]!.eventId);
  });
});

describe('events the gateway does not use', () => {
  const batch = (events: unknown[]) => adapter.verifyWebhook(signed(JSON.stringify(events)));

  it('ignores unknown events, other unsubscribe groups and entries that are not events, without losing the rest', () => {
    const events = batch([
      { event: 'group_unsubscribe', email: 'a@b.test', asm_group_id: 999, sg_event_id: 'g1' },
      { event: 'account_status_change', sg_event_id: 'x1' },
      'not an event',
      { email: 'a@b.test' },
      {
        event: 'delivered',
        email: 'a@b.test',
        sg_event_id: 'd1',
        timestamp: 'yesterday',
        lg_reminder_id: 'rem_9',
        sg_message_id: 'abc.filter0001',
      },
    ]);
    expect(events.map((e) => [e.type, e.eventId.startsWith('sha256:') ? 'derived' : e.eventId])).toEqual([
      ['IGNORED', 'g1'],
      ['IGNORED', 'x1'],
      ['IGNORED', 'derived'],
      ['IGNORED', 'derived'],
      ['STATUS', 'd1'],
    ]);
    expect(events[0]).toMatchObject({ reason: 'group_unsubscribe of unsubscribe group 999, not ours (101)' });
    expect(events[4]).toMatchObject({ reminderId: 'rem_9', providerMessageId: 'abc', occurredAt: null, status: 'DELIVERED' });
  });

  it('maps drops that are not suppressions to FAILED, an invalid address flagged', () => {
    const events = batch([
      { event: 'dropped', email: 'a@b.test', reason: 'Invalid', sg_event_id: 'i1' },
      { event: 'dropped', email: 'a@b.test', reason: 'Recipient List over Package Quota', sg_event_id: 'q1' },
      { event: 'dropped', email: 'a@b.test', reason: 'Spam Reporting Address', sg_event_id: 's1' },
    ]);
    expect(events.map((e) => e.type === 'STATUS' && [e.status, e.failureReason, e.recipient])).toEqual([
      ['FAILED', 'dropped: Invalid', 'INVALID'],
      ['FAILED', 'dropped: Recipient List over Package Quota', null],
      ['SUPPRESSED', 'suppressed: Spam Reporting Address', 'OPTED_OUT'],
    ]);
  });

  it('verifies a 50-event batch in well under 200 ms once warm', () => {
    const body = JSON.stringify(
      Array.from({ length: 50 }, (_, i) => ({ event: 'delivered', email: 'a@b.test', sg_event_id: `p${i}` })),
    );
    const delivery = signed(body);
    adapter.verifyWebhook(delivery);
    const started = performance.now();
    for (let i = 0; i < 20; i++) adapter.verifyWebhook(delivery);
    const perBatch = (performance.now() - started) / 20;
    console.info(`verifyWebhook: ${perBatch.toFixed(1)} ms per 50-event batch`);
    expect(perBatch).toBeLessThan(200);
  });
});
