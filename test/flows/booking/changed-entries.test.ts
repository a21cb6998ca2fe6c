/**
 * Change data capture stored (`applyChangedEntries`, the catch-up's second half) on PGlite and on
 * PostgreSQL: an edited, a voided and a deleted entry the gateway booked are stored as the books hold
 * them; an entry it did not book, and one whose booking is not BOOKED yet, change nothing. The whole
 * batch is two queries (find the bookings, store the reads), whatever its size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookedEntryRecord } from '../../../src/adapters/accounting/port';
import { getBooking, markBooked } from '../../../src/flows/booking/booking-store';
import type { BookingContext } from '../../../src/flows/booking/context';
import { applyChangedEntries } from '../../../src/flows/booking/events';
import { migrate } from '../../../src/transactions/migrations';
import type { SqlClient } from '../../../src/transactions/sql-client';
import { backends, type Database } from './backends';

const T0 = new Date('2026-07-30T15:00:00.000Z');
const PRACTICE = 'smile-dental';

const entry = (
  kind: 'SALE' | 'REFUND',
  id: string,
  amount: number,
  extra: Partial<BookedEntryRecord> = {},
): BookedEntryRecord => ({
  ref: { kind, id },
  customerId: '58',
  amount,
  date: '2026-07-30',
  transactionId: 'LG:x',
  voided: false,
  version: '0',
  updatedAt: null,
  ...extra,
});

describe.each(backends)('change data capture stored ($name)', (backend) => {
  let db: Database;
  let queries = 0;
  let flow: BookingContext;

  /** A COMPLETED transaction whose booking the books took as entry `externalId` (or left PENDING: null). */
  async function booked(id: string, kind: 'COLLECTION' | 'REFUND', externalId: string | null) {
    await db.sql.query(
      `INSERT INTO ledger_transactions (transaction_id, practice_id, kind, amount_cents, currency, patient_source_id,
         idempotency_key, request, created_at, updated_at)
       VALUES ($1, $2, $3, -12500, 'USD', '1016', $1, '{}'::jsonb, $4::timestamptz, $4::timestamptz)`,
      [id, PRACTICE, kind, T0.toISOString()],
    );
    await db.sql.query(`UPDATE ledger_transactions SET status = 'COMPLETED' WHERE transaction_id = $1`, [id]);
    if (externalId === null) return;
    const entryKind = kind === 'REFUND' ? 'REFUND' : 'SALE';
    const made = await markBooked(
      db.sql,
      id,
      { customerId: '58', amount: 12_500, date: '2026-07-30', entry: entry(entryKind, externalId, 12_500) },
      T0,
    );
    expect(made?.status).toBe('BOOKED');
  }

  beforeAll(async () => {
    db = await backend.open();
    await migrate(db.sql);
    // Counts the flow's queries only: the test's own setup goes to db.sql directly.
    const counted = new Proxy(db.sql, {
      get(target, prop, receiver) {
        if (prop === 'query') {
          return (...args: Parameters<SqlClient['query']>) => {
            queries++;
            return target.query(...args);
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    flow = { ctx: { store: { sql: counted }, now: () => new Date(T0.getTime() + 60_000) } } as unknown as BookingContext;
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  it('stores what the books hold of the entries it booked, in two queries for the batch', async () => {
    await booked('LG:1', 'COLLECTION', '130');
    await booked('LG:2', 'COLLECTION', '131');
    await booked('LG:3', 'REFUND', '40');
    await booked('LG:4', 'COLLECTION', null);
    await booked('LG:5', 'COLLECTION', '132');
    queries = 0;
    const applied = await applyChangedEntries(
      flow,
      PRACTICE,
      [
        entry('SALE', '130', 10_000, { version: '1' }),
        entry('SALE', '131', 0, { version: '3', voided: true }),
        // Not the gateway's: another app's sale, and a refund id that is one of our sale ids.
        entry('SALE', '999', 5_000),
        entry('REFUND', '132', 1_000),
        entry('SALE', '132', 12_500, { version: '2' }),
      ],
      [{ kind: 'REFUND', id: '40' }],
      flow.ctx.now(),
    );
    expect(queries).toBe(2);
    expect(applied).toBe(4);
    expect((await getBooking(db.sql, 'LG:1'))?.books).toMatchObject({ state: 'EDITED', amount: 10_000, version: '1' });
    expect((await getBooking(db.sql, 'LG:2'))?.books).toMatchObject({ state: 'VOIDED', amount: 0, version: '3' });
    expect((await getBooking(db.sql, 'LG:3'))?.books).toMatchObject({ state: 'DELETED', amount: null, version: '0' });
    expect((await getBooking(db.sql, 'LG:4'))?.status).toBe('PENDING');
    expect((await getBooking(db.sql, 'LG:5'))?.books).toMatchObject({ state: 'CURRENT', amount: 12_500, version: '2' });
  });

  it('an empty batch asks the store nothing', async () => {
    queries = 0;
    expect(await applyChangedEntries(flow, PRACTICE, [], [], flow.ctx.now())).toBe(0);
    expect(queries).toBe(0);
  });
});
