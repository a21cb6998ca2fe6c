/**
 * One QuickBooks webhook delivery carrying several events, through `POST /webhooks/quickbooks/<practiceId>`
 * against the real adapter and simulator: the delivery's events are stored (deduplicated by event
 * id) before the 200, and their entries are read again together, one `Id in (…)` query per entity
 * kind (two SalesReceipts and a RefundReceipt: 2 queries, not 3), each booking storing what the
 * books hold; the same delivery again stores nothing and asks the books nothing.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getBooking } from '../../src/flows/booking/booking-store';
import { intuitSignature } from '../../src/sandbox/quickbooks';
import { type BookingWorld, calls, JANE, SMILE, startBookingWorld } from './booking-setup';

let w: BookingWorld;

beforeAll(async () => {
  w = await startBookingWorld();
}, 60_000);
afterAll(async () => {
  await w?.close();
});

describe('a QuickBooks delivery of several events', () => {
  it('re-reads its entries together: one query per entity kind; a redelivery does nothing', async () => {
    const sales = [await w.collect(JANE, '40.00'), await w.collect(JANE, '25.00')];
    const refund = await w.refund(sales[0]!, '10.00');
    const booked = await Promise.all([...sales, refund].map((id) => w.settled(id)));
    for (const tx of booked) expect(tx.booking).toMatchObject({ status: 'BOOKED' });
    const [saleA, saleB, refundEntry] = booked.map((tx) => tx.booking.externalId as string);

    // The accountant's changes; the simulator sends no webhook of its own (no URL given it).
    w.qbo.accountant.void(w.realmId, 'SalesReceipt', saleA!);
    w.qbo.accountant.edit(w.realmId, 'SalesReceipt', saleB!, { amountCents: 2_000 });
    w.qbo.accountant.edit(w.realmId, 'RefundReceipt', refundEntry!, { amountCents: 500 });
    const event = (id: string, type: string, entityId: string) => ({
      specversion: '1.0',
      id,
      source: `/quickbooks/${w.realmId}`,
      type,
      datacontenttype: 'application/json',
      time: new Date().toISOString(),
      intuitentityid: entityId,
      intuitaccountid: w.realmId,
    });
    const body = JSON.stringify([
      event('delivery-1-a', 'qbo.salesreceipt.voided.v1', saleA!),
      event('delivery-1-b', 'qbo.salesreceipt.updated.v1', saleB!),
      event('delivery-1-c', 'qbo.refundreceipt.updated.v1', refundEntry!),
    ]);
    const post = () =>
      fetch(`${w.t.url}/webhooks/quickbooks/${SMILE}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'intuit-signature': intuitSignature(w.qbo.verifierToken, body) },
        body,
      });
    const storedEvents = async () =>
      (await w.t.gateway.store.sql.query<{ event_id: string }>('SELECT event_id FROM accounting_events')).rows.map(
        (r) => r.event_id,
      );
    const rereadJobs = async () => (await w.t.gateway.services.transactions.context.jobs.list({ kind: 'booking.reread' })).length;

    const from = w.qbo.requests.length;
    expect((await post()).status).toBe(200);
    expect(await storedEvents()).toEqual(expect.arrayContaining(['delivery-1-a', 'delivery-1-b', 'delivery-1-c']));
    expect(await rereadJobs()).toBe(1);
    await vi.waitFor(
      async () => {
        await w.tick();
        const rows = await Promise.all([...sales, refund].map((id) => getBooking(w.t.gateway.store.sql, id)));
        expect(rows.map((r) => r?.books)).toMatchObject([
          { state: 'VOIDED', amount: 0, rereadPending: false },
          { state: 'EDITED', amount: 2_000, rereadPending: false },
          { state: 'EDITED', amount: 500, rereadPending: false },
        ]);
      },
      { timeout: 10_000, interval: 20 },
    );
    const reads = w.since(from).filter((r) => r.path.endsWith('/query'));
    expect(reads).toHaveLength(2);
    expect(reads.map((r) => String(r.query.query)).sort()).toEqual([
      expect.stringMatching(/^select \* from RefundReceipt where Id in \(/),
      expect.stringMatching(/^select \* from SalesReceipt where Id in \([^,]+, [^,]+\)/),
    ]);
    expect(calls(w.since(from))).toMatchObject({ salesReceiptCreate: 0, refundReceiptCreate: 0 });

    // The same delivery again: 200, nothing stored, no job, nothing asked of the books.
    const again = w.qbo.requests.length;
    const eventsBefore = (await storedEvents()).length;
    expect((await post()).status).toBe(200);
    await w.tick();
    expect((await storedEvents()).length).toBe(eventsBefore);
    expect(await rereadJobs()).toBe(1);
    expect(w.since(again)).toHaveLength(0);
  }, 60_000);
});
