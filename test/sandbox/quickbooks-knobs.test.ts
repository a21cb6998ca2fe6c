/**
 * The QuickBooks simulator's knobs over raw HTTP: the throttles (500/min and 10 in flight per realm
 * → 429 `3001`), faults (forced 429/5xx/401 in QBO's bodies, a custom body, a dropped connection
 * that wrote nothing, one that wrote and lost its answer — the duplicate-`requestid` case — and a
 * delayed answer), signed webhooks in both formats (the spec's worked signature example), retries
 * on the sandbox clock, hold/release, the accountant's edit/void/delete/merge (webhook, CDC,
 * `SyncToken`), every `/_sandbox/…` control, and sandbox mode's connections.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSystemSandbox } from '../../src/adapters/system';
import {
  intuitSignature,
  QBO_SANDBOX_REALMS,
  QBO_SEEDED_IDS,
  type QuickBooksSandbox,
  startQuickBooksSandbox,
} from '../../src/sandbox/quickbooks';
import { startSandboxMode } from '../../src/sandbox/quickbooks/mode';

const SMILE = QBO_SANDBOX_REALMS.smileDental.realmId;
const NORTH = QBO_SANDBOX_REALMS.northside.realmId;
let qbo: QuickBooksSandbox;
let token: string;

beforeAll(async () => {
  // Sandbox time moves only when a test moves it, and timers (webhook retries) fire only then.
  qbo = await startQuickBooksSandbox({ clock: { frozen: true, manualTimers: true } });
});
afterAll(() => qbo.close());
beforeEach(async () => {
  await qbo.webhooks.idle();
  qbo.reset();
  token = qbo.issueAccessToken(SMILE);
});

async function call(method: string, path: string, body?: unknown, realm = SMILE, bearer = token) {
  const response = await fetch(`${qbo.url}/v3/company/${realm}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function ctl(path: string, body: unknown = {}, method = 'POST') {
  const response = await fetch(`${qbo.url}${path}`, { method, body: method === 'GET' ? undefined : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

const receipt = (amount: number) => ({
  CustomerRef: { value: '58' },
  TxnDate: '2026-07-30',
  Line: [
    {
      Amount: amount,
      DetailType: 'SalesItemLineDetail',
      SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 1, UnitPrice: amount },
    },
  ],
  DepositToAccountRef: { value: '35' },
  PaymentRefNum: 'LG:1042',
});

interface Hit {
  headers: http.IncomingHttpHeaders;
  raw: string;
}

/** A webhook receiver answering `statusFor(n)` (default 200) and recording each POST. */
async function receiver(statusFor: (n: number) => number = () => 200) {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(statusFor(hits.length)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/quickbooks/smile-dental`;
  return { url, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('throttles', () => {
  it('answers 429 3001 past 500 requests in a minute of sandbox time, and admits again a minute later', async () => {
    const sends = Array.from({ length: 500 }, (_, i) => call('GET', i % 2 ? '/customer/58' : '/item/1'));
    expect((await Promise.all(sends)).every((r) => r.status === 200)).toBe(true);
    const over = await call('GET', '/customer/58');
    expect(over.status).toBe(429);
    expect(over.body.Fault).toMatchObject({
      type: 'ThrottleExceeded',
      Error: [{ code: '3001', Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429' }],
    });
    // Per realm: Northside is not throttled.
    expect((await call('GET', '/customer/58', undefined, NORTH, qbo.issueAccessToken(NORTH))).status).toBe(200);
    qbo.clock.advance(60_000);
    expect((await call('GET', '/customer/58')).status).toBe(200);
  });

  it('answers 429 to the 11th request in flight at once', async () => {
    qbo.addFault({ path: `/v3/company/${SMILE}/customer/58`, delayMs: 300, times: 10 });
    const slow = Array.from({ length: 10 }, () => call('GET', '/customer/58'));
    // The ten are admitted as soon as each has been logged; wait on that state, not on time.
    while (qbo.requestsFor(SMILE).length < 10) await new Promise((r) => setImmediate(r));
    const eleventh = await call('GET', '/item/1');
    expect(eleventh.status).toBe(429);
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(qbo.peakInFlight(SMILE)).toBe(10);
    expect((await call('GET', '/item/1')).status).toBe(200);
  });
});

describe('faults', () => {
  it('forced 429, 500 and 401 answer QBO’s own bodies, in both casings, and write nothing', async () => {
    const path = `/v3/company/${SMILE}/salesreceipt`;
    expect((await ctl('/_sandbox/faults', { method: 'POST', path, status: 429, times: 2 })).status).toBe(200);
    for (const _ of [1, 2]) expect((await call('POST', '/salesreceipt', receipt(5))).body.Fault.Error[0].code).toBe('3001');
    qbo.addFault({ method: 'POST', path, status: 503 });
    const down = await call('POST', '/salesreceipt', receipt(5));
    expect(down.status).toBe(503);
    expect(down.body.Fault).toMatchObject({ type: 'SystemFault', Error: [{ code: '10000' }] });
    qbo.addFault({ method: 'POST', path, status: 401 });
    const unauthenticated = await call('POST', '/salesreceipt', receipt(5));
    expect(unauthenticated.body.fault.error[0].code).toBe('3200');
    qbo.addFault({
      method: 'POST',
      path: `/v3/company/${SMILE}/*`,
      status: 400,
      body: { Fault: { Error: [{ code: '6000' }], type: 'ValidationFault' } },
    });
    expect((await call('POST', '/salesreceipt', receipt(5))).body.Fault.Error[0].code).toBe('6000');
    expect(qbo.entities(SMILE, 'SalesReceipt')).toHaveLength(0);
    expect((await call('POST', '/salesreceipt', receipt(5))).status).toBe(200);
  });

  it('a dropped connection writes nothing; drop after commit writes once and the requestid retry replays it', async () => {
    const path = `/v3/company/${SMILE}/salesreceipt`;
    qbo.addFault({ method: 'POST', path, drop: true });
    await expect(call('POST', '/salesreceipt?requestid=LG:5:SalesReceipt', receipt(12))).rejects.toThrow();
    expect(qbo.entities(SMILE, 'SalesReceipt')).toHaveLength(0);
    expect((await ctl('/_sandbox/faults', { method: 'POST', path, drop: true, afterCommit: true })).status).toBe(200);
    await expect(call('POST', '/salesreceipt?requestid=LG:6:SalesReceipt', receipt(12))).rejects.toThrow();
    expect(qbo.entities(SMILE, 'SalesReceipt')).toHaveLength(1);
    const retry = await call('POST', '/salesreceipt?requestid=LG:6:SalesReceipt', receipt(12));
    expect(retry.body.SalesReceipt.Id).toBe(qbo.entities(SMILE, 'SalesReceipt')[0]!.Id);
    expect(qbo.entities(SMILE, 'SalesReceipt')).toHaveLength(1);
  });

  it('a delay holds the answer after the work: a client that gives up has still written', async () => {
    qbo.addFault({ method: 'POST', path: `/v3/company/${SMILE}/salesreceipt`, delayMs: 2_000 });
    const aborted = fetch(`${qbo.url}/v3/company/${SMILE}/salesreceipt?requestid=LG:7:SalesReceipt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(receipt(8)),
      signal: AbortSignal.timeout(100),
    });
    await expect(aborted).rejects.toThrow();
    expect(qbo.entities(SMILE, 'SalesReceipt')).toHaveLength(1);
    expect((await call('POST', '/salesreceipt?requestid=LG:7:SalesReceipt', receipt(8))).body.SalesReceipt.Id).toBe('145');
    expect(qbo.entities(SMILE, 'SalesReceipt')).toHaveLength(1);
  });

  it('the knobs in code: a 429 burst, a 5xx, a lost answer after commit, and the peak in flight', async () => {
    qbo.knobs.throttleNext(SMILE, 2);
    expect((await call('GET', '/customer/58')).status).toBe(429);
    expect((await call('GET', '/customer/58')).status).toBe(429);
    expect((await call('GET', '/customer/58', undefined, NORTH, qbo.issueAccessToken(NORTH))).status).toBe(200);
    expect((await call('GET', '/customer/58')).status).toBe(200);
    qbo.knobs.failNext(SMILE, 502);
    expect((await call('POST', '/salesreceipt', receipt(4))).body.Fault.Error[0].code).toBe('10000');
    qbo.knobs.loseNextAnswer(SMILE, 'SalesReceipt');
    await expect(call('POST', '/salesreceipt?requestid=LG:3:SalesReceipt', receipt(4))).rejects.toThrow();
    expect((await call('POST', '/salesreceipt?requestid=LG:3:SalesReceipt', receipt(4))).body.SalesReceipt.Id).toBe('145');
    expect(qbo.entities(SMILE, 'SalesReceipt')).toHaveLength(1);
    expect(qbo.peakInFlight(SMILE)).toBe(1);
    expect(() => qbo.knobs.throttleNext('1')).toThrow(/no sandbox realm 1/);
  });

  it('refuses a malformed fault and clears them all with DELETE', async () => {
    expect((await ctl('/_sandbox/faults', { path: '/x' })).status).toBe(400);
    expect((await ctl('/_sandbox/faults', { path: '/x', afterCommit: true, status: 500 })).status).toBe(400);
    await ctl('/_sandbox/faults', { path: `/v3/company/${SMILE}/*`, status: 500, times: 5 });
    expect((await ctl('/_sandbox/faults', {}, 'DELETE')).body).toEqual({ cleared: true });
    expect((await call('GET', '/customer/58')).status).toBe(200);
  });
});

describe('webhooks', () => {
  it('the spec’s worked signature example', () => {
    expect(intuitSignature('verifier-token', '{"eventNotifications":[]}')).toBe('PoTD6NkQ7ZMymzly6D5JRrVrHxAE3mCtl20M12uy6iM=');
  });

  it('posts a signed CloudEvents array per create, then the legacy format once switched', async () => {
    const hook = await receiver();
    try {
      expect((await ctl('/_sandbox/webhook-url', { url: hook.url }, 'PUT')).status).toBe(200);
      await call('POST', '/salesreceipt', receipt(10));
      await qbo.webhooks.idle();
      expect(hook.hits).toHaveLength(1);
      const first = hook.hits[0]!;
      expect(first.headers['intuit-signature']).toBe(intuitSignature(qbo.verifierToken, first.raw));
      expect(first.headers['content-type']).toBe('application/json');
      expect(JSON.parse(first.raw)).toEqual([
        {
          specversion: '1.0',
          id: expect.any(String),
          source: `/quickbooks/${SMILE}`,
          type: 'qbo.salesreceipt.created.v1',
          datacontenttype: 'application/json',
          time: expect.any(String),
          intuitentityid: '145',
          intuitaccountid: SMILE,
        },
      ]);
      expect((await ctl('/_sandbox/webhook-format', { format: 'legacy' }, 'PUT')).body).toEqual({ format: 'legacy' });
      await call('POST', '/salesreceipt?operation=void', { Id: '145', SyncToken: '0' });
      await qbo.webhooks.idle();
      const second = hook.hits[1]!;
      expect(second.headers['intuit-signature']).toBe(intuitSignature('sandbox-verifier-token', second.raw));
      expect(JSON.parse(second.raw)).toEqual({
        eventNotifications: [
          {
            realmId: SMILE,
            dataChangeEvent: {
              entities: [{ name: 'SalesReceipt', id: '145', operation: 'Void', lastUpdated: expect.any(String) }],
            },
          },
        ],
      });
    } finally {
      await hook.close();
    }
  });

  it('retries a non-2xx answer 1 s, 2 s, 4 s and 8 s later on the sandbox clock, then drops it', async () => {
    const hook = await receiver(() => 500);
    try {
      qbo.webhooks.url = hook.url;
      await call('POST', '/customer', { DisplayName: 'Ann Fox (7)' });
      await qbo.webhooks.idle();
      expect(hook.hits).toHaveLength(1);
      qbo.clock.advance(999);
      await qbo.webhooks.idle();
      expect(hook.hits).toHaveLength(1);
      for (const [seconds, count] of [
        [1, 2],
        [2, 3],
        [4, 4],
        [8, 5],
      ] as const) {
        qbo.clock.advance(seconds * 1000);
        await qbo.webhooks.idle();
        expect(hook.hits).toHaveLength(count);
      }
      expect(qbo.webhooks.deliveries[0]).toMatchObject({ state: 'dropped', attempts: expect.any(Array) });
      expect(qbo.webhooks.retriesPending).toBe(0);
      expect(new Set(hook.hits.map((h) => h.raw)).size).toBe(1);
    } finally {
      await hook.close();
    }
  });

  it('without manual timers, retries also come as real time passes (sandbox mode), on the delays given', async () => {
    const hook = await receiver((n) => (n < 3 ? 503 : 200));
    const realTime = await startQuickBooksSandbox({ webhookRetryDelaysMs: [10, 20], webhookUrl: hook.url });
    try {
      const bearer = realTime.issueAccessToken(SMILE);
      const created = await fetch(`${realTime.url}/v3/company/${SMILE}/customer`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ DisplayName: 'Ann Fox (7)' }),
      });
      expect(created.status).toBe(200);
      const delivered = await realTime.webhooks.waitFor((_, attempt) => attempt.status === 200);
      expect(delivered.attempts.map((a) => [a.trigger, a.status])).toEqual([
        ['first', 503],
        ['retry', 503],
        ['retry', 200],
      ]);
      expect(delivered.state).toBe('delivered');
    } finally {
      await realTime.close();
      await hook.close();
    }
  });

  it('holds deliveries and releases them reversed and duplicated', async () => {
    const hook = await receiver();
    try {
      qbo.webhooks.url = hook.url;
      expect((await ctl('/_sandbox/webhooks', { hold: true })).body).toEqual({ holding: true });
      await call('POST', '/salesreceipt', receipt(1));
      await call('POST', '/salesreceipt', receipt(2));
      expect(hook.hits).toHaveLength(0);
      const listed = await ctl('/_sandbox/webhooks', undefined, 'GET');
      expect(listed.body.deliveries.map((d: any) => d.state)).toEqual(['held', 'held']);
      expect((await ctl('/_sandbox/webhooks/release', { order: 'reverse', duplicate: true })).body).toEqual({ released: 2 });
      await qbo.webhooks.idle();
      const ids = hook.hits.map((h) => JSON.parse(h.raw)[0].intuitentityid);
      expect(ids.sort()).toEqual(['145', '145', '146', '146']);
    } finally {
      await hook.close();
    }
  });
});

describe('the accountant', () => {
  it('edits an amount: new SyncToken (the client’s old one is stale), an Update webhook, shown in CDC', async () => {
    const hook = await receiver();
    try {
      await call('POST', '/salesreceipt', receipt(125));
      const since = new Date(qbo.clock.now()).toISOString();
      qbo.clock.advance(5_000);
      qbo.webhooks.url = hook.url;
      const edited = await ctl(`/_sandbox/entities/${SMILE}/salesreceipt/145/touch`, { amount: 90.5 });
      expect(edited.body).toMatchObject({ TotalAmt: 90.5, SyncToken: '1' });
      expect(edited.body.Line[0]).toMatchObject({ Amount: 90.5, SalesItemLineDetail: { Qty: 1, UnitPrice: 90.5 } });
      await qbo.webhooks.idle();
      expect(JSON.parse(hook.hits[0]!.raw)[0]).toMatchObject({ type: 'qbo.salesreceipt.updated.v1', intuitentityid: '145' });
      const cdc = await call('GET', `/cdc?entities=SalesReceipt&changedSince=${encodeURIComponent(since)}`);
      expect(cdc.body.CDCResponse[0].QueryResponse[0].SalesReceipt).toMatchObject([{ Id: '145', TotalAmt: 90.5 }]);
      expect((await call('POST', '/salesreceipt?operation=void', { Id: '145', SyncToken: '0' })).body.Fault.Error[0].code).toBe(
        '5010',
      );
      // Touch without changes only moves SyncToken.
      expect(qbo.accountant.touch(SMILE, 'SalesReceipt', '145')).toMatchObject({ SyncToken: '2', TotalAmt: 90.5 });
    } finally {
      await hook.close();
    }
  });

  it('voids (0.00, Void event) and deletes (Delete event, 610 after) through the controls', async () => {
    const hook = await receiver();
    try {
      qbo.webhooks.url = hook.url;
      qbo.webhooks.format = 'legacy';
      await call('POST', '/salesreceipt', receipt(60));
      await call('POST', '/salesreceipt', receipt(70));
      expect((await ctl(`/_sandbox/entities/${SMILE}/SalesReceipt/145/void`)).body).toMatchObject({ TotalAmt: 0 });
      expect((await ctl(`/_sandbox/entities/${SMILE}/SalesReceipt/146/delete`)).status).toBe(200);
      await qbo.webhooks.idle();
      const ops = hook.hits.map((h) => JSON.parse(h.raw).eventNotifications[0].dataChangeEvent.entities[0].operation);
      expect(ops).toEqual(['Create', 'Create', 'Void', 'Delete']);
      expect((await call('GET', '/salesreceipt/146')).body.Fault.Error[0].code).toBe('610');
      const all = await ctl(`/_sandbox/entities/${SMILE}/SalesReceipt`, undefined, 'GET');
      expect(all.body.map((e: any) => [e.Id, e.deleted])).toEqual([
        ['145', false],
        ['146', true],
      ]);
      expect((await ctl(`/_sandbox/entities/${SMILE}/SalesReceipt/999/void`)).status).toBe(400);
      expect((await ctl(`/_sandbox/entities/${SMILE}/Vendor/1/void`)).status).toBe(404);
    } finally {
      await hook.close();
    }
  });

  it('merges a customer: its receipts move, a Merge event names the loser', async () => {
    const hook = await receiver();
    try {
      qbo.webhooks.url = hook.url;
      qbo.webhooks.format = 'legacy';
      const created = (await call('POST', '/customer', { DisplayName: 'Jane OBrien (1042)' })).body.Customer;
      await call('POST', '/salesreceipt', { ...receipt(15), CustomerRef: { value: created.Id } });
      expect((await ctl(`/_sandbox/entities/${SMILE}/customer/${created.Id}/merge`, { into: '58' })).status).toBe(200);
      expect((await call('GET', '/salesreceipt/145')).body.SalesReceipt.CustomerRef.value).toBe('58');
      await qbo.webhooks.idle();
      const last = JSON.parse(hook.hits.at(-1)!.raw).eventNotifications[0].dataChangeEvent.entities[0];
      expect(last).toMatchObject({ name: 'Customer', id: '58', operation: 'Merge', deletedId: created.Id });
    } finally {
      await hook.close();
    }
  });
});

describe('controls', () => {
  it('realm status, token expiry and the clock over HTTP', async () => {
    expect((await ctl(`/_sandbox/realms/${SMILE}/status`, { active: false })).body).toMatchObject({ active: false });
    expect((await call('POST', '/salesreceipt', receipt(1))).body.Fault.Error[0].code).toBe('6190');
    expect((await ctl(`/_sandbox/realms/${SMILE}/status`, { active: true, closingDate: '2026-12-31' })).body).toMatchObject({
      active: true,
      closingDate: '2026-12-31',
    });
    expect((await call('POST', '/salesreceipt', receipt(1))).body.Fault.Error[0].code).toBe('6210');
    expect((await ctl(`/_sandbox/realms/${SMILE}/status`, { authorized: false, closingDate: null })).status).toBe(200);
    expect((await call('GET', '/customer/58')).body.fault.error[0].code).toBe('120');
    expect((await ctl('/_sandbox/realms/1/status', { active: false })).status).toBe(404);
    await ctl(`/_sandbox/realms/${SMILE}/status`, { authorized: true });
    expect((await ctl('/_sandbox/tokens/expire', { realm: SMILE })).body).toEqual({ expired: 1 });
    expect((await call('GET', '/customer/58')).body.fault.error[0].code).toBe('3200');
    token = qbo.issueAccessToken(SMILE);
    const before = Date.parse((await ctl('/_sandbox/clock', undefined, 'GET')).body.now);
    const after = Date.parse((await ctl('/_sandbox/clock', { advanceSeconds: 3_600 })).body.now);
    expect(after - before).toBeGreaterThanOrEqual(3_600_000);
    expect((await call('GET', '/customer/58')).status).toBe(401);
    expect((await ctl('/_sandbox/clock', { advanceSeconds: -1 })).status).toBe(400);
  });

  it('lists the request log (without controls) and resets everything to the seeds', async () => {
    await call('POST', '/salesreceipt?requestid=LG:1:SalesReceipt', receipt(3));
    const log = await ctl('/_sandbox/requests', undefined, 'GET');
    expect(log.body).toMatchObject([
      {
        method: 'POST',
        path: `/v3/company/${SMILE}/salesreceipt`,
        query: { requestid: 'LG:1:SalesReceipt' },
        status: 200,
        realmId: SMILE,
      },
    ]);
    expect((await ctl('/_sandbox/reset')).body).toEqual({ reset: true });
    expect(qbo.entities(SMILE, 'SalesReceipt')).toEqual([]);
    expect(qbo.requests).toEqual([]);
    token = qbo.issueAccessToken(SMILE);
    // The kept requestid went with the reset: the same id creates again.
    expect((await call('POST', '/salesreceipt?requestid=LG:1:SalesReceipt', receipt(3))).body.SalesReceipt.TotalAmt).toBe(3);
    expect((await ctl('/_sandbox/nope', undefined, 'GET')).status).toBe(404);
  });
});

describe('sandbox mode', () => {
  it('gives each processor practice its realm’s connection and seeded ids; webhooks go to the gateway', async () => {
    const running = await startSandboxMode({ port: 0, gatewayUrl: 'http://127.0.0.1:1' });
    // What a descriptor's `sandbox.start` must answer (tsc checks the assignment).
    const generic: RunningSystemSandbox = running;
    try {
      expect(generic.practices.map((p) => [p.id, p.connection.realmId])).toEqual([
        ['smile-dental', SMILE],
        ['northside', NORTH],
        ['bright-dentrix', QBO_SANDBOX_REALMS.brightDentrix.realmId],
      ]);
      const smile = running.practices[0]!;
      expect(qbo.connection(SMILE)).toEqual({ ...smile.connection, baseUrl: qbo.url, tokenUrl: qbo.tokenUrl });
      expect(smile.accounting).toEqual({
        depositAccountId: QBO_SEEDED_IDS.depositAccountId,
        itemId: QBO_SEEDED_IDS.itemId,
        paymentMethodId: QBO_SEEDED_IDS.paymentMethodId,
      });
      const { baseUrl, tokenUrl, clientId, clientSecret, refreshToken, realmId } = smile.connection;
      const granted = await fetch(tokenUrl, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
        body: `grant_type=refresh_token&refresh_token=${refreshToken}`,
      });
      const { access_token } = (await granted.json()) as { access_token: string };
      const read = await fetch(`${baseUrl}/v3/company/${realmId}/account/${smile.accounting.depositAccountId}`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(((await read.json()) as any).Account).toMatchObject({ Name: 'Checking', AccountType: 'Bank' });
      const hooks = await fetch(`${baseUrl}/_sandbox/webhooks`);
      expect(((await hooks.json()) as any).url).toBe('http://127.0.0.1:1/webhooks/quickbooks/smile-dental');
    } finally {
      await running.close();
    }
  });
});
