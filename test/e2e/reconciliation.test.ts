/**
 * Issue 17, the three-way reconciliation, through the public GraphQL API: smile-dental collects
 * through the Stripe sandbox, posts to the NexHealth sandbox and books to the QuickBooks sandbox
 * (realm 9130000000000001). A month in which each mismatch kind is provoked once, the way it happens:
 *
 * | collection | what happens | found as |
 * |---|---|---|
 * | 101.11 | paid, posted, booked; later 12.34 of it refunded and the ledger refuses that posting | (none); the refund: REFUND_NOT_POSTED |
 * | 52.22 | paid; the ledger refuses the posting (attention) | PAID_NOT_POSTED |
 * | 33.33 | paid and posted while the QuickBooks company is inactive (6190: booking FAILED) | POSTED_NOT_BOOKED |
 * | 44.44 | booked; the accountant edits the receipt to 40.00 in QuickBooks | AMOUNT_DIFFERS |
 * | 66.66 | booked; the processor's payment is no longer succeeded (canceled at the processor) | BOOKED_NOT_PAID |
 *
 * The totals are asserted to the cent, the upstream reads counted, and refused input reads nothing.
 * The report is printed as a table (the note).
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_TIME_ZONE } from '../../src/config';
import { formatCents } from '../../src/ledger/money';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { type QuickBooksSandbox, startQuickBooksSandbox } from '../../src/sandbox/quickbooks';
import { quickBooksSandboxPractices } from '../../src/sandbox/quickbooks/mode';
import { KEYS, startTestGateway, type TestGateway } from './harness';

const SMILE = 'smile-dental';
const PATIENT = NEX_SEED.ownGuarantor.ownId;

const TX = /* GraphQL */ `
  fragment Tx on LedgerTransaction {
    transactionId kind status attention
    checkout { url processorPaymentId }
    booking { status externalId error }
  }
`;
const CREATE = /* GraphQL */ `
  mutation Create($input: CreateCheckoutInput!) { createCheckout(input: $input) { transaction { ...Tx } } }
  ${TX}
`;
const REFUND = /* GraphQL */ `
  mutation Refund($input: RefundTransactionInput!) { refundTransaction(input: $input) { transaction { ...Tx } } }
  ${TX}
`;
const GET = /* GraphQL */ `
  query Get($practiceId: ID!, $transactionId: ID!) { transaction(practiceId: $practiceId, transactionId: $transactionId) { ...Tx } }
  ${TX}
`;
const REPORT = /* GraphQL */ `
  query Report($id: ID!, $from: Date!, $to: Date!) {
    practice(id: $id) {
      reconciliation(from: $from, to: $to) {
        from to mismatchCount complete
        totals { processor { cents amount } ledger { cents amount } accounting { cents amount } }
        rows {
          transaction { transactionId kind status }
          processor { cents amount } ledger { cents amount } accounting { cents amount }
          processorId accountingId mismatches unavailable
        }
      }
    }
  }
`;

let t: TestGateway;
let qbo: QuickBooksSandbox;
let realmId: string;
let keySeq = 0;
const newKey = (label: string) => `e2e-recon-${label}-${++keySeq}`;

beforeAll(async () => {
  qbo = await startQuickBooksSandbox({ port: 0 });
  const books = quickBooksSandboxPractices(qbo.url).find((p) => p.id === SMILE)!;
  realmId = books.connection.realmId;
  t = await startTestGateway({
    // The tests drive everything; no background read-back or catch-up fires by itself.
    gateway: {
      collection: { watchIntervalMs: 3_600_000, catchUpIntervalMs: 3_600_000 },
      booking: { catchUpIntervalMs: 3_600_000 },
    },
    config: (raw) => {
      const practice = raw.practices.find((p: { id: string }) => p.id === SMILE);
      practice.accounting = { system: 'quickbooks', connection: books.connection, ...books.accounting };
    },
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await qbo?.close();
});

async function settle() {
  await t.stripe.webhooks.idle();
  await t.gateway.services.transactions.context.inFlight.settle();
}

async function get(transactionId: string) {
  const { data, errors } = await t.gql(GET, { practiceId: SMILE, transactionId });
  expect(errors).toBeUndefined();
  return data.transaction;
}

/** Wait on the booking's state (its job runs after the completion is announced). */
function bookingSettled(transactionId: string) {
  return vi.waitFor(
    async () => {
      await settle();
      const tx = await get(transactionId);
      expect(tx.booking?.status === 'BOOKED' || tx.booking?.status === 'FAILED').toBe(true);
      return tx;
    },
    { timeout: 10_000, interval: 20 },
  );
}

async function paid(amount: string) {
  const { data, errors } = await t.gql(CREATE, {
    input: { practiceId: SMILE, patientId: PATIENT, amount, idempotencyKey: newKey('create') },
  });
  expect(errors).toBeUndefined();
  const tx = data.createCheckout.transaction;
  const page = new URL(tx.checkout.url).pathname.split('/').pop()!;
  const response = await fetch(`${t.stripe.url}/_sandbox/checkout/sessions/${page}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ card: '4242424242424242' }),
  });
  expect(response.status).toBe(200);
  await settle();
  return tx.transactionId as string;
}

/** Paid, and the ledger's rows landed: COMPLETED. */
async function posted(amount: string) {
  const id = await paid(amount);
  await t.nex.completePendingInsertions();
  await settle();
  expect((await get(id)).status).toBe('COMPLETED');
  return id;
}

/** The month around today in the practice's time zone (today ± 15 days: 31 days). */
function month() {
  const zone = t.config.practices.find((p) => p.id === SMILE)?.timeZone ?? DEFAULT_TIME_ZONE;
  const today = DateTime.now().setZone(zone);
  return { from: today.minus({ days: 15 }).toISODate()!, to: today.plus({ days: 15 }).toISODate()! };
}

const upstreamLogs = () => ({
  stripe: t.stripe.requests.filter((r) => r.path.startsWith('/v1/')).length,
  qbo: qbo.requests.length,
  nex: t.nex.requests.length,
});

function resetLogs() {
  t.stripe.requests.length = 0;
  qbo.requests.length = 0;
  t.nex.resetRequestLog();
}

function printTable(report: any) {
  const money = (m: { amount: string } | null) => (m ? m.amount : '—');
  const lines = [
    `Reconciliation ${report.from} to ${report.to} (smile-dental: Stripe ⇄ NexHealth ⇄ QuickBooks)`,
    '| transaction | kind | processor | ledger | books | processor id | books id | mismatches |',
    '|---|---|--:|--:|--:|---|---|---|',
    ...report.rows.map(
      (r: any) =>
        `| ${r.transaction.transactionId} | ${r.transaction.kind} | ${money(r.processor)} | ${money(r.ledger)} | ${money(r.accounting)} | ` +
        `${r.processorId ?? '—'} | ${r.accountingId ?? '—'} | ${r.mismatches.join(', ') || '—'} |`,
    ),
    `| **net** | | ${report.totals.processor.amount} | ${report.totals.ledger.amount} | ${report.totals.accounting.amount} | | | ${report.mismatchCount} mismatches |`,
  ];
  console.log(lines.join('\n'));
}

describe('Practice.reconciliation', () => {
  it('finds each mismatch kind once in a month, with totals exact to the cent', async () => {
    // 101.11: paid, posted, booked: the three agree.
    const clean = await posted('101.11');
    expect((await bookingSettled(clean)).booking.status).toBe('BOOKED');

    // 52.22: the ledger refuses the posting: paid, not posted (attention for staff).
    t.nex.faults.add({ path: '/payments', method: 'POST', status: 400, times: 1 });
    const unposted = await paid('52.22');
    const refused = await get(unposted);
    expect(refused.status).toBe('SUBMITTED');
    expect(refused.attention).toMatch(/the ledger refused/);

    // 33.33: the QuickBooks company is inactive (6190): posted, the booking FAILED.
    qbo.knobs.setRealmActive(realmId, false);
    const unbooked = await posted('33.33');
    const failed = await bookingSettled(unbooked);
    expect(failed.booking.status).toBe('FAILED');
    expect(failed.booking.error).toMatch(/6190|inactive/i);
    qbo.knobs.setRealmActive(realmId, true);

    // 44.44: booked, then the accountant edits the receipt to 40.00 in QuickBooks.
    const edited = await posted('44.44');
    const editedBooking = (await bookingSettled(edited)).booking;
    expect(editedBooking.status).toBe('BOOKED');
    qbo.accountant.edit(realmId, 'SalesReceipt', editedBooking.externalId, { amountCents: 4000 });

    // 66.66: booked, then the processor's payment is no longer succeeded (the simulated Stripe
    // account's PaymentIntent is canceled: a reversal the gateway was never told of).
    const reversed = await posted('66.66');
    const reversedTx = await bookingSettled(reversed);
    expect(reversedTx.booking.status).toBe('BOOKED');
    t.stripe.sim.findIntent(reversedTx.checkout.processorPaymentId)!.intent.status = 'canceled';

    // 12.34 of the first collection refunded; the ledger refuses the refund's posting.
    t.nex.faults.add({ path: '/payments', method: 'POST', status: 400, times: 1 });
    const refundResult = await t.gql(REFUND, {
      input: { practiceId: SMILE, transactionId: clean, amount: '12.34', idempotencyKey: newKey('refund') },
    });
    expect(refundResult.errors).toBeUndefined();
    const refund = refundResult.data.refundTransaction.transaction.transactionId as string;
    await settle();
    expect((await get(refund)).attention).toMatch(/the ledger refused/);

    resetLogs();
    const { from, to } = month();
    const { data, errors } = await t.gql(REPORT, { id: SMILE, from, to });
    expect(errors).toBeUndefined();
    const report = data.practice.reconciliation;
    printTable(report);

    expect(report.from).toBe(from);
    expect(report.to).toBe(to);
    const byId = new Map(report.rows.map((r: any) => [r.transaction.transactionId, r]));
    const row = (id: string) => byId.get(id) as any;
    const cents = (m: { cents: number } | null) => (m ? m.cents : null);
    const figures = (id: string) => [cents(row(id).processor), cents(row(id).ledger), cents(row(id).accounting)];

    expect(report.rows.map((r: any) => r.transaction.transactionId)).toEqual([
      clean,
      unposted,
      unbooked,
      edited,
      reversed,
      refund,
    ]);
    expect(figures(clean)).toEqual([10111, 10111, 10111]);
    expect(row(clean).mismatches).toEqual([]);
    expect(figures(unposted)).toEqual([5222, null, null]);
    expect(row(unposted).mismatches).toEqual(['PAID_NOT_POSTED']);
    expect(figures(unbooked)).toEqual([3333, 3333, null]);
    expect(row(unbooked).mismatches).toEqual(['POSTED_NOT_BOOKED']);
    expect(figures(edited)).toEqual([4444, 4444, 4000]);
    expect(row(edited).mismatches).toEqual(['AMOUNT_DIFFERS']);
    expect(row(edited).accountingId).toBe(editedBooking.externalId);
    expect(figures(reversed)).toEqual([0, 6666, 6666]);
    expect(row(reversed).mismatches).toEqual(['BOOKED_NOT_PAID']);
    expect(row(reversed).processorId).toBe(reversedTx.checkout.processorPaymentId);
    expect(figures(refund)).toEqual([1234, null, null]);
    expect(row(refund).transaction.kind).toBe('REFUND');
    expect(row(refund).mismatches).toEqual(['REFUND_NOT_POSTED']);
    expect(row(refund).processorId).toMatch(/^re_/);
    for (const r of report.rows) expect(r.unavailable).toEqual([]);

    // Net per source: collections minus refunds, over the known figures.
    const processor = 10111 + 5222 + 3333 + 4444 + 0 - 1234;
    const ledger = 10111 + 3333 + 4444 + 6666;
    const accounting = 10111 + 4000 + 6666;
    expect(report.totals).toEqual({
      processor: { cents: processor, amount: formatCents(processor) },
      ledger: { cents: ledger, amount: formatCents(ledger) },
      accounting: { cents: accounting, amount: formatCents(accounting) },
    });
    expect(report.totals.processor.amount).toBe('218.76');
    expect(report.mismatchCount).toBe(5);
    expect(report.complete).toBe(true);

    // What it read: one processor read per payment and refund (no batch read exists), the books'
    // entries in one query per entity type booked (SalesReceipts only here), the ledger not at all.
    const stripeReads = t.stripe.requests
      .filter((r) => r.path.startsWith('/v1/'))
      .map((r) => `${r.method} ${r.path.split('/')[2]}`);
    expect(stripeReads.sort()).toEqual([...Array(5).fill('GET payment_intents'), 'GET refunds']);
    const booksReads = qbo.requestsFor(realmId);
    expect(booksReads).toHaveLength(1);
    expect(t.nex.requests).toHaveLength(0);
  });

  it('a void in QuickBooks shows as 0.00 and AMOUNT_DIFFERS, read live; books that cannot be read are unavailable, not a finding', async () => {
    const { from, to } = month();
    const before = (await t.gql(REPORT, { id: SMILE, from, to })).data.practice.reconciliation;
    const clean = before.rows.find((r: any) => r.mismatches.length === 0 && r.transaction.kind === 'COLLECTION');
    qbo.accountant.void(realmId, 'SalesReceipt', clean.accountingId);
    const after = (await t.gql(REPORT, { id: SMILE, from, to })).data.practice.reconciliation;
    const voided = after.rows.find((r: any) => r.transaction.transactionId === clean.transaction.transactionId);
    expect(voided.accounting).toEqual({ cents: 0, amount: '0.00' });
    expect(voided.mismatches).toEqual(['AMOUNT_DIFFERS']);
    expect(after.totals.accounting.cents).toBe(before.totals.accounting.cents - clean.accounting.cents);
    expect(after.mismatchCount).toBe(before.mismatchCount + 1);

    // The books answer 503 to every read: each booked row's figure is unknown, and claims nothing.
    const fault = qbo.addFault({ method: 'GET', path: `/v3/company/${realmId}/query`, status: 503, times: 20 });
    const down = await t.gql(REPORT, { id: SMILE, from, to });
    qbo.faults.clear();
    expect(fault).toBeTruthy();
    expect(down.errors).toBeUndefined();
    const report = down.data.practice.reconciliation;
    expect(report.complete).toBe(false);
    const booked = report.rows.filter((r: any) => r.accountingId !== null);
    expect(booked.length).toBe(3);
    for (const r of booked) {
      expect(r.accounting).toBeNull();
      expect(r.unavailable).toEqual(['ACCOUNTING']);
      expect(r.mismatches).not.toContain('AMOUNT_DIFFERS');
      expect(r.mismatches).not.toContain('BOOKED_NOT_PAID');
    }
    expect(report.totals.accounting.cents).toBe(0);
  });

  it('refuses from after to, and a range past 366 days, with BAD_USER_INPUT and no upstream call', async () => {
    resetLogs();
    const backwards = await t.gql(REPORT, { id: SMILE, from: '2026-07-31', to: '2026-07-01' });
    expect(backwards.data?.practice).toBeNull();
    expect(backwards.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(backwards.errors?.[0]?.message).toMatch(/on or after from/);
    const long = await t.gql(REPORT, { id: SMILE, from: '2025-01-01', to: '2026-01-02' });
    expect(long.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(long.errors?.[0]?.message).toMatch(/at most 366 days, got 367/);
    const notADate = await t.gql(REPORT, { id: SMILE, from: '2026-02-30', to: '2026-03-01' });
    expect(notADate.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(upstreamLogs()).toEqual({ stripe: 0, qbo: 0, nex: 0 });
  });

  it('answers FORBIDDEN for a practice outside the key, reading nothing', async () => {
    resetLogs();
    const { from, to } = month();
    const other = await t.gql(REPORT, { id: 'bright-dentrix', from, to }, KEYS.smile);
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(upstreamLogs()).toEqual({ stripe: 0, qbo: 0, nex: 0 });
  });

  it('a month without collections answers zero totals without an upstream call', async () => {
    resetLogs();
    const { data, errors } = await t.gql(REPORT, { id: SMILE, from: '2020-02-01', to: '2020-02-29' });
    expect(errors).toBeUndefined();
    expect(data.practice.reconciliation).toMatchObject({
      rows: [],
      mismatchCount: 0,
      complete: true,
      totals: { processor: { cents: 0 }, ledger: { cents: 0 }, accounting: { cents: 0 } },
    });
    expect(upstreamLogs()).toEqual({ stripe: 0, qbo: 0, nex: 0 });
  });
});
