/**
 * Writes that may have landed are never FAILED by the clock (`src/transactions/attention.ts`): past
 * the 48 h deadline a SUBMITTED write keeps its status, gets `attention`, and is looked up on the
 * slower calendar until its window ends; a PENDING write past its submit deadline fails only when no
 * attempt was ever started. Small timings here (the defaults are 48 h, hourly to 7 days, daily to 30).
 */
import { PGlite } from '@electric-sql/pglite';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_ANSWER_ATTENTION } from '../../src/transactions/attention';
import { migrate, MIGRATIONS } from '../../src/transactions/migrations';
import { createPgliteClient } from '../../src/transactions/pglite-client';
import { SqlTransactionStore } from '../../src/transactions/store';
import { SimulatedCrash } from './fakes';
import { drainNow, harness, paymentInput, PRACTICE, type Harness } from './harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const MIN = 60_000;
/** Attention after 60 s; looked up every minute until the write is 10 min old, every 5 min until 30 min. */
const TIMINGS = {
  pollDeadlineMs: MIN,
  attentionPollSchedule: [
    { untilMs: 10 * MIN, everyMs: MIN },
    { untilMs: 30 * MIN, everyMs: 5 * MIN },
  ],
};

/** Advance the clock by `ms` and run what is due. */
async function at(ms: number) {
  h.clock.advance(ms);
  await h.service.tick();
}

describe('a SUBMITTED write with no answer', () => {
  it('keeps SUBMITTED with attention past the deadline, is looked up on the calendar, then no more', async () => {
    h = await harness(TIMINGS);
    const events = h.bus.subscribe({ practiceId: PRACTICE });
    const row = await h.service.createLedgerTransaction(paymentInput());
    await at(30_000); // pollAfterMs: first look-up
    await at(30_000); // the deadline: no FAILED, attention
    expect(await h.service.get(PRACTICE, row.transactionId)).toMatchObject({
      status: 'SUBMITTED',
      failureReason: null,
      attention: NO_ANSWER_ATTENTION,
      resolution: null,
    });
    expect(h.upstream.findCalls).toBe(2);
    // The attention is announced like a status change (subscribers re-read the row).
    expect((await drainNow(events)).map((e) => e.transactionId)).toEqual([
      row.transactionId,
      row.transactionId,
      row.transactionId,
    ]);

    await at(30_000);
    expect(h.upstream.findCalls).toBe(2); // not before a minute
    await at(30_000);
    expect(h.upstream.findCalls).toBe(3);
    // Age 10 min onwards: every 5 minutes.
    for (let i = 0; i < 8; i++) await at(MIN);
    expect(h.upstream.findCalls).toBe(11);
    await at(MIN); // 11 min: within the 5-minute step
    expect(h.upstream.findCalls).toBe(11);
    await at(4 * MIN);
    expect(h.upstream.findCalls).toBe(12);
    // The window ends at 30 min: one last look-up then, none after; the attention stays.
    for (let i = 0; i < 10; i++) await at(5 * MIN);
    const calls = h.upstream.findCalls;
    await at(24 * 60 * MIN);
    expect(h.upstream.findCalls).toBe(calls);
    expect(await h.service.get(PRACTICE, row.transactionId)).toMatchObject({
      status: 'SUBMITTED',
      attention: NO_ANSWER_ATTENTION,
    });
    // A restart does not give the row a poll job again (no look-up per start for old rows).
    const restarted = h.newService(TIMINGS);
    await restarted.start();
    await restarted.tick();
    expect(h.upstream.findCalls).toBe(calls);
  });

  it('completes when a look-up finds it landed after the deadline, and the attention clears', async () => {
    h = await harness(TIMINGS);
    const row = await h.service.createLedgerTransaction(paymentInput());
    await at(30_000);
    await at(30_000);
    expect((await h.service.get(PRACTICE, row.transactionId))?.attention).toBe(NO_ANSWER_ATTENTION);
    const records = h.upstream.land(row.transactionId);
    await at(MIN);
    expect(await h.service.get(PRACTICE, row.transactionId)).toMatchObject({
      status: 'COMPLETED',
      records,
      attention: null,
      failureReason: null,
    });
  });

  it('a failing look-up is no answer either: attention after the deadline, still looked up', async () => {
    h = await harness(TIMINGS);
    const row = await h.service.createLedgerTransaction(paymentInput());
    h.upstream.findFails = true;
    await at(30_000);
    await at(30_000);
    expect(await h.service.get(PRACTICE, row.transactionId)).toMatchObject({
      status: 'SUBMITTED',
      attention: NO_ANSWER_ATTENTION,
    });
    h.upstream.findFails = false;
    h.upstream.land(row.transactionId);
    await at(MIN);
    expect((await h.service.get(PRACTICE, row.transactionId))?.status).toBe('COMPLETED');
  });
});

describe('a PENDING write past its submit deadline', () => {
  it('FAILS when no attempt was ever started: provably nothing went upstream', async () => {
    h = await harness({ submitDeadlineMs: 10 * MIN });
    const crashing = h.newService({
      hooks: {
        afterStore: () => {
          throw new SimulatedCrash();
        },
      },
    });
    await expect(crashing.createLedgerTransaction(paymentInput())).rejects.toBeInstanceOf(SimulatedCrash);
    h.clock.advance(10 * MIN);
    await h.service.tick();
    expect(await h.store.findById('LG:1000')).toMatchObject({ status: 'FAILED', attention: null });
    expect((await h.store.findById('LG:1000'))?.failureReason).toMatch(/nothing was sent/);
    expect(h.upstream.submitCalls).toBe(0);
  });

  it('after attempts that may have reached the upstream: SUBMITTED with attention, never posted again', async () => {
    h = await harness({ ...TIMINGS, submitDeadlineMs: 10 * MIN, submitRetryDelaysMs: [MIN] });
    h.upstream.script.push(...Array.from({ length: 20 }, () => 'unavailable' as const));
    await h.service.createLedgerTransaction(paymentInput());
    for (let i = 0; i < 9; i++) await at(MIN);
    const posts = h.upstream.submitCalls;
    expect(posts).toBeGreaterThan(1);
    expect((await h.store.findById('LG:1000'))?.status).toBe('PENDING');
    await at(MIN); // 10 min: the deadline; the look-up finds nothing (yet)
    expect(await h.store.findById('LG:1000')).toMatchObject({ status: 'SUBMITTED', attention: NO_ANSWER_ATTENTION });
    expect(h.upstream.submitCalls).toBe(posts);
    // It is looked up from now on, never posted.
    const finds = h.upstream.findCalls;
    await at(MIN);
    expect(h.upstream.findCalls).toBeGreaterThan(finds);
    expect(h.upstream.submitCalls).toBe(posts);
  });
});

describe('migration 3 (attention and resolution columns)', () => {
  it('upgrades a store written at version 1, keeping its rows (a gap before 3 is applied in order, not refused)', async () => {
    const client = await createPgliteClient(new PGlite());
    try {
      expect(
        await migrate(
          client,
          MIGRATIONS.filter((m) => m.version === 1),
        ),
      ).toEqual([1]);
      const store = new SqlTransactionStore(client);
      const { write, ...key } = paymentInput();
      await store.createTransaction({
        ...key,
        transactionIdPrefix: 'LG',
        kind: 'PAYMENT',
        amount: write.amount,
        currency: 'USD',
        patientSourceId: write.patientSourceId,
        request: { kind: 'PAYMENT', write },
        now: new Date('2030-01-01T00:00:00Z'),
      });
      const applied = await migrate(client);
      expect(applied).toContain(3);
      expect(applied).not.toContain(1);
      const rows = await store.listByPractice(PRACTICE);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ attention: null, resolution: null });
      // A resolution must be whole and match the status (a CHECK, besides the code).
      await expect(
        client.query(`UPDATE ledger_transactions SET resolution_outcome = 'FAILED' WHERE practice_id = $1`, [PRACTICE]),
      ).rejects.toThrow(/resolution_complete/);
    } finally {
      await client.close();
    }
  });
});
