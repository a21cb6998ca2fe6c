/**
 * Issue 17, the booking, through the public GraphQL API against the real QuickBooks simulator and
 * adapter (`booking-setup.ts`): a COMPLETED Stripe collection is one SalesReceipt under the
 * guarantor's Customer, found or created once and reused by the family's next collection; a refund
 * is one RefundReceipt with the `re_` id in its PrivateNote; guarantors named O'Brien are found, not
 * duplicated; an accountant's void reaches `POST /webhooks/quickbooks/<practiceId>` signed and the
 * booking stores it read back; a bad signature is 401 and stores nothing. Each case asserts the
 * booking (`LedgerTransaction.booking`), the simulator's entities and its request log.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getBooking } from '../../src/flows/booking/booking-store';
import { intuitSignature, QBO_SEEDED_IDS } from '../../src/sandbox/quickbooks';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { type BookingWorld, calls, DECLAN, JANE, receiptsOf, SMILE, startBookingWorld } from './booking-setup';

const FAMILY = NEX_SEED.families.alvarez;

let w: BookingWorld;

beforeAll(async () => {
  w = await startBookingWorld();
}, 60_000);
afterAll(async () => {
  await w?.close();
});

const customers = (name: string) => w.qbo.entities(w.realmId, 'Customer').filter((c) => String(c.DisplayName).startsWith(name));

describe('booking to QuickBooks', () => {
  let firstSale: { transactionId: string; receiptId: string };

  it('a COMPLETED Stripe collection of a dependent is one SalesReceipt under the guarantor’s Customer; BOOKED', async () => {
    const from = w.qbo.requests.length;
    const transactionId = await w.collect(FAMILY.dependentIds[0]!, '12.34');
    const tx = await w.settled(transactionId);
    expect(tx).toMatchObject({ kind: 'COLLECTION', status: 'COMPLETED' });
    expect(tx.booking).toMatchObject({ system: 'quickbooks', status: 'BOOKED', error: null });

    const [receipt, ...more] = receiptsOf(w, 'SalesReceipt', transactionId);
    expect(more).toHaveLength(0);
    expect(receipt!.Id).toBe(tx.booking.externalId);
    expect(receipt!.TotalAmt).toBe(12.34);
    expect(receipt!.DepositToAccountRef).toMatchObject({ value: QBO_SEEDED_IDS.depositAccountId });
    expect(String(receipt!.PrivateNote)).toMatch(new RegExp(`^${transactionId} STRIPE pi_`));
    // The family's guarantor (Maria), not the dependent who was treated.
    const [customer, ...others] = customers('Maria Alvarez');
    expect(others).toHaveLength(0);
    expect(customer!.DisplayName).toBe(`Maria Alvarez (${FAMILY.guarantorId})`);
    expect(receipt!.CustomerRef).toMatchObject({ value: customer!.Id });

    // Upstream per booking of a new family: one token refresh (the first call of the run), one
    // search by DisplayName, one Customer create, one SalesReceipt create.
    const made = calls(w.since(from));
    console.log('first booking (new customer):', made);
    expect(made).toMatchObject({ token: 1, query: 1, customerCreate: 1, salesReceiptCreate: 1, refundReceiptCreate: 0 });
    firstSale = { transactionId, receiptId: tx.booking.externalId };
  });

  it('a second collection of the family reuses the Customer: no search, no second create', async () => {
    const from = w.qbo.requests.length;
    const transactionId = await w.collect(FAMILY.dependentIds[1]!, '20.00');
    const tx = await w.settled(transactionId);
    expect(tx.booking).toMatchObject({ status: 'BOOKED', error: null });
    expect(receiptsOf(w, 'SalesReceipt', transactionId)).toHaveLength(1);
    expect(customers('Maria Alvarez')).toHaveLength(1);
    const made = calls(w.since(from));
    console.log('second booking of the family:', made);
    // The stored customer id is read by id (still there, still active), then the receipt.
    expect(made).toMatchObject({ token: 0, query: 0, read: 1, customerCreate: 0, salesReceiptCreate: 1 });
    expect(made.total).toBe(2);
    const creates = w.qbo.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/customer'));
    expect(creates).toHaveLength(1);
  });

  it('a refund is one RefundReceipt carrying the processor’s re_ id in PrivateNote', async () => {
    const from = w.qbo.requests.length;
    const refundId = await w.refund(firstSale.transactionId, '5.00');
    const tx = await w.settled(refundId);
    expect(tx).toMatchObject({ kind: 'REFUND', status: 'COMPLETED', booking: { status: 'BOOKED', error: null } });
    const [receipt, ...more] = receiptsOf(w, 'RefundReceipt', refundId);
    expect(more).toHaveLength(0);
    expect(receipt!.Id).toBe(tx.booking.externalId);
    expect(receipt!.TotalAmt).toBe(5);
    expect(String(receipt!.PrivateNote)).toMatch(/ re_[A-Za-z0-9]+/);
    expect(customers('Maria Alvarez')[0]!.Id).toBe((receipt!.CustomerRef as { value: string }).value);
    expect(calls(w.since(from))).toMatchObject({ customerCreate: 0, salesReceiptCreate: 0, refundReceiptCreate: 1 });
  });

  it("a guarantor named O'Brien already in the books is found by name (the quote escaped), never created", async () => {
    const from = w.qbo.requests.length;
    const first = await w.settled(await w.collect(JANE, '30.00'));
    expect(first.booking.status).toBe('BOOKED');
    const search = w.since(from).find((r) => r.path.endsWith('/query'));
    expect(String(search?.query.query)).toContain("DisplayName = 'Jane O\\'Brien (1042)'");
    const second = await w.settled(await w.collect(JANE, '31.00'));
    expect(second.booking.status).toBe('BOOKED');
    expect(customers("Jane O'Brien")).toHaveLength(1);
    for (const tx of [first, second]) {
      const [receipt] = receiptsOf(w, 'SalesReceipt', tx.transactionId);
      expect(receipt!.CustomerRef).toMatchObject({ value: QBO_SEEDED_IDS.activeCustomerId });
    }
    expect(calls(w.since(from)).customerCreate).toBe(0);
  });

  it("a guarantor named O'Brien not in the books is created once, then found again, not duplicated", async () => {
    const from = w.qbo.requests.length;
    const first = await w.settled(await w.collect(DECLAN, '40.00'));
    const second = await w.settled(await w.collect(DECLAN, '41.00'));
    expect([first.booking.status, second.booking.status]).toEqual(['BOOKED', 'BOOKED']);
    const [customer, ...others] = customers("Declan O'Brien");
    expect(others).toHaveLength(0);
    expect(customer!.DisplayName).toBe(`Declan O'Brien (${DECLAN})`);
    for (const tx of [first, second]) {
      expect(receiptsOf(w, 'SalesReceipt', tx.transactionId)[0]!.CustomerRef).toMatchObject({ value: customer!.Id });
    }
    expect(calls(w.since(from)).customerCreate).toBe(1);
  });

  it('an accountant’s void reaches the webhook route signed; the booking stores it read back as VOIDED 0', async () => {
    w.qbo.webhooks.url = `${w.t.url}/webhooks/quickbooks/${SMILE}`;
    const from = w.qbo.requests.length;
    w.qbo.accountant.void(w.realmId, 'SalesReceipt', firstSale.receiptId);
    const delivery = await w.qbo.webhooks.waitFor(
      (d, a) => d.change.operation === 'Void' && d.change.id === firstSale.receiptId && a.status !== null,
    );
    expect(delivery.attempts.map((a) => a.status)).toEqual([200]);
    await vi.waitFor(
      async () => {
        await w.tick();
        const row = await getBooking(w.t.gateway.store.sql, firstSale.transactionId);
        expect(row?.books).toMatchObject({ state: 'VOIDED', amount: 0, rereadPending: false });
      },
      { timeout: 10_000, interval: 20 },
    );
    // The booking stays BOOKED with its receipt (never re-created); the void is what the books hold.
    const tx = await w.transaction(firstSale.transactionId);
    expect(tx.booking).toMatchObject({ status: 'BOOKED', externalId: firstSale.receiptId });
    expect(receiptsOf(w, 'SalesReceipt', firstSale.transactionId)).toHaveLength(1);
    const made = calls(w.since(from));
    expect(made).toMatchObject({ query: 1, salesReceiptCreate: 0 });
    // The delivery's own event id is what the route stored (the redelivery guard).
    const eventId = (JSON.parse(delivery.body) as Array<{ id: string }>)[0]!.id;
    const events = await w.t.gateway.store.sql.query<{ event_id: string }>('SELECT event_id FROM accounting_events');
    expect(events.rows.map((r) => r.event_id).some((id) => id.includes(eventId))).toBe(true);
  });

  it('a bad signature is 401 with nothing stored and nothing asked of the books', async () => {
    const body = JSON.stringify([
      {
        specversion: '1.0',
        id: 'forged-event-1',
        source: `/quickbooks/${w.realmId}`,
        type: 'qbo.salesreceipt.deleted.v1',
        datacontenttype: 'application/json',
        time: new Date().toISOString(),
        intuitentityid: firstSale.receiptId,
        intuitaccountid: w.realmId,
      },
    ]);
    const before = (await w.t.gateway.store.sql.query('SELECT event_id FROM accounting_events')).rows.length;
    const from = w.qbo.requests.length;
    const post = (signature: string) =>
      fetch(`${w.t.url}/webhooks/quickbooks/${SMILE}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'intuit-signature': signature },
        body,
      });
    const forged = await post(intuitSignature('not-the-verifier-token', body));
    expect(forged.status).toBe(401);
    const missing = await post('');
    expect(missing.status).toBe(401);
    await w.tick();
    expect((await w.t.gateway.store.sql.query('SELECT event_id FROM accounting_events')).rows).toHaveLength(before);
    const row = await getBooking(w.t.gateway.store.sql, firstSale.transactionId);
    expect(row?.books?.state).toBe('VOIDED');
    expect(w.since(from)).toHaveLength(0);
    // The same body signed with the verifier token is taken: the route judged the signature only.
    const genuine = await post(intuitSignature(w.qbo.verifierToken, body));
    expect(genuine.status).toBe(200);
  });
});
