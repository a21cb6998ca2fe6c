/**
 * Gathering a reconciliation's facts on PGlite (the real migrations, bookings made by migration 11's
 * trigger) with fake processor and books adapters that count their calls: which transactions are in
 * the window, what each source says, one `entries` call for every booked entry, and a source that
 * fails leaving its figure UNAVAILABLE instead of failing the report.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountingAdapter, BookedEntryRecord, EntryRef } from '../../../src/adapters/accounting/port';
import type { ProcessorAdapter, ProcessorPaymentRecord, RefundRecord } from '../../../src/adapters/processor/port';
import { markBooked } from '../../../src/flows/booking/booking-store';
import { gatherReconciliation, type ReconciliationSources } from '../../../src/flows/reconciliation/gather';
import { bookingsFor } from '../../../src/flows/booking/booking-store';
import { migrate } from '../../../src/transactions/migrations';
import { createPgliteClient } from '../../../src/transactions/pglite-client';
import type { SqlClient } from '../../../src/transactions/sql-client';

let sql: SqlClient;
const PRACTICE = 'smile-dental';
const DAY = new Date('2026-07-15T15:00:00.000Z');
const WINDOW = { start: new Date('2026-07-01T04:00:00.000Z'), end: new Date('2026-08-01T04:00:00.000Z') };

beforeAll(async () => {
  sql = await createPgliteClient(new PGlite());
  await migrate(sql);
});
afterAll(async () => {
  await sql.close();
});

let seq = 0;
async function transaction(
  kind: 'COLLECTION' | 'REFUND' | 'PAYMENT',
  amount: number,
  at = DAY,
  practiceId = PRACTICE,
): Promise<string> {
  const id = `LG:${++seq}`;
  await sql.query(
    `INSERT INTO ledger_transactions (transaction_id, practice_id, kind, amount_cents, currency, patient_source_id,
       idempotency_key, request, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'USD', '1016', $1, '{}'::jsonb, $5::timestamptz, $5::timestamptz)`,
    [id, practiceId, kind, amount, at.toISOString()],
  );
  return id;
}

async function checkout(transactionId: string, total: number, paymentId: string | null) {
  await sql.query(
    `INSERT INTO checkouts (transaction_id, practice_id, processor, lines, total_cents, currency, payment_type_id, expires_at,
       pay_token_hash, payment_id, amount_paid_cents, status, created_at, updated_at)
     VALUES ($1, $2, 'STRIPE', '[]'::jsonb, $3, 'USD', '503', $4::timestamptz, $1, $5, $6, $7, $4::timestamptz, $4::timestamptz)`,
    [transactionId, PRACTICE, total, DAY.toISOString(), paymentId, paymentId ? total : 0, paymentId ? 'PAID' : 'OPEN'],
  );
}

async function refund(transactionId: string, of: string, amount: number, refundId: string | null, state: string) {
  await sql.query(
    `INSERT INTO checkout_refunds (transaction_id, refund_of, amount_cents, processor_refund_id, state, created_at)
     VALUES ($1, $2, $3, $4, $5, $6::timestamptz)`,
    [transactionId, of, amount, refundId, state, DAY.toISOString()],
  );
}

/** COMPLETED with the ledger rows the posting made (the booking trigger then makes a PENDING booking). */
async function complete(transactionId: string, rowAmounts: number[]) {
  const payments = rowAmounts.map((amount, i) => ({ sourceId: `${transactionId}-${i}`, amount }));
  await sql.query(
    `UPDATE ledger_transactions SET status = 'COMPLETED', records = $2::jsonb, updated_at = $3::timestamptz WHERE transaction_id = $1`,
    [transactionId, JSON.stringify({ payments, adjustments: [] }), DAY.toISOString()],
  );
}

async function book(transactionId: string, kind: 'SALE' | 'REFUND', id: string, amount: number) {
  const entry: BookedEntryRecord = {
    ref: { kind, id },
    customerId: '58',
    amount,
    date: '2026-07-15',
    transactionId,
    voided: false,
    version: '0',
    updatedAt: null,
  };
  expect(await markBooked(sql, transactionId, { customerId: '58', amount, date: '2026-07-15', entry }, DAY)).not.toBeNull();
}

function fakeProcessor(
  payments: Record<string, Partial<ProcessorPaymentRecord> | Error>,
  refunds: Record<string, Partial<RefundRecord>>,
) {
  const calls: string[] = [];
  const adapter = {
    system: 'STRIPE',
    async getPayment(id: string) {
      calls.push(`payment ${id}`);
      const p = payments[id];
      if (!p || p instanceof Error) throw p ?? new Error(`no payment ${id}`);
      return { id, status: 'SUCCEEDED', amountReceived: 0, ...p } as ProcessorPaymentRecord;
    },
    async getRefund(id: string) {
      calls.push(`refund ${id}`);
      return { id, status: 'SUCCEEDED', amount: 0, ...refunds[id] } as RefundRecord;
    },
  } as unknown as ProcessorAdapter;
  return { adapter, calls };
}

function fakeBooks(entries: Record<string, Partial<BookedEntryRecord> | null | Error>) {
  const calls: EntryRef[][] = [];
  const adapter = {
    async entries(refs: readonly EntryRef[]) {
      calls.push([...refs]);
      return refs.map((ref) => {
        const e = entries[`${ref.kind}:${ref.id}`];
        if (e === null || e instanceof Error) return e;
        return {
          ref,
          customerId: '58',
          amount: 0,
          date: null,
          transactionId: null,
          voided: false,
          version: '1',
          updatedAt: null,
          ...e,
        };
      });
    },
  } as unknown as AccountingAdapter;
  return { adapter, calls };
}

describe('gatherReconciliation', () => {
  it('reads each source once per movement, the books in one call, and keeps the window and the practice', async () => {
    // A collection paid, posted and booked; one paid and not posted; a refund posted and booked, one
    // given back in the processor's dashboard (no refund id), an open checkout never paid.
    const a = await transaction('COLLECTION', -5000);
    await checkout(a, 5000, 'pi_a');
    await complete(a, [-3000, -2000]);
    await book(a, 'SALE', '101', 5000);
    const b = await transaction('COLLECTION', -2500);
    await checkout(b, 2500, 'pi_b');
    const r = await transaction('REFUND', 1000);
    await refund(r, a, 1000, 're_r', 'REFUNDED');
    await complete(r, [1000]);
    await book(r, 'REFUND', '7', 1000);
    const dash = await transaction('REFUND', 500);
    await refund(dash, a, 500, null, 'REFUNDED');
    const open = await transaction('COLLECTION', -900);
    await checkout(open, 900, null);
    // Out of the report: another month, another practice, a plain payment, a card collection without a checkout.
    await checkout(await transaction('COLLECTION', -100, new Date('2026-08-01T04:00:00.000Z')), 100, 'pi_late');
    await transaction('COLLECTION', -100, DAY, 'northside');
    await transaction('PAYMENT', -100);
    await complete(await transaction('COLLECTION', -700), [-700]);

    const processor = fakeProcessor(
      { pi_a: { amountReceived: 5000 }, pi_b: { status: 'CANCELED', amountReceived: 0 } },
      { re_r: { amount: 1000 } },
    );
    const books = fakeBooks({ 'SALE:101': { amount: 4500, transactionId: a }, 'REFUND:7': null });
    const sources: ReconciliationSources = {
      sql,
      processor: processor.adapter,
      books: books.adapter,
      bookings: (ids) => bookingsFor(sql, PRACTICE, ids),
    };
    const gathered = await gatherReconciliation(sources, PRACTICE, WINDOW);

    expect(gathered.map((g) => g.facts)).toEqual([
      {
        transactionId: a,
        kind: 'COLLECTION',
        currency: 'USD',
        processor: { state: 'SUCCEEDED', id: 'pi_a', amount: 5000 },
        ledger: { state: 'POSTED', amount: 5000 },
        accounting: { state: 'BOOKED', id: '101', amount: 4500, voided: false, transactionId: a },
      },
      {
        transactionId: b,
        kind: 'COLLECTION',
        currency: 'USD',
        processor: { state: 'NOT_SUCCEEDED', id: 'pi_b' },
        ledger: { state: 'NOT_POSTED' },
        accounting: { state: 'NOT_BOOKED' },
      },
      {
        transactionId: r,
        kind: 'REFUND',
        currency: 'USD',
        processor: { state: 'SUCCEEDED', id: 're_r', amount: 1000 },
        ledger: { state: 'POSTED', amount: 1000 },
        accounting: { state: 'DELETED', id: '7' },
      },
      {
        transactionId: dash,
        kind: 'REFUND',
        currency: 'USD',
        processor: { state: 'SUCCEEDED', id: null, amount: 500 },
        ledger: { state: 'NOT_POSTED' },
        accounting: { state: 'NOT_BOOKED' },
      },
      {
        transactionId: open,
        kind: 'COLLECTION',
        currency: 'USD',
        processor: { state: 'NONE' },
        ledger: { state: 'NOT_POSTED' },
        accounting: { state: 'NOT_BOOKED' },
      },
    ]);
    expect(processor.calls.sort()).toEqual(['payment pi_a', 'payment pi_b', 'refund re_r']);
    expect(books.calls).toEqual([
      [
        { kind: 'SALE', id: '101' },
        { kind: 'REFUND', id: '7' },
      ],
    ]);
  });

  it('a processor or books read that fails leaves that figure UNAVAILABLE; no books configured: NOT_CONFIGURED, no call', async () => {
    const c = await transaction('COLLECTION', -1200, new Date('2026-09-10T12:00:00.000Z'));
    await checkout(c, 1200, 'pi_c');
    await complete(c, [-1200]);
    await book(c, 'SALE', '300', 1200);
    const window = { start: new Date('2026-09-01T00:00:00Z'), end: new Date('2026-10-01T00:00:00Z') };
    const processor = fakeProcessor({ pi_c: new Error('503 from the processor') }, {});
    const books = fakeBooks({ 'SALE:300': new Error('the books did not answer') });
    const sources: ReconciliationSources = {
      sql,
      processor: processor.adapter,
      books: books.adapter,
      bookings: (ids) => bookingsFor(sql, PRACTICE, ids),
    };
    const [failing] = await gatherReconciliation(sources, PRACTICE, window);
    expect(failing!.facts.processor).toEqual({ state: 'UNAVAILABLE', id: 'pi_c' });
    expect(failing!.facts.accounting).toEqual({ state: 'UNAVAILABLE', id: '300' });

    const noBooks = await gatherReconciliation({ ...sources, books: null }, PRACTICE, window);
    expect(noBooks[0]!.facts.accounting).toEqual({ state: 'NOT_CONFIGURED' });
    expect(books.calls).toHaveLength(1);

    // The practice now collects through another processor: its old payments cannot be read with it.
    const square = { ...processor.adapter, system: 'SQUARE' } as ProcessorAdapter;
    const other = await gatherReconciliation({ ...sources, processor: square }, PRACTICE, window);
    expect(other[0]!.facts.processor).toEqual({ state: 'UNAVAILABLE', id: 'pi_c' });
    expect(processor.calls).toEqual(['payment pi_c', 'payment pi_c']); // the first two reports; none with Square
  });

  it('an empty window reads nothing upstream', async () => {
    const processor = fakeProcessor({}, {});
    const books = fakeBooks({});
    const gathered = await gatherReconciliation(
      { sql, processor: processor.adapter, books: books.adapter, bookings: (ids) => bookingsFor(sql, PRACTICE, ids) },
      PRACTICE,
      { start: new Date('2020-01-01T00:00:00Z'), end: new Date('2020-02-01T00:00:00Z') },
    );
    expect(gathered).toEqual([]);
    expect(processor.calls).toEqual([]);
    expect(books.calls).toEqual([]);
  });
});
