/**
 * The Twilio simulator on its own, over raw HTTP (no SDK, no adapter): the spec's decisions an
 * independent client relies on — Basic auth (401 `20003`), the create's validation codes and magic
 * numbers, the message resource's snake_case fields and RFC 2822 dates, fetch and the listing's
 * filters and pages, status callbacks (signed, one per status change, no retry of an HTTP error,
 * one retry of a connection failure), hold/release, inbound keywords and their 21610, faults, reset.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type TwilioSandbox, startTwilioSandbox, TWILIO_SANDBOX_ACCOUNTS } from '../../src/sandbox/twilio';

const SMILE = TWILIO_SANDBOX_ACCOUNTS.smileDental;
const NORTH = TWILIO_SANDBOX_ACCOUNTS.northside;
const MESSAGES = `/2010-04-01/Accounts/${SMILE.sid}/Messages.json`;
let sandbox: TwilioSandbox;

interface Hit {
  url: string;
  headers: http.IncomingHttpHeaders;
  params: Record<string, string>;
}

/** A receiver answering `statusFor(n)` (default 204) and recording each POST. */
async function receiver(statusFor: (n: number) => number = () => 204) {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({
        url: `${base}${req.url}`,
        headers: req.headers,
        params: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString())),
      });
      res.writeHead(statusFor(hits.length)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `${base}/webhooks/twilio/smile-dental`, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

beforeAll(async () => {
  sandbox = await startTwilioSandbox({ stepDelayMs: 5, connectionRetryDelayMs: 5 });
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  await sandbox.callbacks.idle();
  sandbox.reset();
});

async function api(
  method: string,
  path: string,
  params: Record<string, string> = {},
  auth = `${SMILE.sid}:${SMILE.authToken}`,
  base = sandbox.url,
) {
  const form = new URLSearchParams(params).toString();
  const response = await fetch(`${base}${path}${method === 'GET' && form ? `?${form}` : ''}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(auth).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: method === 'GET' ? undefined : form,
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function ctl(path: string, body: unknown = {}, method = 'POST', base = sandbox.url): Promise<any> {
  const response = await fetch(`${base}${path}`, { method, body: method === 'GET' ? undefined : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

const create = (params: Record<string, string>) => api('POST', MESSAGES, { To: '+15551234567', Body: 'Hello', ...params });

describe('auth and routes', () => {
  it('answers 401 20003 to a wrong token, to another account’s path, and without auth', async () => {
    expect(
      (
        await create({ MessagingServiceSid: SMILE.messagingServiceSid }).then(() =>
          api('GET', MESSAGES, {}, `${SMILE.sid}:wrong`),
        )
      ).body,
    ).toMatchObject({ code: 20003, status: 401 });
    expect((await api('GET', `/2010-04-01/Accounts/${NORTH.sid}/Messages.json`)).status).toBe(401);
    const bare = await fetch(`${sandbox.url}${MESSAGES}`);
    expect(bare.status).toBe(401);
  });

  it('answers 404 20404 to an unknown path and an unknown message', async () => {
    expect((await api('GET', '/2010-04-01/Accounts/nope/Calls.json')).body).toMatchObject({ code: 20404, status: 404 });
    expect((await api('GET', `/2010-04-01/Accounts/${SMILE.sid}/Messages/SM${'0'.repeat(32)}.json`)).body).toMatchObject({
      code: 20404,
    });
  });
});

describe('create', () => {
  it('answers 201 with the snake_case resource: accepted through a service, queued with From', async () => {
    const viaService = await create({ MessagingServiceSid: SMILE.messagingServiceSid });
    expect(viaService.status).toBe(201);
    expect(viaService.body).toMatchObject({
      sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      status: 'accepted',
      to: '+15551234567',
      from: SMILE.sender,
      messaging_service_sid: SMILE.messagingServiceSid,
      num_segments: '1',
      error_code: null,
      error_message: null,
      date_created: expect.stringMatching(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/),
      date_sent: null,
      price: null,
      price_unit: 'USD',
      direction: 'outbound-api',
      uri: `/2010-04-01/Accounts/${SMILE.sid}/Messages/${viaService.body.sid}.json`,
    });
    const viaFrom = await create({ From: SMILE.sender });
    expect([viaFrom.status, viaFrom.body.status, viaFrom.body.messaging_service_sid]).toEqual([201, 'queued', null]);
    expect(sandbox.sent.map((m) => m.sid)).toEqual([viaService.body.sid, viaFrom.body.sid]);
  });

  it('refuses by the spec’s codes: other From 21606, no Body 21602, over 1600 21617, malformed To 21211, magic numbers', async () => {
    const cases: Array<[Record<string, string>, number]> = [
      [{ From: '+15005550007' }, 21606],
      [{ From: SMILE.sender, Body: '' }, 21602],
      [{ From: SMILE.sender, Body: 'x'.repeat(1601) }, 21617],
      [{ From: SMILE.sender, To: '5551234567' }, 21211],
      [{ From: SMILE.sender, To: '+15005550001' }, 21211],
      [{ From: SMILE.sender, To: '+15005550002' }, 21612],
      [{ From: SMILE.sender, To: '+15005550003' }, 21408],
      [{ From: SMILE.sender, To: '+15005550004' }, 21610],
      [{ From: SMILE.sender, To: '+15005550009' }, 21614],
    ];
    for (const [params, code] of cases) {
      const answer = await create(params);
      expect([answer.status, answer.body.code, answer.body.more_info], JSON.stringify(params)).toEqual([
        400,
        code,
        `https://www.twilio.com/docs/errors/${code}`,
      ]);
    }
    expect(sandbox.sent).toHaveLength(0);
  });
});

describe('status callbacks', () => {
  it('posts one signed form per status change, as Twilio signs it (checked with the SDK), with ErrorCode and RawDlrDoneDate', async () => {
    const hook = await receiver();
    try {
      const created = await create({
        MessagingServiceSid: SMILE.messagingServiceSid,
        To: '+15550100002',
        StatusCallback: `${hook.url}?r=rem_1`,
      });
      await sandbox.callbacks.waitFor(
        (d, a) => d.messageSid === created.body.sid && d.status === 'undelivered' && a.status !== null,
      );
      expect(hook.hits.map((h) => h.params.MessageStatus)).toEqual(['queued', 'sent', 'undelivered']);
      for (const hit of hook.hits) {
        expect(hit.url).toBe(`${hook.url}?r=rem_1`);
        expect(twilio.validateRequest(SMILE.authToken, String(hit.headers['x-twilio-signature']), hit.url, hit.params)).toBe(
          true,
        );
        expect(hit.params).toMatchObject({
          MessageSid: created.body.sid,
          SmsSid: created.body.sid,
          SmsStatus: hit.params.MessageStatus,
          AccountSid: SMILE.sid,
          From: SMILE.sender,
          To: '+15550100002',
          ApiVersion: '2010-04-01',
          MessagingServiceSid: SMILE.messagingServiceSid,
        });
      }
      expect(hook.hits[2]?.params).toMatchObject({ ErrorCode: '30003', RawDlrDoneDate: expect.stringMatching(/^\d{10}$/) });
      expect(hook.hits[0]?.params.ErrorCode).toBeUndefined();
      // The resource followed: date_sent set at `sent`.
      const fetched = await api('GET', `/2010-04-01/Accounts/${SMILE.sid}/Messages/${created.body.sid}.json`);
      expect(fetched.body).toMatchObject({ status: 'undelivered', error_code: 30003, date_sent: expect.any(String) });
    } finally {
      await hook.close();
    }
  });

  it('does not retry a callback answered with an HTTP error', async () => {
    const hook = await receiver(() => 500);
    try {
      const created = await create({ From: SMILE.sender, To: '+15550100004', StatusCallback: hook.url });
      await sandbox.callbacks.waitFor((d) => d.messageSid === created.body.sid && d.status === 'sent');
      await sandbox.callbacks.idle();
      expect(hook.hits.map((h) => h.params.MessageStatus)).toEqual(['sent']);
      expect(sandbox.callbacks.deliveries[0]).toMatchObject({
        state: 'failed',
        attempts: [expect.objectContaining({ status: 500 })],
      });
    } finally {
      await hook.close();
    }
  });

  it('retries a callback once after a connection failure', async () => {
    const hook = await receiver();
    const url = hook.url;
    await hook.close();
    const created = await create({ From: SMILE.sender, To: '+15550100004', StatusCallback: url });
    await sandbox.callbacks.waitFor((d) => d.messageSid === created.body.sid && d.status === 'sent');
    await sandbox.callbacks.idle();
    const [delivery] = sandbox.callbacks.deliveries;
    expect(delivery?.attempts.map((a) => [a.trigger, a.status])).toEqual([
      ['first', null],
      ['retry', null],
    ]);
    expect(delivery?.state).toBe('failed');
  });

  it('holds callbacks and releases them reversed and duplicated', async () => {
    const hook = await receiver();
    try {
      expect((await ctl('/_sandbox/webhooks', { hold: true })).body).toEqual({ holding: true });
      const created = await create({ MessagingServiceSid: SMILE.messagingServiceSid, StatusCallback: hook.url });
      await ctl(`/_sandbox/messages/${created.body.sid}/status`, { status: 'delivered' });
      expect(hook.hits).toHaveLength(0);
      // `queued` may have been held before the forced `delivered`, which is the newest either way.
      const held = sandbox.callbacks.deliveries.filter((d) => d.state === 'held').length;
      expect((await ctl('/_sandbox/webhooks/release', { order: 'reverse', duplicate: true })).body).toEqual({ released: held });
      expect(hook.hits).toHaveLength(2 * held);
      expect(hook.hits.slice(0, 2).map((h) => h.params.MessageStatus)).toEqual(['delivered', 'delivered']);
    } finally {
      await hook.close();
    }
  });
});

describe('listing', () => {
  it('filters by To and DateSent> (unsent messages never match) and pages newest first with next_page_uri', async () => {
    // Steps a minute apart: nothing is sent until the control says so.
    const slow = await startTwilioSandbox({ stepDelayMs: 60_000 });
    const list = (params: Record<string, string>) => api('GET', MESSAGES, params, undefined, slow.url);
    try {
      const sids: string[] = [];
      const auth = `${SMILE.sid}:${SMILE.authToken}`;
      for (let i = 0; i < 3; i++) {
        sids.push((await api('POST', MESSAGES, { To: '+15550100004', From: SMILE.sender, Body: 'Hi' }, auth, slow.url)).body.sid);
      }
      await api('POST', MESSAGES, { To: '+15559999999', From: SMILE.sender, Body: 'Hi' }, auth, slow.url);
      const since = new Date(Date.now() - 60_000).toISOString();
      expect((await list({ To: '+15550100004', 'DateSent>': since })).body.messages).toHaveLength(0);
      expect((await list({ To: '+15550100004' })).body.messages).toHaveLength(3);
      for (const sid of sids) await ctl(`/_sandbox/messages/${sid}/status`, { status: 'sent' }, 'POST', slow.url);
      await checkPages(sids, since, list);
    } finally {
      await slow.close();
    }
  });
});

async function checkPages(sids: string[], since: string, list: (params: Record<string, string>) => ReturnType<typeof api>) {
  {
    const first = await list({ To: '+15550100004', 'DateSent>': since, PageSize: '2' });
    expect(first.body.messages.map((m: { sid: string }) => m.sid)).toEqual([sids[2], sids[1]]);
    expect(first.body.next_page_uri).toMatch(/^\/2010-04-01\/Accounts\/AC0+1\/Messages\.json\?/);
    const next = new URL(first.body.next_page_uri, 'http://sandbox.local');
    const second = await list(Object.fromEntries(next.searchParams));
    expect(second.body.messages.map((m: { sid: string }) => m.sid)).toEqual([sids[0]]);
    expect(second.body.next_page_uri).toBeNull();
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await list({ To: '+15550100004', 'DateSent>': future })).body.messages).toHaveLength(0);
    expect((await list({ PageSize: '1001' })).status).toBe(400);
  }
}

describe('inbound keywords', () => {
  it('STOP (any keyword form) is posted signed to the inbound URL with OptOutType, then that number gets 21610 until START', async () => {
    const hook = await receiver();
    try {
      expect((await ctl('/_sandbox/webhook-url', { url: hook.url, accountSid: SMILE.sid }, 'PUT')).status).toBe(200);
      const stop = await ctl('/_sandbox/inbound', { from: '+15551230000', to: SMILE.sender, body: '  stop ' });
      // The sender number is shared by both seeded accounts: both apply the keyword; only smile-dental has a URL.
      expect(stop.body).toMatchObject({
        optOutType: 'STOP',
        accountSids: [SMILE.sid, NORTH.sid],
        deliveries: [expect.any(String)],
      });
      await sandbox.callbacks.idle();
      const [hit] = hook.hits;
      expect(hit?.params).toMatchObject({
        From: '+15551230000',
        To: SMILE.sender,
        Body: '  stop ',
        OptOutType: 'STOP',
        SmsStatus: 'received',
        AccountSid: SMILE.sid,
      });
      expect(hit?.params.MessageStatus).toBeUndefined();
      expect(
        twilio.validateRequest(SMILE.authToken, String(hit?.headers['x-twilio-signature']), hit?.url ?? '', hit?.params ?? {}),
      ).toBe(true);
      expect((await create({ From: SMILE.sender, To: '+15551230000' })).body.code).toBe(21610);
      expect(
        (await ctl('/_sandbox/inbound', { from: '+15551230000', to: SMILE.messagingServiceSid, body: 'HELP' })).body.optOutType,
      ).toBe('HELP');
      expect((await create({ From: SMILE.sender, To: '+15551230000' })).body.code).toBe(21610);
      expect(
        (await ctl('/_sandbox/inbound', { from: '+15551230000', to: SMILE.messagingServiceSid, body: 'UNSTOP' })).body.optOutType,
      ).toBe('START');
      expect((await create({ From: SMILE.sender, To: '+15551230000' })).status).toBe(201);
      expect(
        (await ctl('/_sandbox/inbound', { from: '+15551230000', to: SMILE.sender, body: 'stop please' })).body.optOutType,
      ).toBeNull();
    } finally {
      await hook.close();
    }
  });
});

describe('controls', () => {
  it('injects a fault with its own body for `times` requests, drops a connection, clears them', async () => {
    await ctl('/_sandbox/faults', {
      method: 'POST',
      path: MESSAGES,
      status: 500,
      body: { code: 20500, message: 'boom' },
      times: 1,
    });
    expect((await create({ From: SMILE.sender })).body).toEqual({ code: 20500, message: 'boom' });
    expect((await create({ From: SMILE.sender })).status).toBe(201);
    await ctl('/_sandbox/faults', { method: 'GET', path: '/2010-04-01/*', drop: true, times: 5 });
    await expect(api('GET', MESSAGES)).rejects.toThrow();
    await ctl('/_sandbox/faults', {}, 'DELETE');
    expect((await api('GET', MESSAGES)).status).toBe(200);
    expect((await ctl('/_sandbox/faults', { path: MESSAGES })).status).toBe(400);
  });

  it('lists requests and the sent log, and resets everything', async () => {
    await create({ From: SMILE.sender });
    const requests = (await ctl('/_sandbox/requests', undefined, 'GET')).body;
    expect(requests.map((r: { method: string; path: string; status: number }) => [r.method, r.path, r.status])).toEqual([
      ['POST', MESSAGES, 201],
    ]);
    expect((await ctl('/_sandbox/sent', undefined, 'GET')).body).toHaveLength(1);
    await ctl('/_sandbox/reset');
    expect(sandbox.requests).toHaveLength(0);
    expect(sandbox.sent).toHaveLength(0);
  });
});
