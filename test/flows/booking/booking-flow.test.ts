/**
 * Issue 17 part 2 through the public GraphQL API and the webhook route, with smile-dental's books an
 * in-memory adapter (`fake-books.ts`) and the real NexHealth and Stripe sandboxes: a COMPLETED
 * collection is booked once under the guarantor's customer, a refund as a refund with its `re_` id,
 * a refusal is FAILED with the error and BOOKED on the hourly retry (the gateway's clock is the
 * test's; jobs run on `tick()`), an accountant's void arrives by webhook and is read back, and a bad
 * signature stores nothing.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NEX_SEED } from '../../../src/sandbox/nexhealth';
import { getBooking } from '../../../src/flows/booking/booking-store';
import { startTestGateway, type TestGateway } from '../../e2e/harness';
import { FakeBooks, sign } from './fake-books';

const SMILE = 'smile-dental';
const FAMILY = NEX_SEED.families.alvarez;
const PATIENT = FAMILY.dependentIds[0]!;

const TX = /* GraphQL */ `
  query Tx($practiceId: ID!, $transactionId: ID!) {
    transaction(practiceId: $practiceId, transactionId: $transactionId) {
      transactionId kind status booking { system status externalId error }
    }
  }
`;
const CREATE = /* GraphQL */ `
  mutation Create($input: CreateCheckoutInput!) { createCheckout(input: $input) { transaction { transactionId checkout { url } } } }
`;
const REFUND = /* GraphQL */ `
  mutation Refund($input: RefundTransactionInput!) { refundTransaction(input: $input) { transaction { transactionId status } } }
`;

let t: TestGateway;
let books: FakeBooks;
let offsetMs = 0;
let seq = 0;

beforeAll(async () => {
  books = new FakeBooks();
  t = await startTestGateway({
    gateway: {
      collection: { watchIntervalMs: 3_600_000 },
      transactionOptions: { now: () => new Date(Date.now() + offsetMs), pollIntervalMs: 3_600_000 },
      createAccountingBooks: (practice) =>
        practice.id === SMILE ? { adapter: books, depositAccountId: '35', itemId: '1', paymentMethodId: null } : null,
    },
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

async function settle() {
  await t.stripe.webhooks.idle();
  await t.gateway.services.transactions.context.inFlight.settle();
}

async function booking(transactionId: string) {
  const { data, errors } = await t.gql(TX, { practiceId: SMILE, transactionId });
  expect(errors).toBeUndefined();
  return data.transaction;
}

/** A Stripe collection of `amount` from the Alvarez dependent, paid and landed in the ledger. */
async function collect(amount: string): Promise<string> {
  const created = await t.gql(CREATE, {
    input: { practiceId: SMILE, patientId: PATIENT, amount, idempotencyKey: `bk-${++seq}` },
  });
  expect(created.errors).toBeUndefined();
  const tx = created.data.createCheckout.transaction;
  const id = new URL(tx.checkout.url).pathname.split('/').pop();
  const paid = await fetch(`${t.stripe.url}/_sandbox/checkout/sessions/${id}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ card: '4242424242424242' }),
  });
  expect(paid.status).toBe(200);
  await settle();
  await t.nex.completePendingInsertions();
  return tx.transactionId;
}

/** Wait until the booking's status is not PENDING (the status listener runs the first attempt). */
async function settled(transactionId: string) {
  await vi.waitFor(async () => expect((await getBooking(t.gateway.store.sql, transactionId))?.status).not.toBe('PENDING'), {
    timeout: 10_000,
    interval: 20,
  });
  await settle();
  return booking(transactionId);
}

async function webhook(body: string, signature = sign(body), practiceId = SMILE) {
  return fetch(`${t.url}/webhooks/quickbooks/${practiceId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'intuit-signature': signature },
    body,
  });
}

describe('booking to the books', () => {
  let saleId: string;

  it('a COMPLETED Stripe collection is one SALE under the guarantor’s customer; BOOKED', async () => {
    const transactionId = await collect('12.34');
    const tx = await settled(transactionId);
    expect(tx).toMatchObject({ kind: 'COLLECTION', status: 'COMPLETED' });
    expect(tx.booking).toMatchObject({ system: 'quickbooks', status: 'BOOKED', error: null });
    saleId = tx.booking.externalId;
    const sales = [...books.bookings.values()].filter((b) => b.booking.transactionId === transactionId);
    expect(sales).toHaveLength(1);
    const sale = sales[0]!;
    expect(sale.entry.ref).toEqual({ kind: 'SALE', id: saleId });
    expect(sale.booking).toMatchObject({
      kind: 'SALE',
      amount: 1234,
      itemId: '1',
      depositAccountId: '35',
      paymentMethodId: null,
    });
    expect(sale.booking.processor).toMatchObject({ name: 'STRIPE', refundId: null });
    expect(sale.booking.processor?.paymentId).toMatch(/^pi_/);
    // The guarantor's customer (the family's guarantor, not the dependent who paid).
    expect(books.customers.get(sale.booking.customerId)?.displayName).toMatch(new RegExp(`\\(${FAMILY.guarantorId}\\)$`));
  });

  it('a second collection of the family reuses the stored customer; a refund books a REFUND with the processor’s re_ id', async () => {
    const transactionId = await collect('20.00');
    const tx = await settled(transactionId);
    expect(tx.booking.status).toBe('BOOKED');
    const customerIds = new Set([...books.bookings.values()].map((b) => b.booking.customerId));
    expect(customerIds.size).toBe(1);
    expect(books.customers.size).toBe(1);

    const refunded = await t.gql(REFUND, {
      input: { practiceId: SMILE, transactionId, amount: '5.00', reason: 'overpaid', idempotencyKey: `bk-r-${++seq}` },
    });
    expect(refunded.errors).toBeUndefined();
    const refundId = refunded.data.refundTransaction.transaction.transactionId;
    await settle();
    await t.nex.completePendingInsertions();
    const refund = await settled(refundId);
    expect(refund).toMatchObject({ kind: 'REFUND', status: 'COMPLETED', booking: { status: 'BOOKED' } });
    const entry = [...books.bookings.values()].find((b) => b.booking.transactionId === refundId)!;
    expect(entry.booking).toMatchObject({ kind: 'REFUND', amount: 500 });
    expect(entry.booking.processor?.refundId).toMatch(/^re_/);
  });

  it('refused by the books (6190): FAILED with the error, the posting unaffected; BOOKED on the hourly retry', async () => {
    books.refuse = { state: 'FAILED', cause: 'COMPANY_INACTIVE', code: '6190', reason: 'Invalid Company Status' };
    const transactionId = await collect('7.00');
    const failed = await settled(transactionId);
    expect(failed.status).toBe('COMPLETED');
    expect(failed.booking).toMatchObject({ status: 'FAILED', externalId: null });
    expect(failed.booking.error).toMatch(/COMPANY_INACTIVE \(6190\)/);
    books.refuse = null;
    // Nothing happens before the hour is up.
    await t.gateway.services.transactions.tick();
    expect((await booking(transactionId)).booking.status).toBe('FAILED');
    offsetMs += 3_600_000 + 1_000;
    await t.gateway.services.transactions.tick();
    await settle();
    const booked = await booking(transactionId);
    expect(booked.booking).toMatchObject({ status: 'BOOKED', error: null });
    expect([...books.bookings.values()].filter((b) => b.booking.transactionId === transactionId)).toHaveLength(1);
  });

  it('an accountant’s void arrives by webhook: the entry is read back and stored VOIDED with 0; a redelivery changes nothing', async () => {
    const entry = books.entry({ kind: 'SALE', id: saleId })!;
    entry.voided = true;
    entry.amount = 0;
    entry.version = '1';
    const body = JSON.stringify([
      {
        eventId: 'ev-void-1',
        companyId: books.companyId,
        entity: 'SALE',
        entityId: saleId,
        operation: 'VOIDED',
        mergedId: null,
        occurredAt: null,
      },
    ]);
    const answer = await webhook(body);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ result: 'applied' });
    const rereads = () => books.calls.filter((c) => c === `entries ${saleId}`).length;
    await vi.waitFor(async () => expect(rereads()).toBe(1), { timeout: 10_000, interval: 20 });
    await t.gateway.services.transactions.tick();
    await settle();
    const stored = [
      ...(
        await t.gateway.store.sql.query<{ transaction_id: string }>(
          'SELECT transaction_id FROM bookings WHERE external_id = $1',
          [saleId],
        )
      ).rows,
    ];
    const row = await getBooking(t.gateway.store.sql, stored[0]!.transaction_id);
    expect(row?.books).toMatchObject({ state: 'VOIDED', amount: 0, version: '1', rereadPending: false });
    expect(row?.status).toBe('BOOKED');
    // Never re-created.
    expect(books.calls.filter((c) => c.startsWith(`bookEntry ${row?.transactionId}`))).toHaveLength(1);
    const again = await webhook(body);
    expect(await again.json()).toEqual({ result: 'duplicate' });
  });

  it('a bad signature is 401 and stores nothing; an unknown practice answers the same', async () => {
    const body = JSON.stringify([
      {
        eventId: 'ev-forged',
        companyId: books.companyId,
        entity: 'SALE',
        entityId: saleId,
        operation: 'DELETED',
        mergedId: null,
        occurredAt: null,
      },
    ]);
    const before = books.calls.length;
    const forged = await webhook(body, sign(body, 'another-token'));
    expect(forged.status).toBe(401);
    const unknown = await webhook(body, sign(body), 'no-such-practice');
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual(await forged.json());
    const events = await t.gateway.store.sql.query('SELECT 1 FROM accounting_events WHERE event_id = $1', ['ev-forged']);
    expect(events.rows).toHaveLength(0);
    const row = (
      await t.gateway.store.sql.query<{ books_state: string }>('SELECT books_state FROM bookings WHERE external_id = $1', [
        saleId,
      ])
    ).rows[0];
    expect(row?.books_state).toBe('VOIDED');
    expect(books.calls.length).toBe(before);
  });

  it('a practice without books shows no booking', async () => {
    const { data, errors } = await t.gql(TX, { practiceId: 'bright-dentrix', transactionId: 'LG:1000' });
    expect(errors).toBeUndefined();
    expect(data.transaction?.booking ?? null).toBeNull();
  });
});
