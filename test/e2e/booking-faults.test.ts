/**
 * Issue 17, the booking when QuickBooks misbehaves, through the public GraphQL API against the real
 * simulator and adapter (`booking-setup.ts`): a company that is inactive (6190) leaves the booking
 * FAILED with the error while the collection stays COMPLETED and posted, then BOOKED on the hourly
 * retry; an access token expired mid-run is refreshed once; a 429 burst and an answer lost after the
 * commit each end BOOKED with one receipt. Time moves only on the gateway's clock (`advance`, then
 * `tick()` runs the due jobs); nothing sleeps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBooking } from '../../src/flows/booking/booking-store';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { type BookingWorld, calls, receiptsOf, startBookingWorld } from './booking-setup';

const FAMILY = NEX_SEED.families.alvarez;
const PATIENT = FAMILY.dependentIds[0]!;

let w: BookingWorld;

beforeAll(async () => {
  w = await startBookingWorld();
  // The family's customer exists before the faults: each case then counts the receipt's calls.
  const first = await w.settled(await w.collect(PATIENT, '1.00'));
  expect(first.booking.status).toBe('BOOKED');
}, 60_000);
afterAll(async () => {
  await w?.close();
});

/** The ledger's payment rows the gateway wrote for a transaction (the posting). */
function postings(transactionId: string) {
  return w.t.nex.requests.filter(
    (r) => r.method === 'POST' && r.path.endsWith('/payments') && JSON.stringify(r.body ?? '').includes(transactionId),
  );
}

describe('booking when QuickBooks misbehaves', () => {
  it('an access token expired mid-run: one refresh, then BOOKED', async () => {
    const grants = w.qbo.tokenGrants;
    expect(w.qbo.knobs.expireAccessTokens(w.realmId)).toBeGreaterThanOrEqual(1);
    const from = w.qbo.requests.length;
    const transactionId = await w.collect(PATIENT, '8.00');
    const tx = await w.settled(transactionId);
    expect(tx.booking).toMatchObject({ status: 'BOOKED', error: null });
    expect(receiptsOf(w, 'SalesReceipt', transactionId)).toHaveLength(1);
    expect(w.qbo.tokenGrants).toBe(grants + 1);
    const made = w.since(from);
    expect(calls(made).token).toBe(1);
    // The first call met 401 3200, the refresh, then the same call again.
    expect(made.map((r) => r.status)).toContain(401);
    console.log('booking across an expired token:', calls(made));
  });

  it('a 429 burst: the adapter’s retries spent, FAILED as unavailable; BOOKED a minute later, one receipt', async () => {
    // Three 429s: the first call and both of the adapter's retries (each 429 also pauses the
    // credential in the upstream budget: 1 s of real time, the budget's own clock).
    w.qbo.knobs.throttleNext(w.realmId, 3);
    const from = w.qbo.requests.length;
    const transactionId = await w.collect(PATIENT, '9.00');
    const failed = await w.settled(transactionId);
    expect(failed.status).toBe('COMPLETED');
    expect(failed.booking).toMatchObject({ status: 'FAILED', externalId: null });
    expect(failed.booking.error).toMatch(/UPSTREAM_UNAVAILABLE/);
    expect(receiptsOf(w, 'SalesReceipt', transactionId)).toHaveLength(0);
    // The first of the unavailable delays (1 min) on the gateway's clock.
    w.advance(61_000);
    await w.tick();
    const tx = await w.transaction(transactionId);
    expect(tx.booking).toMatchObject({ status: 'BOOKED', error: null });
    expect(receiptsOf(w, 'SalesReceipt', transactionId)).toHaveLength(1);
    const made = w.since(from);
    expect(made.filter((r) => r.status === 429)).toHaveLength(3);
    expect(calls(made)).toMatchObject({ token: 0, salesReceiptCreate: 1 });
    expect(w.qbo.peakInFlight(w.realmId)).toBeLessThanOrEqual(10);
    console.log('booking through a 429 burst of 3:', calls(made));
  });

  it('the answer lost after the commit: the retry with the same requestid gets the first receipt, not a second', async () => {
    w.qbo.knobs.loseNextAnswer(w.realmId, 'SalesReceipt');
    const from = w.qbo.requests.length;
    const transactionId = await w.collect(PATIENT, '10.00');
    // The write is not sent again by the adapter (its outcome is unknown): UPSTREAM_UNAVAILABLE, and
    // the job tries again after the first delay with the same requestid.
    const unknown = await w.settled(transactionId);
    expect(unknown.booking).toMatchObject({ status: 'FAILED', externalId: null });
    expect(unknown.booking.error).toMatch(/UPSTREAM_UNAVAILABLE/);
    expect(receiptsOf(w, 'SalesReceipt', transactionId)).toHaveLength(1);
    w.advance(61_000);
    await w.tick();
    const tx = await w.transaction(transactionId);
    expect(tx.booking).toMatchObject({ status: 'BOOKED', error: null });
    const receipts = receiptsOf(w, 'SalesReceipt', transactionId);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]!.Id).toBe(tx.booking.externalId);
    const creates = w.since(from).filter((r) => r.method === 'POST' && r.path.endsWith('/salesreceipt'));
    expect(creates).toHaveLength(2);
    expect(creates[0]!.status).toBeNull();
    expect(new Set(creates.map((r) => r.query.requestid)).size).toBe(1);
    expect(creates[0]!.query.requestid).toBe(`${transactionId}:SalesReceipt`);
    const row = await getBooking(w.t.gateway.store.sql, transactionId);
    expect(row?.status).toBe('BOOKED');
  });

  it('realm inactive (6190): FAILED with the error, the collection COMPLETED and posted; BOOKED on the hourly retry', async () => {
    w.qbo.knobs.setRealmActive(w.realmId, false);
    const transactionId = await w.collect(PATIENT, '7.00');
    const failed = await w.settled(transactionId);
    expect(failed.status).toBe('COMPLETED');
    expect(failed.attention).toBeNull();
    expect(failed.booking).toMatchObject({ status: 'FAILED', externalId: null });
    expect(failed.booking.error).toMatch(/COMPANY_INACTIVE \(6190\)/);
    expect(receiptsOf(w, 'SalesReceipt', transactionId)).toHaveLength(0);
    expect(postings(transactionId).length).toBeGreaterThanOrEqual(1);

    w.qbo.knobs.setRealmActive(w.realmId, true);
    // Before the hour is up nothing is asked.
    const from = w.qbo.requests.length;
    w.advance(30 * 60_000);
    await w.tick();
    expect((await w.transaction(transactionId)).booking.status).toBe('FAILED');
    expect(w.since(from)).toHaveLength(0);

    w.advance(30 * 60_000 + 1_000);
    await w.tick();
    const booked = await w.transaction(transactionId);
    expect(booked.booking).toMatchObject({ status: 'BOOKED', error: null });
    const receipts = receiptsOf(w, 'SalesReceipt', transactionId);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]!.Id).toBe(booked.booking.externalId);
    expect(calls(w.since(from)).salesReceiptCreate).toBe(1);
  });
});
