/**
 * Two practices booked into one QuickBooks company (the same realm), on PGlite and on PostgreSQL,
 * through the real adapter and simulator: a round of catch-ups (both practices') reads the company's
 * change data capture once (the simulator's request log holds one `/cdc`), stores each practice's
 * voided receipt, and moves both cursors to the read's time; the second practice reads by itself only
 * when its cursor has gone two intervals without moving (the first practice's reads stopped).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountingAdapter } from '../../../src/adapters/accounting/port';
import { createQuickbooksAdapter } from '../../../src/adapters/accounting/quickbooks';
import { readCursors } from '../../../src/flows/booking/accounting-store';
import { getBooking, markBooked } from '../../../src/flows/booking/booking-store';
import { catchUpOnce } from '../../../src/flows/booking/catch-up';
import { BOOKING_DEFAULTS, type BookingContext } from '../../../src/flows/booking/context';
import { QBO_SEEDED_IDS, type QuickBooksSandbox, startQuickBooksSandbox } from '../../../src/sandbox/quickbooks';
import { migrate } from '../../../src/transactions/migrations';
import { connectionFor, RecordingTokens, SMILE as REALM, saleBooking } from '../../adapters/quickbooks/setup';
import { backends, type Database } from './backends';

const FIRST = 'smile-dental';
const SECOND = 'smile-dental-east';

describe.each(backends)('one company, two practices ($name)', (backend) => {
  let db: Database;
  let qbo: QuickBooksSandbox;
  let books: Map<string, AccountingAdapter>;
  let offsetMs = 0;
  let flow: BookingContext;
  const cdcReads = () => qbo.requestsFor(REALM).filter((r) => r.path.endsWith('/cdc')).length;

  /** A COMPLETED collection of `practiceId` booked for real into the shared realm; its receipt id. */
  async function booked(practiceId: string, transactionId: string): Promise<string> {
    const now = flow.ctx.now();
    await db.sql.query(
      `INSERT INTO ledger_transactions (transaction_id, practice_id, kind, amount_cents, currency, patient_source_id,
         idempotency_key, request, created_at, updated_at)
       VALUES ($1, $2, 'COLLECTION', -12550, 'USD', '1016', $1, '{}'::jsonb, $3::timestamptz, $3::timestamptz)`,
      [transactionId, practiceId, now.toISOString()],
    );
    await db.sql.query(`UPDATE ledger_transactions SET status = 'COMPLETED' WHERE transaction_id = $1`, [transactionId]);
    const made = await books
      .get(practiceId)!
      .bookEntry(saleBooking('58', { transactionId, idempotencyKey: transactionId, itemId: QBO_SEEDED_IDS.itemId }));
    if (made.state !== 'BOOKED') throw new Error(`expected the simulator to book ${transactionId}, got ${JSON.stringify(made)}`);
    await markBooked(db.sql, transactionId, { customerId: '58', amount: 12_550, date: '2026-07-30', entry: made.entry }, now);
    return made.entry.ref.id;
  }

  beforeAll(async () => {
    db = await backend.open();
    await migrate(db.sql);
    qbo = await startQuickBooksSandbox();
    // Each practice has its own connection (adapter) to the one realm, as two configured practices would.
    books = new Map(
      [FIRST, SECOND].map((id) => [
        id,
        createQuickbooksAdapter(connectionFor(qbo), { refreshTokens: new RecordingTokens(qbo), retryBaseDelayMs: 1 }),
      ]),
    );
    const log = { info() {}, warn() {}, error() {}, debug() {} };
    flow = {
      ...BOOKING_DEFAULTS,
      ctx: { store: { sql: db.sql }, now: () => new Date(Date.now() + offsetMs), log },
      practices: { all: () => [{ id: FIRST }, { id: SECOND }] },
      books: (id: string) => {
        const adapter = books.get(id);
        return adapter ? { adapter, depositAccountId: '35', itemId: '1', paymentMethodId: null } : null;
      },
      timeZoneOf: () => 'America/New_York',
    } as unknown as BookingContext;
  }, 60_000);
  afterAll(async () => {
    await Promise.all([...(books?.values() ?? [])].map((b) => b.close()));
    await qbo?.close();
    await db?.close();
  });

  it('one change data capture read per round serves both practices; each cursor moves', async () => {
    const first = await booked(FIRST, 'LG:S1');
    const second = await booked(SECOND, 'LG:S2');
    qbo.accountant.void(REALM, 'SalesReceipt', first);
    qbo.accountant.void(REALM, 'SalesReceipt', second);
    const before = cdcReads();

    expect(await catchUpOnce(flow, FIRST)).toEqual({ enqueued: 0, changed: 2 });
    expect(await catchUpOnce(flow, SECOND)).toEqual({ enqueued: 0, changed: 0 });

    expect(cdcReads() - before).toBe(1);
    expect((await getBooking(db.sql, 'LG:S1'))?.books).toMatchObject({ state: 'VOIDED', amount: 0 });
    expect((await getBooking(db.sql, 'LG:S2'))?.books).toMatchObject({ state: 'VOIDED', amount: 0 });
    const cursors = await readCursors(db.sql, [FIRST, SECOND]);
    expect(cursors.get(FIRST)?.since).toBeDefined();
    expect(cursors.get(SECOND)?.since).toBe(cursors.get(FIRST)?.since);
  });

  it('the second practice reads by itself once its cursor went two intervals unmoved, for both', async () => {
    const second = await booked(SECOND, 'LG:S3');
    qbo.accountant.edit(REALM, 'SalesReceipt', second, { amountCents: 10_000 });
    const before = cdcReads();
    // One interval on: the first practice's read still covers the second.
    offsetMs += BOOKING_DEFAULTS.catchUpIntervalMs;
    await catchUpOnce(flow, SECOND);
    expect(cdcReads() - before).toBe(0);
    // Two intervals without the first practice's catch-up: the second reads the company's changes.
    offsetMs += BOOKING_DEFAULTS.catchUpIntervalMs;
    expect((await catchUpOnce(flow, SECOND)).changed).toBeGreaterThanOrEqual(1);
    expect(cdcReads() - before).toBe(1);
    expect((await getBooking(db.sql, 'LG:S3'))?.books).toMatchObject({ state: 'EDITED', amount: 10_000 });
  });
});
