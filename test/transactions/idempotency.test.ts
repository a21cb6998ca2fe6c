import { afterEach, describe, expect, it } from 'vitest';
import { IdempotencyConflict } from '../../src/transactions/errors';
import { idempotencyKeyHash } from '../../src/transactions/idempotency-key-hash';
import { harness, paymentInput, PRACTICE, type Harness } from './harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('idempotent ledger writes', () => {
  it('stores the row before submitting, and returns it SUBMITTED after the first attempt', async () => {
    h = await harness();
    const row = await h.service.createLedgerTransaction(paymentInput());
    expect(row).toMatchObject({
      practiceId: PRACTICE,
      transactionId: 'LG:1000',
      kind: 'PAYMENT',
      status: 'SUBMITTED',
      amount: -5000,
      failureReason: null,
      patientSourceId: '42',
      idempotencyKeyHash: idempotencyKeyHash(PRACTICE, 'key-1'),
      receiptId: null,
    });
    expect(h.upstream.submitCalls).toBe(1);
    expect(h.upstream.accepted.get('LG:1000')).toMatchObject({ transactionId: 'LG:1000', amount: -5000 });
    expect((await h.store.findById('LG:1000'))?.attempts).toBe(1);
  });

  it('replays: the same key and input return the same row with one upstream call', async () => {
    h = await harness();
    const first = await h.service.createLedgerTransaction(paymentInput());
    const again = await h.service.createLedgerTransaction(paymentInput());
    expect(again.transactionId).toBe(first.transactionId);
    expect(again.status).toBe('SUBMITTED');
    expect(h.upstream.submitCalls).toBe(1);
    expect(await h.service.listByPractice(PRACTICE)).toHaveLength(1);
  });

  it('converges 10 racing identical requests on one row and one upstream call', async () => {
    h = await harness();
    const rows = await Promise.all(Array.from({ length: 10 }, () => h.service.createLedgerTransaction(paymentInput())));
    expect(new Set(rows.map((r) => r.transactionId)).size).toBe(1);
    expect(h.upstream.submitCalls).toBe(1);
    expect(h.upstream.accepted.size).toBe(1);
    expect(await h.service.listByPractice(PRACTICE)).toHaveLength(1);
  });

  it('refuses the same key with a different input, writing nothing', async () => {
    h = await harness();
    const first = await h.service.createLedgerTransaction(paymentInput('key-1', -5000));
    const error = await h.service.createLedgerTransaction(paymentInput('key-1', -6000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyConflict);
    expect(error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', existingTransactionId: first.transactionId });
    expect(h.upstream.submitCalls).toBe(1);
    const rows = await h.service.listByPractice(PRACTICE);
    expect(rows.map((r) => r.transactionId)).toEqual([first.transactionId]);
    expect(rows[0]!.amount).toBe(-5000);
  });

  it('scopes keys per practice and gives different keys different transactions', async () => {
    h = await harness();
    const a = await h.service.createLedgerTransaction(paymentInput('key-a'));
    const b = await h.service.createLedgerTransaction(paymentInput('key-b'));
    expect(a.transactionId).not.toBe(b.transactionId);
    expect(h.upstream.submitCalls).toBe(2);
    expect(await h.service.get('other-practice', a.transactionId)).toBeNull();
  });

  it('keeps keys for the retention, then prunes them (a later reuse is a new transaction)', async () => {
    h = await harness({ idempotencyRetentionMs: 24 * 3_600_000 });
    const first = await h.service.createLedgerTransaction(paymentInput());
    h.clock.advance(23 * 3_600_000);
    await h.service.tick();
    expect((await h.service.createLedgerTransaction(paymentInput())).transactionId).toBe(first.transactionId);
    h.clock.advance(2 * 3_600_000);
    await h.service.tick();
    const later = await h.service.createLedgerTransaction(paymentInput());
    expect(later.transactionId).not.toBe(first.transactionId);
    // the old transaction itself is kept
    expect(await h.service.get(PRACTICE, first.transactionId)).not.toBeNull();
  });

  it('refuses a retention under 24 hours and bad input before storing anything', async () => {
    h = await harness();
    expect(() => h.newService({ idempotencyRetentionMs: 3_600_000 })).toThrow(/24 hours/);
    const bad = paymentInput();
    bad.write.amount = 0.5;
    await expect(h.service.createLedgerTransaction(bad)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(h.service.createLedgerTransaction({ ...paymentInput(), practiceId: 'no-such-practice' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    expect(await h.service.listByPractice(PRACTICE)).toHaveLength(0);
  });
});
