/**
 * The QuickBooks Online simulator's API over raw HTTP (no SDK, no adapter): the OAuth token
 * endpoint (rotation, the 24 h grace, expiry on the sandbox clock, another realm's token), every
 * answer's `time` and `intuit_tid`, Customer create/read/sparse update (6240, 5010), the sales forms
 * and their refusals (6070, 610, 2500, 2020, 2050, 6140, 6000, 6190, 6210, 120), `requestid`
 * replay, void and delete, the query language and change data capture.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QBO_CLIENT, QBO_SANDBOX_REALMS, type QuickBooksSandbox, startQuickBooksSandbox } from '../../src/sandbox/quickbooks';

const SMILE = QBO_SANDBOX_REALMS.smileDental.realmId;
const NORTH = QBO_SANDBOX_REALMS.northside.realmId;
let qbo: QuickBooksSandbox;
let token: string;

beforeAll(async () => {
  qbo = await startQuickBooksSandbox();
});
afterAll(() => qbo.close());
beforeEach(async () => {
  await qbo.webhooks.idle();
  qbo.reset();
  token = qbo.issueAccessToken(SMILE);
});

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function refresh(refreshToken: string, authorization = basic(QBO_CLIENT.clientId, QBO_CLIENT.clientSecret)) {
  const response = await fetch(qbo.tokenUrl, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function call(method: string, path: string, body?: unknown, options: { realm?: string; bearer?: string } = {}) {
  const realm = options.realm ?? SMILE;
  const sep = path.includes('?') ? '&' : '?';
  const response = await fetch(`${qbo.url}/v3/company/${realm}${path}${sep}minorversion=75`, {
    method,
    headers: {
      authorization: `Bearer ${options.bearer ?? token}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, tid: response.headers.get('intuit_tid'), body: (await response.json()) as any };
}

const query = (text: string, realm = SMILE) => call('GET', `/query?query=${encodeURIComponent(text)}`, undefined, { realm });

const receipt = (amount: number, extra: Record<string, unknown> = {}) => ({
  CustomerRef: { value: '58' },
  TxnDate: '2026-07-30',
  Line: [
    {
      Amount: amount,
      DetailType: 'SalesItemLineDetail',
      Description: 'Patient payment',
      SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 1, UnitPrice: amount },
    },
  ],
  DepositToAccountRef: { value: '35' },
  PaymentMethodRef: { value: '3' },
  PaymentRefNum: 'LG:1042',
  PrivateNote: 'LG:1042 STRIPE pi_123',
  ...extra,
});

/** The one error of an upper-case envelope. */
const fault = (body: any) => body.Fault.Error[0];

describe('OAuth token endpoint', () => {
  it('refreshes with Basic client credentials, rotates the refresh token and keeps the used one 24 h', async () => {
    const first = await refresh(`RT1-sandbox-${SMILE}`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      token_type: 'bearer',
      expires_in: 3600,
      refresh_token: `RT1-sandbox-${SMILE}-1`,
      x_refresh_token_expires_in: expect.any(Number),
    });
    const second = await refresh(first.body.refresh_token);
    expect(second.body.refresh_token).toBe(`RT1-sandbox-${SMILE}-2`);
    // The used one still works within 24 h of sandbox time, not after.
    expect((await refresh(`RT1-sandbox-${SMILE}`)).status).toBe(200);
    qbo.clock.advance(24 * 3_600_000 + 1);
    expect(await refresh(`RT1-sandbox-${SMILE}`)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await refresh(`RT1-sandbox-${SMILE}-3`)).status).toBe(200);
    expect(qbo.tokenGrants).toBe(4);
  });

  it('refuses a wrong client (401 invalid_client), an unknown token (400 invalid_grant) and another grant type', async () => {
    expect(await refresh(`RT1-sandbox-${SMILE}`, basic(QBO_CLIENT.clientId, 'wrong'))).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
    expect(await refresh('RT1-nope')).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const response = await fetch(qbo.tokenUrl, {
      method: 'POST',
      headers: { authorization: basic(QBO_CLIENT.clientId, QBO_CLIENT.clientSecret) },
      body: 'grant_type=authorization_code&code=x',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error).toBe('unsupported_grant_type');
  });

  it('access tokens open their realm for 3,600 s of sandbox time, then 401 lower-case 3200', async () => {
    const { body } = await refresh(`RT1-sandbox-${NORTH}`);
    const bearer = body.access_token as string;
    expect((await call('GET', '/customer/58', undefined, { realm: NORTH, bearer })).status).toBe(200);
    const other = await call('GET', '/customer/58', undefined, { realm: SMILE, bearer });
    expect(other.status).toBe(401);
    expect(other.body.fault.error[0]).toMatchObject({ code: '3200', message: expect.stringContaining('AuthenticationFailed') });
    expect(other.body.fault.type).toBe('AUTHENTICATION');
    expect(other.body.Fault).toBeUndefined();
    qbo.clock.advance(3_599_000);
    expect((await call('GET', '/customer/58', undefined, { realm: NORTH, bearer })).status).toBe(200);
    qbo.clock.advance(1_000);
    const expired = await call('GET', '/customer/58', undefined, { realm: NORTH, bearer });
    expect(expired.status).toBe(401);
    expect(expired.body.fault.error[0].detail).toMatch(/Token expired/);
  });

  it('the expiry knob ends a realm’s tokens mid-run; a refresh opens it again', async () => {
    expect((await call('GET', '/customer/58')).status).toBe(200);
    expect(qbo.knobs.expireAccessTokens(SMILE)).toBe(1);
    expect((await call('GET', '/customer/58')).status).toBe(401);
    const { body } = await refresh(`RT1-sandbox-${SMILE}`);
    expect((await call('GET', '/customer/58', undefined, { bearer: body.access_token })).status).toBe(200);
  });
});

describe('Customer', () => {
  it('reads a seeded customer with `time` and an intuit_tid header', async () => {
    const read = await call('GET', '/customer/58');
    expect(read.status).toBe(200);
    expect(read.tid).toMatch(/^1-[0-9a-f]+$/);
    expect(read.body.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}-08:00$/);
    expect(read.body.Customer).toMatchObject({ Id: '58', SyncToken: '0', DisplayName: "Jane O'Brien (1042)", Active: true });
  });

  it('creates one with the next Id, refuses a duplicate name (even inactive, any case) with 6240', async () => {
    const created = await call('POST', '/customer?requestid=LG:1:Customer', {
      DisplayName: 'Dana Reed (1016)',
      GivenName: 'Dana',
      FamilyName: 'Reed',
      PrimaryEmailAddr: { Address: 'dana@example.com' },
    });
    expect(created.status).toBe(200);
    expect(created.body.Customer).toMatchObject({
      Id: '60',
      SyncToken: '0',
      Active: true,
      Balance: 0,
      MetaData: { CreateTime: expect.any(String), LastUpdatedTime: expect.any(String) },
    });
    const dup = await call('POST', '/customer', { DisplayName: 'sam lee (1043)' });
    expect(dup.status).toBe(400);
    expect(fault(dup.body)).toMatchObject({ code: '6240', Message: 'Duplicate Name Exists Error' });
    expect(dup.body.Fault.type).toBe('ValidationFault');
    const colon = await call('POST', '/customer', { DisplayName: 'A: B' });
    expect(fault(colon.body).code).toBe('6000');
    const long = await call('POST', '/customer', { DisplayName: 'x'.repeat(501) });
    expect(fault(long.body).code).toBe('2050');
  });

  it('sparse update with the current SyncToken reactivates; a stale one answers 5010', async () => {
    const updated = await call('POST', '/customer', { Id: '59', SyncToken: '0', sparse: true, Active: true });
    expect(updated.body.Customer).toMatchObject({ Id: '59', SyncToken: '1', Active: true, DisplayName: 'Sam Lee (1043)' });
    const stale = await call('POST', '/customer', { Id: '59', SyncToken: '0', sparse: true, Active: false });
    expect(stale.status).toBe(400);
    expect(fault(stale.body)).toMatchObject({ code: '5010', Message: 'Stale Object Error' });
    expect((await call('GET', '/customer/999')).body.Fault.Error[0].code).toBe('610');
  });
});

describe('SalesReceipt and RefundReceipt', () => {
  it('creates a receipt: TotalAmt, Balance 0, DocNumber, the SubTotalLineDetail line appended', async () => {
    const created = await call('POST', '/salesreceipt?requestid=LG:1042:SalesReceipt', receipt(125.5));
    expect(created.status).toBe(200);
    const sr = created.body.SalesReceipt;
    expect(sr).toMatchObject({
      Id: '145',
      SyncToken: '0',
      TotalAmt: 125.5,
      Balance: 0,
      DocNumber: '1001',
      TxnDate: '2026-07-30',
      CustomerRef: { value: '58' },
      DepositToAccountRef: { value: '35' },
      PaymentMethodRef: { value: '3' },
      PaymentRefNum: 'LG:1042',
      PrivateNote: 'LG:1042 STRIPE pi_123',
    });
    expect(sr.Line.map((l: any) => l.DetailType)).toEqual(['SalesItemLineDetail', 'SubTotalLineDetail']);
    expect(sr.Line[0]).toMatchObject({
      Amount: 125.5,
      SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 1, UnitPrice: 125.5 },
    });
    expect((await call('GET', '/salesreceipt/145')).body.SalesReceipt.TotalAmt).toBe(125.5);
  });

  it('a repeated requestid replays the first answer, even with another body: one receipt', async () => {
    const first = await call('POST', '/salesreceipt?requestid=LG:7:SalesReceipt', receipt(40));
    const again = await call('POST', '/salesreceipt?requestid=LG:7:SalesReceipt', receipt(99));
    expect(again.body).toEqual(first.body);
    expect(qbo.entities(SMILE, 'SalesReceipt')).toHaveLength(1);
  });

  it('refuses a requestid over 50 characters with 2050 and writes nothing', async () => {
    const refused = await call('POST', `/salesreceipt?requestid=${'x'.repeat(51)}`, receipt(40));
    expect(fault(refused.body)).toMatchObject({ code: '2050', element: 'requestid' });
    expect((await call('POST', `/salesreceipt?requestid=${'x'.repeat(50)}`, receipt(40))).status).toBe(200);
    expect(qbo.entities(SMILE, 'SalesReceipt')).toHaveLength(1);
  });

  it('an error is not kept under its requestid: the corrected repeat creates', async () => {
    const refused = await call(
      'POST',
      '/salesreceipt?requestid=LG:8:SalesReceipt',
      receipt(40, { CustomerRef: { value: '999' } }),
    );
    expect(fault(refused.body)).toMatchObject({ code: '610', element: 'CustomerRef' });
    const created = await call('POST', '/salesreceipt?requestid=LG:8:SalesReceipt', receipt(40));
    expect(created.status).toBe(200);
  });

  it('refuses bad line maths (6070), references (610 unknown/inactive, 2500 malformed), missing lines (2020), lengths (2050), duplicate DocNumber (6140)', async () => {
    const maths = receipt(50);
    (maths.Line[0]!.SalesItemLineDetail as any).Qty = 2;
    expect(fault((await call('POST', '/salesreceipt', maths)).body).code).toBe('6070');
    expect(fault((await call('POST', '/salesreceipt', receipt(5, { CustomerRef: { value: '59' } }))).body)).toMatchObject({
      code: '610',
      element: 'CustomerRef',
    });
    expect(fault((await call('POST', '/salesreceipt', receipt(5, { DepositToAccountRef: { value: '77' } }))).body).code).toBe(
      '610',
    );
    expect(fault((await call('POST', '/salesreceipt', receipt(5, { PaymentMethodRef: { value: 'cc' } }))).body).code).toBe(
      '2500',
    );
    expect(fault((await call('POST', '/salesreceipt', receipt(5, { Line: [] }))).body)).toMatchObject({
      code: '2020',
      element: 'Line',
    });
    expect(fault((await call('POST', '/salesreceipt', receipt(5, { PaymentRefNum: 'x'.repeat(22) }))).body).code).toBe('2050');
    expect(fault((await call('POST', '/salesreceipt', receipt(5, { PrivateNote: 'x'.repeat(4001) }))).body).code).toBe('2050');
    expect((await call('POST', '/salesreceipt', receipt(5, { DocNumber: 'A-1' }))).status).toBe(200);
    expect(fault((await call('POST', '/salesreceipt', receipt(5, { DocNumber: 'A-1' }))).body).code).toBe('6140');
    expect(fault((await call('POST', '/salesreceipt', receipt(1.005))).body).code).toBe('2010');
    expect(qbo.entities(SMILE, 'SalesReceipt')).toHaveLength(1);
  });

  it('a refund receipt requires DepositToAccountRef', async () => {
    const { DepositToAccountRef: _, ...withoutAccount } = receipt(20);
    expect(fault((await call('POST', '/refundreceipt', withoutAccount)).body)).toMatchObject({
      code: '2020',
      element: 'DepositToAccountRef',
    });
    const created = await call(
      'POST',
      '/refundreceipt?requestid=LG:9:RefundReceipt',
      receipt(20, { PrivateNote: 'LG:9 STRIPE re_1' }),
    );
    expect(created.body.RefundReceipt).toMatchObject({ Id: '210', TotalAmt: 20, SyncToken: '0' });
  });

  it('void keeps the receipt at 0.00 and bumps SyncToken; delete answers Deleted and then 610', async () => {
    await call('POST', '/salesreceipt', receipt(30));
    const voided = await call('POST', '/salesreceipt?operation=void', { Id: '145', SyncToken: '0' });
    expect(voided.body.SalesReceipt).toMatchObject({
      TotalAmt: 0,
      SyncToken: '1',
      PrivateNote: expect.stringMatching(/^Voided/),
    });
    expect(fault((await call('POST', '/salesreceipt?operation=delete', { Id: '145', SyncToken: '0' })).body).code).toBe('5010');
    const deleted = await call('POST', '/salesreceipt?operation=delete', { Id: '145', SyncToken: '1' });
    expect(deleted.body.SalesReceipt).toMatchObject({ Id: '145', status: 'Deleted' });
    expect(fault((await call('GET', '/salesreceipt/145')).body).code).toBe('610');
  });
});

describe('company status knobs', () => {
  it('an inactive realm answers 6190 to writes and still reads; other realms are unaffected', async () => {
    qbo.knobs.setRealmActive(SMILE, false);
    const refused = await call('POST', '/salesreceipt?requestid=LG:1:SalesReceipt', receipt(10));
    expect(refused.status).toBe(400);
    expect(fault(refused.body)).toMatchObject({ code: '6190', Message: 'Invalid Company Status' });
    expect((await call('GET', '/customer/58')).status).toBe(200);
    const north = qbo.issueAccessToken(NORTH);
    expect((await call('POST', '/salesreceipt', receipt(10), { realm: NORTH, bearer: north })).status).toBe(200);
    qbo.knobs.setRealmActive(SMILE, true);
    expect((await call('POST', '/salesreceipt?requestid=LG:1:SalesReceipt', receipt(10))).status).toBe(200);
  });

  it('a closed period answers 6210 for a TxnDate on or before the closing date', async () => {
    qbo.knobs.setClosingDate(SMILE, '2026-07-31');
    expect(fault((await call('POST', '/salesreceipt', receipt(10))).body).code).toBe('6210');
    expect((await call('POST', '/salesreceipt', receipt(10, { TxnDate: '2026-08-01' }))).status).toBe(200);
  });

  it('a user who lost access gets 401 120 on every call', async () => {
    qbo.knobs.setRealmAuthorized(SMILE, false);
    const read = await call('GET', '/customer/58');
    expect(read.status).toBe(401);
    expect(read.body.fault.error[0].code).toBe('120');
  });
});

describe('query', () => {
  it('finds a name with an escaped apostrophe, case-insensitive keywords and entity, only active rows by default', async () => {
    const jane = await query("SELECT * FROM customer WHERE DisplayName = 'Jane O\\'Brien (1042)'");
    expect(jane.status).toBe(200);
    expect(jane.body.QueryResponse).toMatchObject({ startPosition: 1, maxResults: 1 });
    expect(jane.body.QueryResponse.Customer.map((c: any) => c.Id)).toEqual(['58']);
    expect((await query("select * from Customer where DisplayName = 'Sam Lee (1043)'")).body).toEqual({
      QueryResponse: {},
      time: expect.any(String),
    });
    const both = await query("select * from Customer where DisplayName = 'Sam Lee (1043)' and Active in (true, false)");
    expect(both.body.QueryResponse.Customer).toMatchObject([{ Id: '59', Active: false }]);
    const inactive = await query('select * from Customer where Active = false');
    expect(inactive.body.QueryResponse.Customer.map((c: any) => c.Id)).toEqual(['59']);
  });

  it('supports in, like, comparisons, orderby, startposition, maxresults and count(*)', async () => {
    for (const amount of [10, 20, 30]) await call('POST', '/salesreceipt', receipt(amount));
    const ids = (r: any) => (r.body.QueryResponse.SalesReceipt ?? []).map((s: any) => s.Id);
    expect(ids(await query("select * from SalesReceipt where Id in ('145', '147')"))).toEqual(['145', '147']);
    expect(ids(await query('select * from SalesReceipt where TotalAmt >= 20 orderby TotalAmt desc'))).toEqual(['147', '146']);
    expect(
      ids(
        await query(
          "select * from SalesReceipt where TxnDate <= '2026-07-30' and CustomerRef = '58' startposition 2 maxresults 1",
        ),
      ),
    ).toEqual(['146']);
    const paged = await query('select * from SalesReceipt startposition 2 maxresults 5');
    expect(paged.body.QueryResponse).toMatchObject({ startPosition: 2, maxResults: 2 });
    expect((await query('select count(*) from SalesReceipt where TotalAmt < 25')).body.QueryResponse).toEqual({ totalCount: 2 });
    expect((await query("select * from Customer where DisplayName like '%brien%'")).body.QueryResponse.Customer[0].Id).toBe('58');
    const since = await query(
      `select * from SalesReceipt where MetaData.LastUpdatedTime >= '${new Date(qbo.clock.now() - 60_000).toISOString()}'`,
    );
    expect(ids(since)).toEqual(['145', '146', '147']);
    const post = await call('POST', '/query', "select * from Item where Name = 'Patient payment'");
    expect(post.body.QueryResponse.Item).toMatchObject([{ Id: '1', Type: 'Service' }]);
    expect((await query('select * from PaymentMethod')).body.QueryResponse.PaymentMethod.map((p: any) => p.Name)).toEqual([
      'Cash',
      'Credit Card',
    ]);
    expect((await query('select * from Account')).body.QueryResponse.Account.map((a: any) => a.Id)).toEqual(['4', '35']);
  });

  it('answers 4000 to a syntax error (an `or`, an open string) and 4001 to an unknown entity or field', async () => {
    expect(fault((await query("select * from Customer where Id = '1' or Id = '2'")).body).code).toBe('4000');
    expect(fault((await query("select * from Customer where DisplayName = 'open")).body).code).toBe('4000');
    expect(fault((await query('select * from Vendor')).body).code).toBe('4001');
    expect(fault((await query("select * from SalesReceipt where PrivateNote = 'x'")).body).code).toBe('4001');
  });
});

describe('Invoice and Payment', () => {
  const invoice = (amount: number) => ({
    CustomerRef: { value: '58' },
    TxnDate: '2026-07-01',
    DueDate: '2026-07-31',
    Line: [
      {
        Amount: amount,
        DetailType: 'SalesItemLineDetail',
        SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 1, UnitPrice: amount },
      },
    ],
  });
  const payment = (invoiceId: string, amount: number, total = amount) => ({
    CustomerRef: { value: '58' },
    TotalAmt: total,
    TxnDate: '2026-07-02',
    PaymentRefNum: 'LG:2001',
    DepositToAccountRef: { value: '4' },
    Line: [{ Amount: amount, LinkedTxn: [{ TxnId: invoiceId, TxnType: 'Invoice' }] }],
  });

  it('a payment applied to an invoice lowers its balance; over the balance answers 6000; a void gives it back', async () => {
    const created = (await call('POST', '/invoice?requestid=LG:2001:Invoice', invoice(100))).body.Invoice;
    expect(created).toMatchObject({ Id: '130', TotalAmt: 100, Balance: 100, DocNumber: '1001', DueDate: '2026-07-31' });
    const paid = await call('POST', '/payment?requestid=LG:2001:Payment', payment('130', 60));
    expect(paid.body.Payment).toMatchObject({ Id: '170', TotalAmt: 60, UnappliedAmt: 0 });
    expect((await call('GET', '/invoice/130')).body.Invoice).toMatchObject({ Balance: 40, SyncToken: '1' });
    expect(fault((await call('POST', '/payment', payment('130', 40.01))).body).code).toBe('6000');
    expect(fault((await call('POST', '/payment', payment('999', 1))).body).code).toBe('610');
    await call('POST', '/payment?operation=void', { Id: '170', SyncToken: '0' });
    expect((await call('GET', '/invoice/130')).body.Invoice.Balance).toBe(100);
    expect((await call('GET', '/payment/170')).body.Payment.TotalAmt).toBe(0);
  });
});

describe('change data capture', () => {
  it('lists creates, voids (at 0.00) and deletes (status Deleted) since a time, per entity; ≤ 30 days back', async () => {
    const since = new Date(qbo.clock.now() - 1_000).toISOString();
    await call('POST', '/salesreceipt', receipt(10));
    await call('POST', '/salesreceipt', receipt(20));
    await call('POST', '/refundreceipt', receipt(5));
    await call('POST', '/salesreceipt?operation=void', { Id: '145', SyncToken: '0' });
    await call('POST', '/salesreceipt?operation=delete', { Id: '146', SyncToken: '0' });
    const cdc = await call('GET', `/cdc?entities=SalesReceipt,RefundReceipt,Payment&changedSince=${encodeURIComponent(since)}`);
    expect(cdc.status).toBe(200);
    const [receipts, refunds, payments] = cdc.body.CDCResponse[0].QueryResponse;
    expect(receipts.SalesReceipt).toEqual([
      expect.objectContaining({ Id: '145', TotalAmt: 0, SyncToken: '1' }),
      expect.objectContaining({ Id: '146', status: 'Deleted' }),
    ]);
    expect(refunds.RefundReceipt).toMatchObject([{ Id: '210', TotalAmt: 5 }]);
    expect(payments).toEqual({});
    const later = new Date(qbo.clock.now() + 1_000).toISOString();
    expect(
      (await call('GET', `/cdc?entities=SalesReceipt&changedSince=${encodeURIComponent(later)}`)).body.CDCResponse[0]
        .QueryResponse,
    ).toEqual([{}]);
    const old = new Date(qbo.clock.now() - 31 * 86_400_000).toISOString();
    expect(fault((await call('GET', `/cdc?entities=SalesReceipt&changedSince=${encodeURIComponent(old)}`)).body).code).toBe(
      '2010',
    );
    expect(fault((await call('GET', '/cdc?entities=SalesReceipt')).body)).toMatchObject({
      code: '2020',
      element: 'changedSince',
    });
  });
});
