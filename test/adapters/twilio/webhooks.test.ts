/**
 * `verifyWebhook`: Twilio's signature (the spec's worked example, forged, tampered, missing, the
 * SharedKey algorithm the connection cannot check), malformed forms, another account's delivery,
 * and inbound replies — STOP/START/HELP posted by the simulator as Twilio would, and their effect on
 * later sends (21610 until START).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookRejected } from '../../../src/adapters/ledger/port';
import type { MessagingAdapter } from '../../../src/adapters/messaging/port';
import { createTwilioAdapter, signTwilioRequest } from '../../../src/adapters/messaging/twilio';
import type { WebhookDelivery } from '../../../src/adapters/system';
import { type TwilioSandbox, twilioSignature } from '../../../src/sandbox/twilio';
import { control, NORTHSIDE, SMILE, sandboxAndAdapter, smsMessage, webhookReceiver } from './helpers';

const EXAMPLE_URL = 'https://gw.example/webhooks/twilio/smile-dental';
const EXAMPLE_PARAMS: Array<[string, string]> = [
  ['MessageSid', 'SM1'],
  ['MessageStatus', 'delivered'],
  ['To', '+15551234567'],
];

/** An adapter whose Auth Token is the worked example's `12345`. */
const exampleAdapter = createTwilioAdapter({
  baseUrl: 'https://api.twilio.com',
  accountSid: SMILE.sid,
  authToken: '12345',
  messagingServiceSid: SMILE.messagingServiceSid,
});

function delivery(
  params: Array<[string, string]>,
  signature: string | null,
  url = EXAMPLE_URL,
  extra: Record<string, string> = {},
): WebhookDelivery {
  return {
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature ? { 'x-twilio-signature': signature } : {}),
      ...extra,
    },
    rawBody: Buffer.from(new URLSearchParams(params).toString()),
    secret: null,
    now: new Date(),
  };
}

function rejection(run: () => unknown): WebhookRejected {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookRejected);
    return error as WebhookRejected;
  }
  throw new Error('expected a WebhookRejected');
}

describe('signatures', () => {
  it('reproduces the spec’s worked example, in the adapter and in the simulator', () => {
    const params = Object.fromEntries(EXAMPLE_PARAMS);
    expect(signTwilioRequest('12345', EXAMPLE_URL, params)).toBe('H9UEE0b5P7lnJAnI6Wf39io2K/w=');
    expect(twilioSignature('12345', EXAMPLE_URL, EXAMPLE_PARAMS)).toBe('H9UEE0b5P7lnJAnI6Wf39io2K/w=');
  });

  it('accepts the worked example and maps it to a DELIVERED status event', () => {
    expect(exampleAdapter.verifyWebhook(delivery(EXAMPLE_PARAMS, 'H9UEE0b5P7lnJAnI6Wf39io2K/w='))).toEqual([
      {
        eventId: 'SM1:delivered',
        occurredAt: null,
        type: 'STATUS',
        reminderId: null,
        providerMessageId: 'SM1',
        status: 'DELIVERED',
        failureReason: null,
        errorCode: null,
        recipient: null,
      },
    ]);
  });

  it('accepts the parameters in any order on the wire (they are signed sorted)', () => {
    expect(exampleAdapter.verifyWebhook(delivery([...EXAMPLE_PARAMS].reverse(), 'H9UEE0b5P7lnJAnI6Wf39io2K/w='))).toHaveLength(1);
  });

  it('signs a repeated name with its sorted distinct values', () => {
    const params: Array<[string, string]> = [...EXAMPLE_PARAMS, ['MediaUrl', 'b'], ['MediaUrl', 'a']];
    const signature = twilioSignature('12345', EXAMPLE_URL, params);
    expect(signature).toBe(
      signTwilioRequest('12345', EXAMPLE_URL, { ...Object.fromEntries(EXAMPLE_PARAMS), MediaUrl: ['b', 'a'] }),
    );
    expect(exampleAdapter.verifyWebhook(delivery(params, signature))).toHaveLength(1);
  });

  it('refuses a forged signature (another token), 401', () => {
    const forged = twilioSignature('54321', EXAMPLE_URL, EXAMPLE_PARAMS);
    expect(rejection(() => exampleAdapter.verifyWebhook(delivery(EXAMPLE_PARAMS, forged))).status).toBe(401);
  });

  it('refuses a tampered form (status changed after signing), 401', () => {
    const tampered: Array<[string, string]> = [EXAMPLE_PARAMS[0]!, ['MessageStatus', 'failed'], EXAMPLE_PARAMS[2]!];
    expect(rejection(() => exampleAdapter.verifyWebhook(delivery(tampered, 'H9UEE0b5P7lnJAnI6Wf39io2K/w='))).status).toBe(401);
  });

  it('refuses a tampered URL (another reminder id in the query), 401', () => {
    const signature = twilioSignature('12345', `${EXAMPLE_URL}?r=rem_1`, EXAMPLE_PARAMS);
    expect(exampleAdapter.verifyWebhook(delivery(EXAMPLE_PARAMS, signature, `${EXAMPLE_URL}?r=rem_1`))[0]).toMatchObject({
      reminderId: 'rem_1',
    });
    expect(
      rejection(() => exampleAdapter.verifyWebhook(delivery(EXAMPLE_PARAMS, signature, `${EXAMPLE_URL}?r=rem_2`))).status,
    ).toBe(401);
  });

  it('refuses a missing signature, 401', () => {
    expect(rejection(() => exampleAdapter.verifyWebhook(delivery(EXAMPLE_PARAMS, null))).message).toMatch(
      /missing X-Twilio-Signature/,
    );
  });

  it('refuses a SharedKey (HMAC_SHA256) signature it holds no key for, 401', () => {
    const error = rejection(() =>
      exampleAdapter.verifyWebhook(
        delivery(EXAMPLE_PARAMS, 'H9UEE0b5P7lnJAnI6Wf39io2K/w=', EXAMPLE_URL, {
          'x-twilio-webhooks-signature-settings': 'key=webhooks_sharedkey_1,algorithm=HMAC_SHA256',
        }),
      ),
    );
    expect([error.status, error.message]).toEqual([401, expect.stringMatching(/HMAC_SHA256/)]);
  });

  it('refuses a well-signed form without MessageSid, 400', () => {
    const params: Array<[string, string]> = [['MessageStatus', 'delivered']];
    const error = rejection(() => exampleAdapter.verifyWebhook(delivery(params, twilioSignature('12345', EXAMPLE_URL, params))));
    expect([error.status, error.message]).toEqual([400, expect.stringMatching(/MessageSid/)]);
  });

  it('refuses another account’s delivery, 400', () => {
    const params: Array<[string, string]> = [...EXAMPLE_PARAMS, ['AccountSid', NORTHSIDE.sid]];
    const error = rejection(() => exampleAdapter.verifyWebhook(delivery(params, twilioSignature('12345', EXAMPLE_URL, params))));
    expect(error.status).toBe(400);
  });
});

describe('inbound replies', () => {
  let sandbox: TwilioSandbox;
  let adapter: MessagingAdapter<'SMS'>;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;

  beforeAll(async () => {
    ({ sandbox, adapter } = await sandboxAndAdapter({ stepDelayMs: 60_000 }));
    receiver = await webhookReceiver(() => adapter);
  });
  afterAll(async () => {
    await receiver.close();
    await adapter.close();
    await sandbox.close();
  });
  beforeEach(async () => {
    sandbox.reset();
    receiver.received.length = 0;
    await control(sandbox, '/_sandbox/webhook-url', { url: receiver.url, accountSid: SMILE.sid }, 'PUT');
  });
  afterEach(async () => {
    await sandbox.callbacks.idle();
  });

  async function reply(body: string, from = '+15551234567') {
    const result = await control(sandbox, '/_sandbox/inbound', { from, to: SMILE.messagingServiceSid, body });
    await sandbox.callbacks.idle();
    return { result, events: receiver.events().filter((e) => e.eventId === result.messageSid) };
  }

  it('STOP is an OPT_OUT of the sender’s number; later sends to it are SUPPRESSED 21610 until START', async () => {
    const stop = await reply('STOP');
    expect(stop.events).toEqual([
      { eventId: stop.result.messageSid, occurredAt: null, type: 'OPT_OUT', recipient: '+15551234567', reminderId: null },
    ]);
    expect(receiver.received[0]?.error).toBeNull();
    expect(await adapter.send(smsMessage())).toMatchObject({
      state: 'REFUSED',
      status: 'SUPPRESSED',
      errorCode: '21610',
      recipient: 'OPTED_OUT',
    });
    const start = await reply('start');
    expect(start.events).toEqual([
      { eventId: start.result.messageSid, occurredAt: null, type: 'OPT_IN', recipient: '+15551234567', reminderId: null },
    ]);
    expect(await adapter.send(smsMessage())).toMatchObject({ state: 'ACCEPTED' });
  });

  it('applies the keyword rules: trimmed and case-insensitive, the whole message only', async () => {
    for (const word of [' unsubscribe ', 'Cancel', 'end', 'QUIT', 'revoke', 'optout', 'stopall']) {
      expect((await reply(word)).events[0]?.type, word).toBe('OPT_OUT');
    }
    for (const word of ['yes', 'UNSTOP']) expect((await reply(word)).events[0]?.type, word).toBe('OPT_IN');
    expect((await reply('please stop')).events[0]).toMatchObject({
      type: 'IGNORED',
      reason: 'inbound message without a keyword',
    });
    expect((await reply('HELP')).events[0]).toMatchObject({ type: 'IGNORED', reason: expect.stringMatching(/HELP/) });
    expect((await reply('info')).events[0]?.type).toBe('IGNORED');
  });

  it('reads the keyword from the Body when Twilio sends no OptOutType', () => {
    const params: Array<[string, string]> = [
      ['MessageSid', `SM${'1'.repeat(32)}`],
      ['AccountSid', SMILE.sid],
      ['From', '+15557654321'],
      ['To', SMILE.sender],
      ['Body', ' Stop '],
      ['SmsStatus', 'received'],
    ];
    const url = 'https://gw.example/webhooks/twilio/smile-dental';
    const events = adapter.verifyWebhook(delivery(params, twilioSignature(SMILE.authToken, url, params), url));
    expect(events).toEqual([
      { eventId: `SM${'1'.repeat(32)}`, occurredAt: null, type: 'OPT_OUT', recipient: '+15557654321', reminderId: null },
    ]);
  });
});
