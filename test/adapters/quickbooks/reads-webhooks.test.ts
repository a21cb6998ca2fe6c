/**
 * The QuickBooks adapter's reads and webhooks against the simulator: `entries` reads many refs in
 * one query per kind and shows an accountant's edit, a void (0, voided) and a delete (null);
 * `changesSince` lists them through change data capture; `verifyWebhook` checks `intuit-signature`
 * over the raw bytes of both payload formats (the simulator's own deliveries) and refuses a bad or
 * missing signature with 401 and a malformed body with 400.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AccountingAdapter, EntryRef } from '../../../src/adapters/accounting/port';
import { createQuickbooksAdapter, signQuickbooksWebhook } from '../../../src/adapters/accounting/quickbooks';
import { WebhookRejected } from '../../../src/adapters/ledger/port';
import type { WebhookDelivery } from '../../../src/adapters/system';
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
  books = createQuickbooksAdapter(connectionFor(qbo), { refreshTokens: new RecordingTokens(qbo), retryBaseDelayMs: 1 });
  await books.connect();
});
afterEach(() => books.close());

async function book(n: number, kind: 'SALE' | 'REFUND' = 'SALE'): Promise<EntryRef> {
  const result = await books.bookEntry(
    saleBooking('58', { kind, transactionId: `LG:${n}`, idempotencyKey: `LG:${n}`, amount: 1_000 + n }),
  );
  if (result.state !== 'BOOKED') throw new Error(`expected a booking, got ${result.reason}`);
  return result.entry.ref;
}

describe('entries', () => {
  it('reads every ref in one query per kind, with edits, voids and deletes as they stand now', async () => {
    const [a, b, c, d] = [await book(1), await book(2), await book(3), await book(4)];
    const refund = await book(5, 'REFUND');
    qbo.accountant.edit(SMILE, 'SalesReceipt', a!.id, { amountCents: 900 });
    qbo.accountant.void(SMILE, 'SalesReceipt', b!.id);
    qbo.accountant.delete(SMILE, 'SalesReceipt', c!.id);
    qbo.requests.length = 0;
    const read = await books.entries([a!, b!, c!, d!, refund, { kind: 'SALE', id: '99999' }]);
    expect(read.map((r) => (r instanceof Error ? r.message : r && { amount: r.amount, voided: r.voided }))).toEqual([
      { amount: 900, voided: false },
      { amount: 0, voided: true },
      null,
      { amount: 1_004, voided: false },
      { amount: 1_005, voided: false },
      null,
    ]);
    expect(read[0]).toMatchObject({ transactionId: 'LG:1', customerId: '58', date: '2026-07-30', version: '1' });
    const queries = apiRequests(qbo).map((r) => r.query.query);
    expect(queries).toHaveLength(2);
    expect(queries).toContain(
      `select * from SalesReceipt where Id in ('${a!.id}', '${b!.id}', '${c!.id}', '${d!.id}', '99999') maxresults 1000`,
    );
    expect(queries).toContain(`select * from RefundReceipt where Id in ('${refund.id}') maxresults 1000`);
  });

  it('answers an Error for the refs of a query that failed, and the others', async () => {
    const sale = await book(1);
    const refund = await book(2, 'REFUND');
    qbo.addFault({ method: 'GET', path: `/v3/company/${SMILE}/query`, status: 400, times: 1 });
    const read = await books.entries([sale, refund]);
    expect(read.filter((r) => r instanceof Error)).toHaveLength(1);
    expect(read.filter((r) => r !== null && !(r instanceof Error))).toHaveLength(1);
  });
});

describe('changesSince', () => {
  it('lists receipts created, edited and voided, and deleted ones apart, with the books time as asOf', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const [a, b, c] = [await book(1), await book(2), await book(3)];
    const refund = await book(4, 'REFUND');
    qbo.accountant.void(SMILE, 'SalesReceipt', b!.id);
    qbo.accountant.delete(SMILE, 'SalesReceipt', c!.id);
    const changes = await books.changesSince!(since);
    const cdc = apiRequests(qbo).find((r) => r.path.endsWith('/cdc'));
    expect(cdc?.query).toMatchObject({ entities: 'SalesReceipt,RefundReceipt', minorversion: '75' });
    expect(changes.deleted).toEqual([{ kind: 'SALE', id: c!.id }]);
    const byId = new Map(changes.entries.map((e) => [`${e.ref.kind}:${e.ref.id}`, e]));
    expect(byId.get(`SALE:${a!.id}`)).toMatchObject({ amount: 1_001, voided: false });
    expect(byId.get(`SALE:${b!.id}`)).toMatchObject({ amount: 0, voided: true });
    expect(byId.get(`REFUND:${refund.id}`)).toMatchObject({ amount: 1_004 });
    expect(Number.isNaN(Date.parse(changes.asOf))).toBe(false);
  });

  it('refuses a since older than 30 days before asking', async () => {
    qbo.requests.length = 0;
    await expect(books.changesSince!(new Date(Date.now() - 31 * 86_400_000).toISOString())).rejects.toThrow(/at most 30 days/);
    expect(apiRequests(qbo)).toHaveLength(0);
  });
});

function delivery(body: string | Buffer, signature: string | undefined): WebhookDelivery {
  return {
    url: 'https://gw.example/webhooks/quickbooks/smile-dental',
    headers: signature === undefined ? {} : { 'intuit-signature': signature },
    rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body),
    secret: null,
    now: new Date(),
  };
}

describe('verifyWebhook', () => {
  it("matches the spec's worked example", () => {
    expect(signQuickbooksWebhook('verifier-token', '{"eventNotifications":[]}')).toBe(
      'PoTD6NkQ7ZMymzly6D5JRrVrHxAE3mCtl20M12uy6iM=',
    );
  });

  for (const format of ['cloudevents', 'legacy'] as const) {
    it(`verifies and parses the simulator's ${format} deliveries`, async () => {
      qbo.webhooks.format = format;
      const ref = await book(1);
      qbo.accountant.void(SMILE, 'SalesReceipt', ref.id);
      const customer = await books.ensureCustomer(customerInput());
      expect(customer.state).toBe('OK');
      const sent = qbo.webhooks.deliveries.filter((d) => d.format === format);
      const events = sent.flatMap((d) => books.verifyWebhook!(delivery(d.body, d.signature)));
      expect(events.map((e) => [e.companyId, e.entity, e.entityId, e.operation])).toEqual(
        expect.arrayContaining([
          [SMILE, 'SALE', ref.id, 'CREATED'],
          [SMILE, 'SALE', ref.id, 'VOIDED'],
          [SMILE, 'CUSTOMER', customer.state === 'OK' ? customer.customer.id : '', 'CREATED'],
        ]),
      );
      for (const event of events) {
        expect(event.occurredAt).not.toBeNull();
        if (format === 'legacy')
          expect(event.eventId).toBe(
            `${SMILE}:${event.entity === 'SALE' ? 'SalesReceipt' : 'Customer'}:${event.entityId}:${event.operation === 'CREATED' ? 'Create' : 'Void'}:${event.occurredAt}`,
          );
      }
      if (format === 'cloudevents') expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    });
  }

  it('gives the surviving and the merged id of a customer merge', () => {
    qbo.webhooks.format = 'legacy';
    qbo.accountant.mergeCustomers(SMILE, '59', '58');
    const merged = qbo.webhooks.deliveries
      .flatMap((d) => books.verifyWebhook!(delivery(d.body, d.signature)))
      .find((e) => e.operation === 'MERGED');
    expect(merged).toMatchObject({ entity: 'CUSTOMER', entityId: '58', mergedId: '59' });
  });

  it('refuses a bad or missing signature with 401 and a malformed body with 400', async () => {
    await book(1);
    const [sent] = qbo.webhooks.deliveries;
    const reject = (d: WebhookDelivery) => {
      try {
        books.verifyWebhook!(d);
        return null;
      } catch (error) {
        return error instanceof WebhookRejected ? error.status : error;
      }
    };
    expect(reject(delivery(sent!.body, signQuickbooksWebhook('another-token', sent!.body)))).toBe(401);
    expect(reject(delivery(`${sent!.body} `, sent!.signature))).toBe(401);
    expect(reject(delivery(sent!.body, undefined))).toBe(401);
    expect(reject(delivery(sent!.body, 'not base64 at all'))).toBe(401);
    const token = qbo.verifierToken;
    expect(reject(delivery('{not json', signQuickbooksWebhook(token, '{not json')))).toBe(400);
    expect(reject(delivery('{"hello":1}', signQuickbooksWebhook(token, '{"hello":1}')))).toBe(400);
    expect(reject(delivery('[{"id":"1"}]', signQuickbooksWebhook(token, '[{"id":"1"}]')))).toBe(400);
    const unknownOperation = JSON.stringify({
      eventNotifications: [
        { realmId: SMILE, dataChangeEvent: { entities: [{ name: 'Payment', id: '1', operation: 'Reticulate' }] } },
      ],
    });
    expect(books.verifyWebhook!(delivery(unknownOperation, signQuickbooksWebhook(token, unknownOperation)))).toEqual([]);
  });
});
