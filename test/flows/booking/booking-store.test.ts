/**
 * The booking store (migration 11) on PGlite: the trigger makes one PENDING booking in the SQL
 * transaction that completes a COLLECTION or REFUND (and none for other kinds or other statuses),
 * the status only moves forward, and the reconciliation's read API answers what was booked and what
 * the books hold as last read.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookedEntryRecord } from '../../../src/adapters/accounting/port';
import {
  claimEvent,
  customerOf,
  readCursor,
  remapCustomer,
  saveCursor,
  saveCustomer,
} from '../../../src/flows/booking/accounting-store';
import {
  bookingByEntry,
  bookingsBetween,
  bookingsFor,
  getBooking,
  markBooked,
  markFailed,
  markRereadPending,
  openBookings,
  recordBooksRead,
  recordBooksReads,
} from '../../../src/flows/booking/booking-store';
import { migrate } from '../../../src/transactions/migrations';
import { createPgliteClient } from '../../../src/transactions/pglite-client';
import type { SqlClient } from '../../../src/transactions/sql-client';

let sql: SqlClient;
const T0 = new Date('2026-07-30T15:00:00.000Z');

beforeAll(async () => {
  sql = await createPgliteClient(new PGlite());
  await migrate(sql);
});
afterAll(async () => {
  await sql.close();
});

async function insertTransaction(id: string, kind: string, practiceId = 'smile-dental') {
  await sql.query(
    `INSERT INTO ledger_transactions (transaction_id, practice_id, kind, amount_cents, currency, patient_source_id,
       idempotency_key, request, created_at, updated_at)
     VALUES ($1, $2, $3, -12500, 'USD', '1016', $1, '{}'::jsonb, $4::timestamptz, $4::timestamptz)`,
    [id, practiceId, kind, T0.toISOString()],
  );
}

async function complete(id: string, at: Date) {
  await sql.query(`UPDATE ledger_transactions SET status = 'COMPLETED', updated_at = $2::timestamptz WHERE transaction_id = $1`, [
    id,
    at.toISOString(),
  ]);
}

const entry = (id: string, amount: number, extra: Partial<BookedEntryRecord> = {}): BookedEntryRecord => ({
  ref: { kind: 'SALE', id },
  customerId: '58',
  amount,
  date: '2026-07-30',
  transactionId: 'LG:1',
  voided: false,
  version: '0',
  updatedAt: null,
  ...extra,
});

describe('bookings', () => {
  it('a COMPLETED collection or refund gets one PENDING booking from the completing statement; nothing else does', async () => {
    await insertTransaction('LG:1', 'COLLECTION');
    await insertTransaction('LG:2', 'REFUND');
    await insertTransaction('LG:3', 'PAYMENT');
    await insertTransaction('LG:4', 'COLLECTION');
    expect(await getBooking(sql, 'LG:1')).toBeNull();
    const at = new Date(T0.getTime() + 60_000);
    await complete('LG:1', at);
    await complete('LG:2', at);
    await complete('LG:3', at);
    await sql.query(`UPDATE ledger_transactions SET status = 'SUBMITTED' WHERE transaction_id = 'LG:4'`);
    expect(await getBooking(sql, 'LG:1')).toMatchObject({ kind: 'SALE', status: 'PENDING', completedAt: at.toISOString() });
    expect(await getBooking(sql, 'LG:2')).toMatchObject({ kind: 'REFUND', status: 'PENDING' });
    expect(await getBooking(sql, 'LG:3')).toBeNull();
    expect(await getBooking(sql, 'LG:4')).toBeNull();
    // A rolled-back completion leaves no booking.
    await sql
      .transaction(async (tx) => {
        await tx.query(`UPDATE ledger_transactions SET status = 'COMPLETED' WHERE transaction_id = 'LG:4'`);
        throw new Error('rolled back');
      })
      .catch(() => {});
    expect(await getBooking(sql, 'LG:4')).toBeNull();
  });

  it('FAILED keeps the error, BOOKED is final, and what the books hold is recorded per read', async () => {
    const now = new Date(T0.getTime() + 120_000);
    expect(await markFailed(sql, 'LG:1', { error: 'company inactive', code: '6190' }, now)).toMatchObject({
      status: 'FAILED',
      error: 'company inactive',
      errorCode: '6190',
    });
    const booked = await markBooked(
      sql,
      'LG:1',
      { customerId: '58', amount: 12_500, date: '2026-07-30', entry: entry('130', 12_500) },
      now,
    );
    expect(booked).toMatchObject({ status: 'BOOKED', externalId: '130', error: null, bookedAmount: 12_500 });
    expect(booked?.books).toMatchObject({ state: 'CURRENT', amount: 12_500, version: '0', rereadPending: false });
    // Never failed or booked again once BOOKED.
    expect(await markFailed(sql, 'LG:1', { error: 'late', code: null }, now)).toBeNull();
    expect(
      await markBooked(sql, 'LG:1', { customerId: '58', amount: 1, date: '2026-07-30', entry: entry('131', 1) }, now),
    ).toBeNull();
    const row = (await bookingByEntry(sql, 'smile-dental', 'SALE', '130'))!;
    expect(row.transactionId).toBe('LG:1');
    expect((await recordBooksRead(sql, row, entry('130', 10_000, { version: '1' }), now))?.books).toMatchObject({
      state: 'EDITED',
      amount: 10_000,
      version: '1',
    });
    expect((await recordBooksRead(sql, row, entry('130', 0, { version: '2', voided: true }), now))?.books).toMatchObject({
      state: 'VOIDED',
      amount: 0,
    });
    expect((await recordBooksRead(sql, row, null, now))?.books).toMatchObject({ state: 'DELETED', amount: null, version: '2' });
  });

  it('the read API: between two instants, by ids (of the practice only), and what is still open', async () => {
    const from = T0;
    const to = new Date(T0.getTime() + 3_600_000);
    expect((await bookingsBetween(sql, 'smile-dental', from, to)).map((b) => b.transactionId)).toEqual(['LG:1', 'LG:2']);
    expect(await bookingsBetween(sql, 'smile-dental', to, new Date(to.getTime() + 1))).toEqual([]);
    expect(await bookingsBetween(sql, 'northside', from, to)).toEqual([]);
    const some = await bookingsFor(sql, 'smile-dental', ['LG:2', 'LG:3']);
    expect([...some.keys()]).toEqual(['LG:2']);
    expect((await bookingsFor(sql, 'northside', ['LG:2'])).size).toBe(0);
    expect((await openBookings(sql, 'smile-dental', T0)).map((b) => b.transactionId)).toEqual(['LG:2']);
    expect(await openBookings(sql, 'smile-dental', to)).toEqual([]);
  });

  it('customers, the cursor and events', async () => {
    const now = T0;
    expect(await customerOf(sql, 'smile-dental', '1016')).toBeNull();
    await saveCustomer(sql, 'smile-dental', '1016', '60', now);
    await saveCustomer(sql, 'smile-dental', '1017', '60', now);
    expect(await customerOf(sql, 'smile-dental', '1016')).toBe('60');
    expect(await remapCustomer(sql, 'smile-dental', '60', '58', now)).toBe(2);
    expect(await customerOf(sql, 'smile-dental', '1017')).toBe('58');
    expect(await readCursor(sql, 'smile-dental')).toBeNull();
    await saveCursor(sql, 'smile-dental', '2026-07-30T15:00:00.000Z', now);
    await saveCursor(sql, 'smile-dental', '2026-07-30T14:00:00.000Z', now);
    expect(await readCursor(sql, 'smile-dental')).toBe('2026-07-30T15:00:00.000Z');
    expect(await claimEvent(sql, 'smile-dental', 'ev-1', now)).toBe(true);
    expect(await claimEvent(sql, 'smile-dental', 'ev-1', now)).toBe(false);
    expect(await claimEvent(sql, 'northside', 'ev-1', now)).toBe(true);
  });
});

describe('a re-read overlapping an event or another read', () => {
  const at = (s: number) => new Date(T0.getTime() + 600_000 + s * 1_000);
  async function bookedRow(id: string, externalId: string) {
    await insertTransaction(id, 'COLLECTION', 'race-dental');
    await complete(id, at(0));
    await markBooked(sql, id, { customerId: '58', amount: 12_500, date: '2026-07-30', entry: entry(externalId, 12_500) }, at(0));
    return (await getBooking(sql, id))!;
  }

  it('keeps a mark made after the read began, and clears one the read covers', async () => {
    const covered = await bookedRow('LG:20', '220');
    const newer = await bookedRow('LG:21', '221');
    await markRereadPending(sql, 'LG:20', at(1));
    await markRereadPending(sql, 'LG:21', at(1));
    // The read begins at 2; an event marks LG:21 again at 3, while the read runs; it ends at 4.
    await markRereadPending(sql, 'LG:21', at(3));
    const stored = await recordBooksReads(
      sql,
      [
        { booking: covered, entry: entry('220', 10_000, { version: '1' }) },
        { booking: newer, entry: entry('221', 12_500, { version: '1' }) },
      ],
      at(4),
      at(2),
    );
    expect(stored.map((b) => [b.transactionId, b.books?.rereadPending])).toEqual(
      expect.arrayContaining([
        ['LG:20', false],
        ['LG:21', true],
      ]),
    );
    // What the read saw is stored either way; the newer mark's own re-read follows.
    expect((await getBooking(sql, 'LG:21'))?.books).toMatchObject({ state: 'CURRENT', version: '1', rereadPending: true });
  });

  it('never overwrites a read that finished after this one began', async () => {
    const row = await bookedRow('LG:22', '222');
    // Read B began at 5 and stored the voided entry at 6; read A, begun at 4 (before B), ends at 7.
    await recordBooksReads(sql, [{ booking: row, entry: entry('222', 0, { version: '3', voided: true }) }], at(6), at(5));
    const late = await recordBooksReads(sql, [{ booking: row, entry: entry('222', 12_500, { version: '2' }) }], at(7), at(4));
    expect(late).toEqual([]);
    expect((await getBooking(sql, 'LG:22'))?.books).toMatchObject({ state: 'VOIDED', amount: 0, version: '3' });
    // A read begun after B finished is stored.
    const next = await recordBooksReads(
      sql,
      [{ booking: row, entry: entry('222', 0, { version: '4', voided: true }) }],
      at(9),
      at(8),
    );
    expect(next.map((b) => b.books?.version)).toEqual(['4']);
  });
});
