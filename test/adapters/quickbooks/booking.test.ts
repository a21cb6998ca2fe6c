/**
 * The QuickBooks adapter's writes against the simulator, with its request log as evidence of the
 * wire: customers (found by a quoted name, reactivated, created once under `<key>:Customer`, a
 * stale `SyncToken` re-read once), receipts (the spec's body, `requestid` = `<key>:<Entity>`,
 * `PaymentMethodRef` only when configured), the refusals in the port's words (6190, 6210, 610,
 * both fault casings), and a write whose answer was lost: repeated with the same key, one receipt.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AccountingAdapter } from '../../../src/adapters/accounting/port';
import { createQuickbooksAdapter, displayNameOf, queryLiteral } from '../../../src/adapters/accounting/quickbooks';
import { parseFault } from '../../../src/adapters/accounting/quickbooks/client';
import { UpstreamError } from '../../../src/adapters/ledger/port';
import { type QuickBooksSandbox, startQuickBooksSandbox } from '../../../src/sandbox/quickbooks';
import { apiRequests, connectionFor, customerInput, RecordingTokens, SMILE, saleBooking } from './setup';

let qbo: QuickBooksSandbox;
let books: AccountingAdapter;

beforeAll(async () => {
  qbo = await startQuickBooksSandbox();
});
afterAll(() => qbo.close());
beforeEach(async () => {
  await qbo.webhooks.idle();
  qbo.reset();
  books = createQuickbooksAdapter(connectionFor(qbo), {
    refreshTokens: new RecordingTokens(qbo),
    retryBaseDelayMs: 1,
    timeoutMs: 2_000,
  });
  await books.connect();
  qbo.requests.length = 0;
});
afterEach(() => books.close());

const writes = (path: string) => apiRequests(qbo).filter((r) => r.method === 'POST' && r.path.endsWith(path));
const receipts = (type = 'SalesReceipt') => qbo.entities(SMILE, type);

describe('ensureCustomer', () => {
  it("finds Jane O'Brien (1042) by her quoted display name without creating anyone", async () => {
    const result = await books.ensureCustomer(
      customerInput({ guarantorSourceId: '1042', firstName: 'Jane', lastName: "O'Brien" }),
    );
    expect(result).toEqual({
      state: 'OK',
      customer: { id: '58', displayName: "Jane O'Brien (1042)", active: true },
      created: false,
    });
    const [query] = apiRequests(qbo);
    expect(query?.query.query).toBe(
      "select * from Customer where DisplayName = 'Jane O\\'Brien (1042)' and Active in (true, false)",
    );
    expect(writes('/customer')).toHaveLength(0);
  });

  it('reactivates an inactive customer with a sparse update carrying its SyncToken', async () => {
    const result = await books.ensureCustomer(customerInput({ guarantorSourceId: '1043', firstName: 'Sam', lastName: 'Lee' }));
    expect(result).toMatchObject({ state: 'OK', customer: { id: '59', active: true }, created: false });
    expect(writes('/customer').map((r) => r.body)).toEqual([{ Id: '59', SyncToken: '0', sparse: true, Active: true }]);
  });

  it('creates a new guarantor once under <key>:Customer, and finds her again afterwards', async () => {
    const created = await books.ensureCustomer(customerInput());
    expect(created).toMatchObject({ state: 'OK', customer: { displayName: 'Dana Reed (2001)', active: true }, created: true });
    const [create] = writes('/customer');
    expect(create?.query.requestid).toBe('LG:1042:Customer');
    expect(create?.body).toEqual({
      DisplayName: 'Dana Reed (2001)',
      GivenName: 'Dana',
      FamilyName: 'Reed',
      PrimaryEmailAddr: { Address: 'dana.reed@example.com' },
      PrimaryPhone: { FreeFormNumber: '+15555550123' },
    });
    const again = await books.ensureCustomer(customerInput({ idempotencyKey: 'LG:1043' }));
    expect(again).toMatchObject({ state: 'OK', created: false });
    if (created.state === 'OK' && again.state === 'OK') expect(again.customer.id).toBe(created.customer.id);
    expect(writes('/customer')).toHaveLength(1);
  });

  it('reads a known id directly, and falls back to the search when it no longer exists', async () => {
    const known = await books.ensureCustomer(customerInput({ guarantorSourceId: '1042', knownCustomerId: '58' }));
    expect(known).toMatchObject({ state: 'OK', customer: { id: '58' } });
    expect(apiRequests(qbo).map((r) => `${r.method} ${r.path}`)).toEqual([`GET /v3/company/${SMILE}/customer/58`]);
    qbo.requests.length = 0;
    const gone = await books.ensureCustomer(customerInput({ knownCustomerId: '9999' }));
    expect(gone).toMatchObject({ state: 'OK', created: true });
  });

  it('re-reads once on a stale SyncToken (5010) and updates with the fresh one', async () => {
    qbo.addFault({
      method: 'POST',
      path: `/v3/company/${SMILE}/customer`,
      status: 400,
      times: 1,
      body: { Fault: { Error: [{ Message: 'Stale Object Error', Detail: 'stale', code: '5010' }], type: 'ValidationFault' } },
    });
    const result = await books.ensureCustomer(customerInput({ guarantorSourceId: '1043', firstName: 'Sam', lastName: 'Lee' }));
    expect(result).toMatchObject({ state: 'OK', customer: { id: '59', active: true } });
    expect(writes('/customer')).toHaveLength(2);
    expect(apiRequests(qbo).filter((r) => r.path.endsWith('/customer/59'))).toHaveLength(1);
  });

  it('gives up after a second stale SyncToken with a VALIDATION refusal carrying 5010', async () => {
    qbo.addFault({
      method: 'POST',
      path: `/v3/company/${SMILE}/customer`,
      status: 400,
      times: 2,
      body: { Fault: { Error: [{ Message: 'Stale Object Error', Detail: 'stale', code: '5010' }], type: 'ValidationFault' } },
    });
    const result = await books.ensureCustomer(customerInput({ guarantorSourceId: '1043', firstName: 'Sam', lastName: 'Lee' }));
    expect(result).toMatchObject({ state: 'FAILED', cause: 'VALIDATION', code: '5010' });
  });

  it('keeps the guarantor id when a long name is trimmed to 500 characters, and drops what QBO refuses in names', () => {
    const long = displayNameOf({ firstName: 'A'.repeat(600), lastName: 'B', guarantorSourceId: '77' });
    expect(long).toHaveLength(500);
    expect(long.endsWith(' (77)')).toBe(true);
    expect(displayNameOf({ firstName: 'Ann:\tMarie', lastName: 'Le\\Roux', guarantorSourceId: '8' })).toBe(
      'Ann Marie Le Roux (8)',
    );
    expect(queryLiteral("O'Brien")).toBe("'O\\'Brien'");
  });
});

describe('bookEntry', () => {
  it('books a SalesReceipt with the spec body under <transactionId>:SalesReceipt and answers it as booked', async () => {
    const result = await books.bookEntry(saleBooking('58'));
    expect(result.state).toBe('BOOKED');
    const [write] = writes('/salesreceipt');
    expect(write?.query).toMatchObject({ requestid: 'LG:1042:SalesReceipt', minorversion: '75' });
    expect(write?.body).toEqual({
      CustomerRef: { value: '58' },
      TxnDate: '2026-07-30',
      Line: [
        {
          Amount: 125.5,
          DetailType: 'SalesItemLineDetail',
          Description: 'Patient payment',
          SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 1, UnitPrice: 125.5 },
        },
      ],
      DepositToAccountRef: { value: '35' },
      PaymentRefNum: 'LG:1042',
      PrivateNote: 'LG:1042 STRIPE pi_3abc',
    });
    if (result.state !== 'BOOKED') return;
    expect(result.entry).toMatchObject({
      ref: { kind: 'SALE' },
      customerId: '58',
      amount: 12_550,
      date: '2026-07-30',
      transactionId: 'LG:1042',
      voided: false,
    });
    expect(receipts()).toHaveLength(1);
  });

  it('books a refund as a RefundReceipt with the refund id in its note and the configured payment method', async () => {
    const result = await books.bookEntry(
      saleBooking('58', {
        kind: 'REFUND',
        transactionId: 'LG:1050',
        idempotencyKey: 'LG:1050',
        amount: 2_500,
        paymentMethodId: '3',
        processor: { name: 'STRIPE', paymentId: 'pi_3abc', refundId: 're_9xyz' },
      }),
    );
    expect(result).toMatchObject({
      state: 'BOOKED',
      entry: { ref: { kind: 'REFUND' }, amount: 2_500, transactionId: 'LG:1050' },
    });
    const [write] = writes('/refundreceipt');
    expect(write?.query.requestid).toBe('LG:1050:RefundReceipt');
    expect(write?.body).toMatchObject({ PaymentMethodRef: { value: '3' }, PrivateNote: 'LG:1050 STRIPE pi_3abc re_9xyz' });
    expect(receipts('RefundReceipt')).toHaveLength(1);
  });

  it('answers a realm whose subscription ended (6190) as COMPANY_INACTIVE, and books nothing', async () => {
    qbo.knobs.setRealmActive(SMILE, false);
    const result = await books.bookEntry(saleBooking('58'));
    expect(result).toMatchObject({ state: 'FAILED', cause: 'COMPANY_INACTIVE', code: '6190' });
    expect(receipts()).toHaveLength(0);
    qbo.knobs.setRealmActive(SMILE, true);
    expect(await books.bookEntry(saleBooking('58'))).toMatchObject({ state: 'BOOKED' });
  });

  it('answers a closed period (6210) as PERIOD_CLOSED and an unknown item (610) as INVALID_REFERENCE', async () => {
    qbo.knobs.setClosingDate(SMILE, '2026-07-31');
    expect(await books.bookEntry(saleBooking('58'))).toMatchObject({ state: 'FAILED', cause: 'PERIOD_CLOSED', code: '6210' });
    qbo.knobs.setClosingDate(SMILE, null);
    expect(await books.bookEntry(saleBooking('58', { itemId: '999' }))).toMatchObject({
      state: 'FAILED',
      cause: 'INVALID_REFERENCE',
      code: '610',
    });
    expect(receipts()).toHaveLength(0);
  });

  it('makes one receipt when the first answer was lost (timeout) and the booking is repeated with the same key', async () => {
    qbo.addFault({ method: 'POST', path: `/v3/company/${SMILE}/salesreceipt`, drop: true, afterCommit: true, times: 1 });
    const lost = await books.bookEntry(saleBooking('58')).then(
      () => null,
      (e: unknown) => e,
    );
    expect(lost).toBeInstanceOf(UpstreamError);
    expect(lost).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(writes('/salesreceipt')).toHaveLength(1); // a write is never retried by the adapter
    const again = await books.bookEntry(saleBooking('58'));
    expect(again.state).toBe('BOOKED');
    expect(receipts()).toHaveLength(1);
    if (again.state === 'BOOKED') expect(again.entry.ref.id).toBe(String(receipts()[0]?.Id));
  });

  it('makes one receipt when the answer came after the adapter timed out and the booking is repeated', async () => {
    const impatient = createQuickbooksAdapter(connectionFor(qbo), { refreshTokens: new RecordingTokens(qbo), timeoutMs: 1_000 });
    try {
      await impatient.connect();
      qbo.addFault({ method: 'POST', path: `/v3/company/${SMILE}/salesreceipt`, delayMs: 3_000, times: 1 });
      await expect(impatient.bookEntry(saleBooking('58'))).rejects.toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        message: expect.stringMatching(/timed out after 1000 ms\); the outcome is unknown/),
      });
      await expect.poll(() => receipts().length).toBe(1);
      const again = await impatient.bookEntry(saleBooking('58'));
      expect(again.state).toBe('BOOKED');
      expect(receipts()).toHaveLength(1);
      expect(writes('/salesreceipt').map((r) => r.query.requestid)).toEqual(['LG:1042:SalesReceipt', 'LG:1042:SalesReceipt']);
    } finally {
      await impatient.close();
    }
  });

  it('refuses what QuickBooks could not hold before sending anything', async () => {
    expect(await books.bookEntry(saleBooking('58', { transactionId: 'LG:1234567890123456789' }))).toMatchObject({
      state: 'FAILED',
      cause: 'VALIDATION',
    });
    expect(await books.bookEntry(saleBooking('58', { idempotencyKey: 'K'.repeat(40) }))).toMatchObject({ state: 'FAILED' });
    expect(await books.bookEntry(saleBooking('58', { amount: 0 }))).toMatchObject({ state: 'FAILED' });
    // A JSON number cannot carry 90,071,992,547,409.91 exactly: refused, never sent as another figure.
    expect(await books.bookEntry(saleBooking('58', { amount: Number.MAX_SAFE_INTEGER }))).toMatchObject({
      state: 'FAILED',
      cause: 'VALIDATION',
    });
    expect(apiRequests(qbo)).toHaveLength(0);
  });
});

describe('faults', () => {
  it('reads both casings of the fault envelope', () => {
    const upper = parseFault(
      JSON.stringify({
        Fault: {
          Error: [{ Message: 'Object Not Found', Detail: 'gone', code: '610', element: 'ItemRef' }],
          type: 'ValidationFault',
        },
      }),
      400,
    );
    const lower = parseFault(
      JSON.stringify({
        fault: {
          error: [
            { message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401', detail: 'Token expired', code: '3200' },
          ],
          type: 'AUTHENTICATION',
        },
      }),
      401,
    );
    expect(upper).toEqual({ type: 'ValidationFault', errors: [{ code: '610', message: 'Object Not Found', detail: 'gone' }] });
    expect(lower.errors[0]).toMatchObject({ code: '3200', detail: 'Token expired' });
    expect(parseFault('<html>', 502)).toEqual({ type: null, errors: [{ code: null, message: 'HTTP 502', detail: '' }] });
  });

  it('retries a read through a 5xx and a 429 burst, but never a write through a 5xx', async () => {
    qbo.addFault({ method: 'GET', path: `/v3/company/${SMILE}/query`, status: 429, times: 2 });
    expect(
      await books.ensureCustomer(customerInput({ guarantorSourceId: '1042', firstName: 'Jane', lastName: "O'Brien" })),
    ).toMatchObject({
      state: 'OK',
    });
    expect(apiRequests(qbo).map((r) => r.status)).toEqual([429, 429, 200]);
    qbo.requests.length = 0;
    qbo.addFault({ method: 'POST', path: `/v3/company/${SMILE}/salesreceipt`, status: 500, times: 1 });
    await expect(books.bookEntry(saleBooking('58'))).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 500 });
    expect(writes('/salesreceipt')).toHaveLength(1);
  });

  it('sends a write once more after a 429 (refused before any work), under the same requestid', async () => {
    qbo.addFault({ method: 'POST', path: `/v3/company/${SMILE}/salesreceipt`, status: 429, times: 1 });
    expect(await books.bookEntry(saleBooking('58'))).toMatchObject({ state: 'BOOKED' });
    expect(writes('/salesreceipt').map((r) => [r.status, r.query.requestid])).toEqual([
      [429, 'LG:1042:SalesReceipt'],
      [200, 'LG:1042:SalesReceipt'],
    ]);
    expect(receipts()).toHaveLength(1);
  });
});
