/**
 * The Twilio adapter's `send` against the Twilio simulator: the exact wire of a create (from the
 * sandbox's request log), each synchronous refusal by test number, and the failures that must be
 * told apart — retry-safe (`UpstreamError`: 429, bad credentials, refused connection) versus a lost
 * answer (`UNKNOWN`: 5xx, timeout, reset), which is never resent.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../src/adapters/ledger/port';
import type { MessagingAdapter, SendOutcome } from '../../../src/adapters/messaging/port';
import { createTwilioAdapter } from '../../../src/adapters/messaging/twilio';
import type { TwilioSandbox } from '../../../src/sandbox/twilio';
import { SMILE, sandboxAndAdapter, smileConnection, smsMessage } from './helpers';

let sandbox: TwilioSandbox;
let adapter: MessagingAdapter<'SMS'>;

beforeAll(async () => {
  // Status steps far apart: these tests look at creates only, and no callback is posted meanwhile.
  ({ sandbox, adapter } = await sandboxAndAdapter({ stepDelayMs: 60_000 }));
});
afterAll(async () => {
  await adapter.close();
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

async function upstreamError(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe('a create on the wire', () => {
  it('posts To, MessagingServiceSid, Body and the StatusCallback with the reminder id, form-encoded, with Basic auth', async () => {
    const message = smsMessage({ reminderId: 'rem_81' });
    const outcome = await adapter.send(message);
    expect(outcome).toEqual({
      state: 'ACCEPTED',
      providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      status: 'QUEUED',
      acceptedAt: expect.any(String),
    });
    expect(sandbox.requests).toHaveLength(1);
    const [request] = sandbox.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/2010-04-01/Accounts/${SMILE.sid}/Messages.json`);
    expect(request?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request?.authUser).toBe(SMILE.sid);
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      To: '+15551234567',
      MessagingServiceSid: SMILE.messagingServiceSid,
      Body: message.text,
      StatusCallback: 'https://gw.example/webhooks/twilio/smile-dental?r=rem_81',
    });
    expect(request?.form).toHaveLength(4);
    expect(request?.status).toBe(201);
    // The sent log holds the one message, as created.
    expect(sandbox.sent.map((m) => [m.sid, m.to, m.body, m.status])).toEqual([
      [(outcome as { providerMessageId: string }).providerMessageId, '+15551234567', message.text, 'accepted'],
    ]);
    const acceptedAt = Date.parse((outcome as { acceptedAt: string }).acceptedAt);
    expect(Math.abs(acceptedAt - (sandbox.sent[0]?.dateCreated ?? 0))).toBeLessThan(1000);
  });

  it('puts the reminder id in the StatusCallback URL even when the caller left it out', async () => {
    await adapter.send(
      smsMessage({ reminderId: 'rem_82', statusCallbackUrl: 'https://gw.example/webhooks/twilio/smile-dental' }),
    );
    expect(sandbox.sent[0]?.statusCallback).toBe('https://gw.example/webhooks/twilio/smile-dental?r=rem_82');
  });

  it('sends From instead of a Messaging Service when the connection has a sender number', async () => {
    const fromAdapter = createTwilioAdapter(smileConnection(sandbox, { messagingServiceSid: undefined, from: SMILE.sender }));
    const outcome = await fromAdapter.send(smsMessage());
    expect(outcome).toMatchObject({ state: 'ACCEPTED', status: 'QUEUED' });
    expect(sandbox.requests[0]?.form.map(([name]) => name)).toEqual(['To', 'StatusCallback', 'From', 'Body']);
    expect(sandbox.sent[0]?.status).toBe('queued');
  });

  it('calls with an API key as the Basic user, the AccountSid still in the path', async () => {
    const keyed = createTwilioAdapter(
      smileConnection(sandbox, { apiKeySid: `SK${'a'.repeat(32)}`, apiKeySecret: 'not-a-sandbox-secret' }),
    );
    const error = await upstreamError(keyed.send(smsMessage()));
    // The sandbox accepts Auth Tokens only: the key reached it as the user, and was refused (401, 20003).
    expect(sandbox.requests[0]?.authUser).toBe(`SK${'a'.repeat(32)}`);
    expect(sandbox.requests[0]?.path).toBe(`/2010-04-01/Accounts/${SMILE.sid}/Messages.json`);
    expect([error.code, error.status]).toEqual(['UPSTREAM_REJECTED', 401]);
  });
});

describe('refusals of the recipient, by test number', () => {
  const cases: Array<[string, SendOutcome]> = [
    ['+15005550001', { state: 'REFUSED', status: 'FAILED', reason: 'invalid number', errorCode: '21211', recipient: 'INVALID' }],
    [
      '+15005550002',
      { state: 'REFUSED', status: 'FAILED', reason: 'not reachable from this sender', errorCode: '21612', recipient: null },
    ],
    ['+15005550003', { state: 'REFUSED', status: 'FAILED', reason: 'region not permitted', errorCode: '21408', recipient: null }],
    [
      '+15005550004',
      { state: 'REFUSED', status: 'SUPPRESSED', reason: 'unsubscribed', errorCode: '21610', recipient: 'OPTED_OUT' },
    ],
    [
      '+15005550009',
      { state: 'REFUSED', status: 'FAILED', reason: 'not a mobile number', errorCode: '21614', recipient: 'INVALID' },
    ],
  ];
  for (const [to, expected] of cases) {
    it(`answers ${to} with ${expected.state === 'REFUSED' ? expected.errorCode : ''}, one request, nothing sent`, async () => {
      expect(await adapter.send(smsMessage({ to }))).toEqual(expected);
      expect(sandbox.requests.map((r) => r.status)).toEqual([400]);
      expect(sandbox.sent).toHaveLength(0);
    });
  }

  it('refuses a number that is not E.164 without calling Twilio', async () => {
    expect(await adapter.send(smsMessage({ to: '555-1234' }))).toEqual({
      state: 'REFUSED',
      status: 'FAILED',
      reason: 'invalid number',
      errorCode: null,
      recipient: 'INVALID',
    });
    expect(sandbox.requests).toHaveLength(0);
  });

  it('refuses a text over 1600 characters as an error, without calling Twilio', async () => {
    const error = await upstreamError(adapter.send(smsMessage({ text: 'x'.repeat(1601) })));
    expect(error.code).toBe('UPSTREAM_REJECTED');
    expect(error.message).toMatch(/expected a Body of 1 to 1600 characters, got 1601/);
    expect(sandbox.requests).toHaveLength(0);
  });
});

describe('failures: retry-safe or lost', () => {
  it('throws a retry-safe UpstreamError on 429 (nothing was created)', async () => {
    sandbox.addFault({ method: 'POST', path: `/2010-04-01/Accounts/${SMILE.sid}/Messages.json`, status: 429 });
    const error = await upstreamError(adapter.send(smsMessage()));
    expect([error.code, error.status]).toEqual(['UPSTREAM_UNAVAILABLE', 429]);
    expect(error.message).toMatch(/20429/);
    expect(sandbox.sent).toHaveLength(0);
  });

  it('throws UPSTREAM_REJECTED 401 on a wrong Auth Token', async () => {
    const wrong = createTwilioAdapter(smileConnection(sandbox, { authToken: 'wrong-token' }));
    const error = await upstreamError(wrong.send(smsMessage()));
    expect([error.code, error.status]).toEqual(['UPSTREAM_REJECTED', 401]);
    expect(error.message).toMatch(/20003/);
    expect(error.message).not.toContain('wrong-token');
  });

  it('throws UPSTREAM_REJECTED for another 4xx about the request, with the patient’s number masked', async () => {
    sandbox.addFault({
      method: 'POST',
      path: `/2010-04-01/Accounts/${SMILE.sid}/Messages.json`,
      status: 400,
      body: { code: 21999, message: "Something about 'To' +15551234567", status: 400 },
    });
    const error = await upstreamError(adapter.send(smsMessage()));
    expect([error.code, error.status]).toEqual(['UPSTREAM_REJECTED', 400]);
    expect(error.message).toMatch(/\[21999\] Something about 'To' \*\*\*-\*\*\*-4567/);
    expect(error.message).not.toContain('5551234567');
  });

  it('throws a retry-safe UpstreamError when the connection is refused before any byte', async () => {
    const closed = await sandboxAndAdapter();
    const url = closed.sandbox.url;
    await closed.sandbox.close();
    const unreachable = createTwilioAdapter(smileConnection(sandbox, { baseUrl: url }));
    const error = await upstreamError(unreachable.send(smsMessage()));
    expect([error.code, error.status]).toEqual(['UPSTREAM_UNAVAILABLE', null]);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('answers UNKNOWN on a 5xx: the message may exist, so it is not sent again', async () => {
    sandbox.addFault({ method: 'POST', path: `/2010-04-01/Accounts/${SMILE.sid}/Messages.json`, status: 503 });
    expect(await adapter.send(smsMessage())).toEqual({ state: 'UNKNOWN', reason: expect.stringMatching(/^HTTP 503/) });
    expect(sandbox.requests).toHaveLength(1);
  });

  it('answers UNKNOWN on a reset connection, and makes one request only', async () => {
    sandbox.addFault({ method: 'POST', path: `/2010-04-01/Accounts/${SMILE.sid}/Messages.json`, drop: true });
    expect(await adapter.send(smsMessage())).toEqual({
      state: 'UNKNOWN',
      reason: expect.stringMatching(/ECONNRESET|socket hang up/),
    });
    expect(sandbox.requests).toHaveLength(1);
  });

  it('answers UNKNOWN on a timeout although Twilio created the message (a lost answer)', async () => {
    const hasty = createTwilioAdapter(smileConnection(sandbox), { timeoutMs: 100 });
    sandbox.addFault({ method: 'POST', path: `/2010-04-01/Accounts/${SMILE.sid}/Messages.json`, delayMs: 400 });
    expect(await hasty.send(smsMessage())).toEqual({ state: 'UNKNOWN', reason: 'timeout after 100 ms' });
    expect(sandbox.requests).toHaveLength(1);
    expect(sandbox.sent).toHaveLength(1);
  });

  it('answers UNKNOWN when a 201 does not parse', async () => {
    sandbox.faults.add({
      method: 'POST',
      path: `/2010-04-01/Accounts/${SMILE.sid}/Messages.json`,
      malformedJson: true,
      times: 1,
    });
    expect(await adapter.send(smsMessage())).toEqual({ state: 'UNKNOWN', reason: 'created (201) but the answer did not parse' });
    expect(sandbox.sent).toHaveLength(1);
  });

  it('runs at most 5 creates at once per account', async () => {
    const slow = await sandboxAndAdapter({ stepDelayMs: 60_000 });
    try {
      // Every create answered 50 ms after it was handled: without a limit all 12 would overlap.
      slow.sandbox.faults.add({ method: 'POST', latencyMs: 50 });
      const outcomes = await Promise.all(Array.from({ length: 12 }, () => slow.adapter.send(smsMessage())));
      expect(outcomes.every((o) => o.state === 'ACCEPTED')).toBe(true);
      // Overlap of the [arrival, answer] intervals the sandbox recorded.
      const spans = slow.sandbox.requests.map((r) => [r.time, r.answeredAt ?? r.time] as const);
      const most = Math.max(...spans.map(([t]) => spans.filter(([a, b]) => a <= t && t < b).length));
      expect(most).toBeLessThanOrEqual(5);
      expect(most).toBeGreaterThan(1);
    } finally {
      await slow.sandbox.close();
    }
  });
});
