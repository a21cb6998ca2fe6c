/**
 * What the booking e2e tests share (`booking.test.ts`, `booking-faults.test.ts`): a gateway whose
 * smile-dental books are the real QuickBooks simulator through the real adapter (the `accounting`
 * config added through the harness's `config` hook, as `reconciliation.test.ts` does), the gateway's
 * clock the test's (`advance`; jobs run on `tick()`), and the NexHealth seed with two guarantors
 * named O'Brien: patient 1042 is `Jane O'Brien`, whom the seeded realm already holds as Customer
 * "58" `Jane O'Brien (1042)`, and patient 1030 `Declan O'Brien`, whom it does not.
 */
import { expect, vi } from 'vitest';
import { getBooking } from '../../src/flows/booking/booking-store';
import { createNexSeed } from '../../src/sandbox/nexhealth';
import { type QboRecordedRequest, type QuickBooksSandbox, startQuickBooksSandbox } from '../../src/sandbox/quickbooks';
import { quickBooksSandboxPractices } from '../../src/sandbox/quickbooks/mode';
import { startTestGateway, type TestGateway } from './harness';

export const SMILE = 'smile-dental';
/** Own guarantor, renamed in the seed to the seeded QuickBooks customer's name. */
export const JANE = '1042';
/** Own guarantor, renamed in the seed; not in the books. */
export const DECLAN = '1030';

const TX = /* GraphQL */ `
  query Tx($practiceId: ID!, $transactionId: ID!) {
    transaction(practiceId: $practiceId, transactionId: $transactionId) {
      transactionId kind status attention booking { system status externalId error }
    }
  }
`;
const CREATE = /* GraphQL */ `
  mutation Create($input: CreateCheckoutInput!) { createCheckout(input: $input) { transaction { transactionId checkout { url processorPaymentId } } } }
`;
const REFUND = /* GraphQL */ `
  mutation Refund($input: RefundTransactionInput!) { refundTransaction(input: $input) { transaction { transactionId status } } }
`;

export interface BookingWorld {
  t: TestGateway;
  qbo: QuickBooksSandbox;
  realmId: string;
  /** Move the gateway's clock and the Stripe sandbox's (not the QuickBooks simulator's). */
  advance(ms: number): void;
  /** Run the due jobs on the gateway's clock, then let in-flight work finish. */
  tick(): Promise<void>;
  settle(): Promise<void>;
  transaction(transactionId: string): Promise<any>;
  /** A Stripe collection of `amount` from `patientId`, paid and landed in the ledger: COMPLETED. */
  collect(patientId: string, amount: string): Promise<string>;
  /** A refund of `amount` of a collection, landed in the ledger. */
  refund(transactionId: string, amount: string): Promise<string>;
  /** The transaction once its booking left PENDING (the first attempt runs on the completion). */
  settled(transactionId: string): Promise<any>;
  /** The simulator's requests from index `from` on. */
  since(from: number): QboRecordedRequest[];
  close(): Promise<void>;
}

export async function startBookingWorld(): Promise<BookingWorld> {
  const qbo = await startQuickBooksSandbox({ port: 0 });
  const books = quickBooksSandboxPractices(qbo.url).find((p) => p.id === SMILE)!;
  const seed = createNexSeed();
  const rename = (id: string, first: string, last: string) => {
    const patient = seed.patients.find((p) => String(p.id) === id)!;
    patient.first_name = first;
    patient.last_name = last;
  };
  rename(JANE, 'Jane', "O'Brien");
  rename(DECLAN, 'Declan', "O'Brien");
  let offsetMs = 0;
  let seq = 0;
  const t = await startTestGateway({
    nexhealth: { seed },
    gateway: {
      collection: { watchIntervalMs: 3_600_000, catchUpIntervalMs: 3_600_000 },
      transactionOptions: { now: () => new Date(Date.now() + offsetMs), pollIntervalMs: 3_600_000 },
      // No catch-up (change data capture) within the hours a test moves the clock: the request log
      // then holds the bookings' calls only.
      booking: { catchUpIntervalMs: 30 * 86_400_000 },
    },
    config: (raw) => {
      const practice = raw.practices.find((p: { id: string }) => p.id === SMILE);
      practice.accounting = { system: 'quickbooks', connection: books.connection, ...books.accounting };
    },
  });
  const settle = async () => {
    await t.stripe.webhooks.idle();
    await t.gateway.services.transactions.context.inFlight.settle();
  };
  const transaction = async (transactionId: string) => {
    const { data, errors } = await t.gql(TX, { practiceId: SMILE, transactionId });
    expect(errors).toBeUndefined();
    return data.transaction;
  };
  return {
    t,
    qbo,
    realmId: books.connection.realmId,
    advance: (ms) => {
      offsetMs += ms;
      // The processor agrees on the time: a checkout's expires_at (≤ 24 h) is judged on its clock.
      t.stripe.clock.advance(ms / 1000);
    },
    tick: async () => {
      await t.gateway.services.transactions.tick();
      await settle();
    },
    settle,
    transaction,
    async collect(patientId, amount) {
      const created = await t.gql(CREATE, {
        input: { practiceId: SMILE, patientId, amount, idempotencyKey: `e2e-book-${++seq}` },
      });
      expect(created.errors).toBeUndefined();
      const tx = created.data.createCheckout.transaction;
      const page = new URL(tx.checkout.url).pathname.split('/').pop();
      const paid = await fetch(`${t.stripe.url}/_sandbox/checkout/sessions/${page}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ card: '4242424242424242' }),
      });
      expect(paid.status).toBe(200);
      await settle();
      await t.nex.completePendingInsertions();
      await settle();
      expect((await transaction(tx.transactionId)).status).toBe('COMPLETED');
      return tx.transactionId;
    },
    async refund(transactionId, amount) {
      const refunded = await t.gql(REFUND, {
        input: { practiceId: SMILE, transactionId, amount, reason: 'overpaid', idempotencyKey: `e2e-book-r-${++seq}` },
      });
      expect(refunded.errors).toBeUndefined();
      const id = refunded.data.refundTransaction.transaction.transactionId;
      await settle();
      await t.nex.completePendingInsertions();
      await settle();
      return id;
    },
    async settled(transactionId) {
      await vi.waitFor(
        async () => expect((await getBooking(t.gateway.store.sql, transactionId))?.status ?? 'PENDING').not.toBe('PENDING'),
        { timeout: 10_000, interval: 20 },
      );
      await settle();
      return transaction(transactionId);
    },
    since: (from) => qbo.requests.slice(from),
    async close() {
      await t?.close();
      await qbo?.close();
    },
  };
}

/** What a slice of the request log asked: token refreshes, queries, reads by id, creates per entity. */
export function calls(requests: readonly QboRecordedRequest[]) {
  const count = (match: (r: QboRecordedRequest) => boolean) => requests.filter(match).length;
  const creates = (entity: string) =>
    count((r) => r.method === 'POST' && r.path.toLowerCase().endsWith(`/${entity}`) && r.query.operation === undefined);
  return {
    token: count((r) => r.realmId === null),
    query: count((r) => r.path.endsWith('/query')),
    read: count((r) => r.method === 'GET' && !r.path.endsWith('/query') && !r.path.endsWith('/cdc') && r.realmId !== null),
    customerCreate: creates('customer'),
    salesReceiptCreate: creates('salesreceipt'),
    refundReceiptCreate: creates('refundreceipt'),
    total: requests.length,
  };
}

/** The realm's receipts of one transaction (its id is the receipt's `PaymentRefNum`). */
export function receiptsOf(world: BookingWorld, type: 'SalesReceipt' | 'RefundReceipt', transactionId: string) {
  return world.qbo.entities(world.realmId, type).filter((r) => r.PaymentRefNum === transactionId);
}
