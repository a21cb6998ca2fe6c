/**
 * What happens after a send, through the adapter against the Twilio simulator: the signed status
 * callbacks of each delivery outcome by test number, verified and mapped by `verifyWebhook` (the
 * receiver stands in for the gateway's route), `getMessage` (the 15-minute fallback read),
 * `findSent` (settling a lost answer by listing, with the exact query from the request log), and
 * `connect`.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../src/adapters/ledger/port';
import type { MessagingAdapter, MessagingEvent } from '../../../src/adapters/messaging/port';
import { createTwilioAdapter } from '../../../src/adapters/messaging/twilio';
import type { TwilioSandbox } from '../../../src/sandbox/twilio';
import { control, SMILE, sandboxAndAdapter, smileConnection, smsMessage, webhookReceiver } from './helpers';

let sandbox: TwilioSandbox;
let adapter: MessagingAdapter<'SMS'>;
let receiver: Awaited<ReturnType<typeof webhookReceiver>>;

beforeAll(async () => {
  ({ sandbox, adapter } = await sandboxAndAdapter({ stepDelayMs: 5 }));
  receiver = await webhookReceiver(() => adapter);
});
afterAll(async () => {
  await receiver.close();
  await adapter.close();
  await sandbox.close();
});
beforeEach(() => {
  sandbox.reset();
  receiver.received.length = 0;
});
afterEach(async () => {
  await sandbox.callbacks.idle();
});

/** Send one reminder to `to` and wait until the sandbox posted its callback of `lastStatus`. */
async function sendAndWait(to: string, lastStatus: string) {
  const message = smsMessage({ to }, receiver.url);
  const outcome = await adapter.send(message);
  if (outcome.state !== 'ACCEPTED') throw new Error(`expected ACCEPTED, got ${JSON.stringify(outcome)}`);
  await sandbox.callbacks.waitFor(
    (d, a) => d.messageSid === outcome.providerMessageId && d.status === lastStatus && a.status !== null,
  );
  // Each callback is its own request (as Twilio's): an earlier one may still be in flight.
  await sandbox.callbacks.idle();
  return { message, sid: outcome.providerMessageId };
}

/** Lifecycle rank of a mapped status: callbacks may arrive in any order (the flow applies precedence). */
const RANK: Record<string, number> = { QUEUED: 0, SENT: 1 };

/** The STATUS events of one message, in lifecycle order (not arrival order, which a loaded machine shuffles). */
const statusEvents = (sid: string) =>
  receiver
    .events()
    .filter((e): e is Extract<MessagingEvent, { type: 'STATUS' }> => e.type === 'STATUS' && e.providerMessageId === sid)
    .sort((a, b) => (RANK[a.status] ?? 2) - (RANK[b.status] ?? 2));

describe('delivery outcomes by test number, through signed callbacks', () => {
  it('any other number: queued, sent, delivered, each verified, with the reminder id from the URL', async () => {
    const { message, sid } = await sendAndWait('+15551234567', 'delivered');
    expect(receiver.received.every((r) => r.error === null)).toBe(true);
    expect(statusEvents(sid)).toEqual(
      ['queued', 'sent', 'delivered'].map((status, i) => ({
        eventId: `${sid}:${status}`,
        occurredAt: null,
        type: 'STATUS',
        reminderId: message.reminderId,
        providerMessageId: sid,
        status: ['QUEUED', 'SENT', 'DELIVERED'][i],
        failureReason: null,
        errorCode: null,
        recipient: null,
      })),
    );
    // The sandbox posted exactly those three (no callback for the create's own `accepted`).
    expect(sandbox.callbacks.deliveries.map((d) => d.status)).toEqual(['queued', 'sent', 'delivered']);
  });

  it('+15550100002: undelivered 30003, FAILED "unreachable handset"', async () => {
    const { sid } = await sendAndWait('+15550100002', 'undelivered');
    expect(statusEvents(sid).at(-1)).toMatchObject({
      status: 'FAILED',
      failureReason: 'unreachable handset',
      errorCode: '30003',
      recipient: null,
    });
  });

  it('+15550100003: failed 30006, FAILED and the number marked INVALID', async () => {
    const { sid } = await sendAndWait('+15550100003', 'failed');
    expect(statusEvents(sid).at(-1)).toMatchObject({
      eventId: `${sid}:failed`,
      status: 'FAILED',
      failureReason: 'landline or unreachable carrier',
      errorCode: '30006',
      recipient: 'INVALID',
    });
  });

  it('+15550100004: stays sent (the carrier never confirms)', async () => {
    const { sid } = await sendAndWait('+15550100004', 'sent');
    expect(sandbox.sim.pendingSteps(sid)).toBe(0);
    expect(statusEvents(sid).map((e) => e.status)).toEqual(['QUEUED', 'SENT']);
    expect((await adapter.getMessage?.(sid))?.status).toBe('SENT');
  });

  it('a sender number (no service): sent, then the final state, no queued callback', async () => {
    const fromAdapter = createTwilioAdapter(smileConnection(sandbox, { messagingServiceSid: undefined, from: SMILE.sender }));
    const outcome = await fromAdapter.send(smsMessage({}, receiver.url));
    if (outcome.state !== 'ACCEPTED') throw new Error('expected ACCEPTED');
    await sandbox.callbacks.waitFor((d) => d.messageSid === outcome.providerMessageId && d.status === 'delivered');
    expect(sandbox.callbacks.deliveries.map((d) => d.status)).toEqual(['sent', 'delivered']);
  });

  it('redeliveries and reversed order carry the same event ids (the flow dedupes and applies precedence)', async () => {
    await control(sandbox, '/_sandbox/webhooks', { hold: true });
    const outcome = await adapter.send(smsMessage({}, receiver.url));
    if (outcome.state !== 'ACCEPTED') throw new Error('expected ACCEPTED');
    const sid = outcome.providerMessageId;
    // Wait until the lifecycle has queued its three callbacks, then release them newest first, twice each.
    await new Promise<void>((resolve) => {
      const check = () => (sandbox.sim.pendingSteps(sid) === 0 ? resolve() : setImmediate(check));
      check();
    });
    await control(sandbox, '/_sandbox/webhooks/release', { order: 'reverse', duplicate: true });
    const ids = statusEvents(sid).map((e) => e.eventId);
    expect(ids).toHaveLength(6);
    expect(new Set(ids)).toEqual(new Set([`${sid}:queued`, `${sid}:sent`, `${sid}:delivered`]));
  });

  it('a forced status (sandbox control) arrives as its event; an unknown status word is IGNORED', async () => {
    const { sid } = await sendAndWait('+15550100004', 'sent');
    await control(sandbox, `/_sandbox/messages/${sid}/status`, { status: 'undelivered', errorCode: 30007 });
    // Answered before the next is forced: two callbacks in flight may arrive in either order.
    await sandbox.callbacks.waitFor((d, a) => d.messageSid === sid && d.status === 'undelivered' && a.status !== null);
    await control(sandbox, `/_sandbox/messages/${sid}/status`, { status: 'receiving' });
    await sandbox.callbacks.waitFor((d, a) => d.status === 'receiving' && a.status !== null);
    const events = receiver.events().filter((e) => e.eventId.startsWith(sid));
    expect(events.at(-2)).toMatchObject({
      type: 'STATUS',
      status: 'FAILED',
      failureReason: 'carrier filtering',
      errorCode: '30007',
    });
    expect(events.at(-1)).toMatchObject({ type: 'IGNORED', eventId: `${sid}:receiving` });
  });
});

describe('getMessage', () => {
  it('reads a delivered message in the port’s words', async () => {
    const { sid } = await sendAndWait('+15551234567', 'delivered');
    sandbox.requests.length = 0;
    expect(await adapter.getMessage?.(sid)).toEqual({
      providerMessageId: sid,
      reminderId: null,
      status: 'DELIVERED',
      sentAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      failureReason: null,
      errorCode: null,
      recipient: null,
    });
    expect(sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /2010-04-01/Accounts/${SMILE.sid}/Messages/${sid}.json`,
    ]);
  });

  it('reads a failed message with its error code', async () => {
    const { sid } = await sendAndWait('+15550100002', 'undelivered');
    expect(await adapter.getMessage?.(sid)).toMatchObject({
      status: 'FAILED',
      failureReason: 'unreachable handset',
      errorCode: '30003',
    });
  });

  it('answers NOT_FOUND for an unknown SID', async () => {
    const error = await adapter.getMessage?.(`SM${'0'.repeat(32)}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect([(error as UpstreamError).code, (error as UpstreamError).status]).toEqual(['NOT_FOUND', 404]);
  });
});

describe('findSent', () => {
  it('finds a message whose answer was lost, by recipient, date sent and text; the query is the spec’s', async () => {
    const hasty = createTwilioAdapter(smileConnection(sandbox), { timeoutMs: 50 });
    sandbox.addFault({ method: 'POST', path: `/2010-04-01/Accounts/${SMILE.sid}/Messages.json`, delayMs: 300 });
    const message = smsMessage({}, receiver.url);
    const since = new Date(Date.now() - 5 * 60_000).toISOString();
    expect((await hasty.send(message)).state).toBe('UNKNOWN');
    const created = sandbox.sent[0];
    if (!created) throw new Error('expected the sandbox to have created the message');
    await sandbox.callbacks.waitFor((d) => d.messageSid === created.sid && d.status === 'sent');
    sandbox.requests.length = 0;
    const found = await adapter.findSent?.(message, since);
    expect(found).toMatchObject({ providerMessageId: created.sid, reminderId: null });
    expect(['SENT', 'DELIVERED']).toContain(found?.status);
    const [request] = sandbox.requests;
    expect(sandbox.requests).toHaveLength(1);
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe(`/2010-04-01/Accounts/${SMILE.sid}/Messages.json`);
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      To: message.to,
      'DateSent>': since.replace(/\.\d{3}Z$/, 'Z'),
      PageSize: '1000',
    });
    // Exactly one message was ever created: nothing was resent.
    expect(sandbox.sent).toHaveLength(1);
  });

  it('answers null for another text to the same number, and before the message was sent', async () => {
    const slow = await sandboxAndAdapter({ stepDelayMs: 60_000 });
    try {
      const message = smsMessage();
      await slow.adapter.send(message);
      const since = new Date(Date.now() - 60_000).toISOString();
      // Not sent yet: no date_sent, so a listing by date cannot see it.
      expect(await slow.adapter.findSent?.(message, since)).toBeNull();
      await control(slow.sandbox, `/_sandbox/messages/${slow.sandbox.sent[0]?.sid}/status`, { status: 'sent' });
      expect(await slow.adapter.findSent?.(message, since)).toMatchObject({ status: 'SENT' });
      expect(await slow.adapter.findSent?.({ ...message, text: 'another reminder' }, since)).toBeNull();
    } finally {
      await slow.sandbox.close();
    }
  });
});

describe('connect', () => {
  it('lists one message to check the credentials', async () => {
    await adapter.connect();
    expect(sandbox.requests.map((r) => [r.method, r.path, r.query.PageSize])).toEqual([
      ['GET', `/2010-04-01/Accounts/${SMILE.sid}/Messages.json`, '1'],
    ]);
  });

  it('rejects with UPSTREAM_REJECTED 401 on a wrong Auth Token', async () => {
    const error = await createTwilioAdapter(smileConnection(sandbox, { authToken: 'nope' }))
      .connect()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect([(error as UpstreamError).code, (error as UpstreamError).status]).toEqual(['UPSTREAM_REJECTED', 401]);
  });
});
