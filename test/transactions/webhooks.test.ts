import { afterEach, describe, expect, it } from 'vitest';
import type { InsertionEvent } from '../../src/adapters/ledger/port';
import { recordsFor } from './fakes';
import { drainNow, harness, paymentInput, PRACTICE, type Harness } from './harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function completed(transactionId: string, eventKey: string, withRecords = true): InsertionEvent {
  return {
    transactionId,
    outcome: 'COMPLETED',
    records: withRecords
      ? recordsFor({ kind: 'PAYMENT', transactionId, patientSourceId: '42', amount: -5000 })
      : { payments: [], adjustments: [] },
    reason: null,
    eventKey,
  };
}

function failed(transactionId: string, eventKey: string, reason = 'Patient has been merged'): InsertionEvent {
  return { transactionId, outcome: 'FAILED', records: { payments: [], adjustments: [] }, reason, eventKey };
}

describe('insertion webhooks', () => {
  it('applies a completion once; a redelivery is a duplicate and changes nothing', async () => {
    h = await harness();
    const { transactionId } = await h.service.createLedgerTransaction(paymentInput());
    const sub = h.bus.subscribe({ practiceId: PRACTICE, transactionId });
    expect(await h.service.handleInsertionEvent(PRACTICE, completed(transactionId, 'ev-1'))).toBe('applied');
    const first = await h.service.get(PRACTICE, transactionId);
    expect(first).toMatchObject({ status: 'COMPLETED' });
    expect(first!.records.payments[0]).toMatchObject({ transactionId, amount: -5000 });

    h.clock.advance(60_000);
    expect(await h.service.handleInsertionEvent(PRACTICE, completed(transactionId, 'ev-1'))).toBe('duplicate');
    expect(await h.service.get(PRACTICE, transactionId)).toEqual(first);

    // exactly one status notification: the completion, not the duplicate
    expect(await drainNow(sub)).toEqual([{ practiceId: PRACTICE, transactionId, eventId: expect.any(String) }]);
  });

  it('never moves a terminal status back: failed after completed, completed after failed', async () => {
    h = await harness();
    const a = (await h.service.createLedgerTransaction(paymentInput('k-a'))).transactionId;
    const b = (await h.service.createLedgerTransaction(paymentInput('k-b'))).transactionId;

    expect(await h.service.handleInsertionEvent(PRACTICE, completed(a, 'a-done'))).toBe('applied');
    expect(await h.service.handleInsertionEvent(PRACTICE, failed(a, 'a-failed'))).toBe('ignored');
    expect(await h.service.get(PRACTICE, a)).toMatchObject({ status: 'COMPLETED', failureReason: null });

    expect(await h.service.handleInsertionEvent(PRACTICE, failed(b, 'b-failed'))).toBe('applied');
    expect(await h.service.handleInsertionEvent(PRACTICE, completed(b, 'b-done'))).toBe('ignored');
    expect(await h.service.get(PRACTICE, b)).toMatchObject({
      status: 'FAILED',
      failureReason: 'Patient has been merged',
      records: { payments: [], adjustments: [] },
    });

    // neither a poll nor a late submit answer moves them either
    h.upstream.land(a);
    h.clock.advance(3_600_000);
    await h.service.tick();
    expect((await h.service.get(PRACTICE, b))?.status).toBe('FAILED');
    expect(await h.store.transition(a, 'FAILED', { now: h.clock.now(), failureReason: 'late' })).toBeNull();
    expect(await h.store.transition(b, 'SUBMITTED', { now: h.clock.now(), nextPollAt: h.clock.now() })).toBeNull();
    expect(await h.store.transition(b, 'COMPLETED', { now: h.clock.now() })).toBeNull();
  });

  it('a completion that arrives before the submit answer wins; the late SUBMITTED is a no-op', async () => {
    h = await harness({
      hooks: {
        afterUpstream: async (row) => {
          // the webhook races ahead of our own bookkeeping
          expect(await h.service.handleInsertionEvent(PRACTICE, completed(row.transactionId, 'early'))).toBe('applied');
        },
      },
    });
    const row = await h.service.createLedgerTransaction(paymentInput());
    expect(row.status).toBe('COMPLETED');
  });

  it('ignores an event for an unknown transaction (or another practice’s) and records nothing', async () => {
    h = await harness();
    const { transactionId } = await h.service.createLedgerTransaction(paymentInput());
    expect(await h.service.handleInsertionEvent(PRACTICE, completed('LG:999999', 'ev-x'))).toBe('ignored');
    expect(await h.service.handleInsertionEvent('other-practice', completed(transactionId, 'ev-y'))).toBe('ignored');
    expect((await h.service.get(PRACTICE, transactionId))?.status).toBe('SUBMITTED');
    expect(await h.store.hasWebhookReceipt(PRACTICE, 'ev-x')).toBe(false);
  });

  it('fetches the rows when a completion carries none, and asks for a redelivery if they are not visible yet', async () => {
    h = await harness();
    const { transactionId } = await h.service.createLedgerTransaction(paymentInput());
    await expect(h.service.handleInsertionEvent(PRACTICE, completed(transactionId, 'bare', false))).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect((await h.service.get(PRACTICE, transactionId))?.status).toBe('SUBMITTED');
    expect(await h.store.hasWebhookReceipt(PRACTICE, 'bare')).toBe(false);

    const records = h.upstream.land(transactionId);
    expect(await h.service.handleInsertionEvent(PRACTICE, completed(transactionId, 'bare', false))).toBe('applied');
    expect(await h.service.get(PRACTICE, transactionId)).toMatchObject({ status: 'COMPLETED', records });
    expect(h.upstream.findCalls).toBe(2);
  });

  it('a FAILED delivery from PENDING (write still being retried) stops the retries', async () => {
    h = await harness();
    h.upstream.script.push('unavailable');
    const { transactionId } = await h.service.createLedgerTransaction(paymentInput());
    expect(await h.service.handleInsertionEvent(PRACTICE, failed(transactionId, 'f-1', ''))).toBe('applied');
    expect(await h.service.get(PRACTICE, transactionId)).toMatchObject({
      status: 'FAILED',
      failureReason: 'the upstream reported the insertion as failed',
    });
    h.clock.advance(3_600_000);
    await h.service.tick();
    expect(h.upstream.submitCalls).toBe(1);
  });

  it('prunes webhook receipts after their retention', async () => {
    h = await harness({ webhookReceiptRetentionMs: 7 * 24 * 3_600_000 });
    const { transactionId } = await h.service.createLedgerTransaction(paymentInput());
    await h.service.handleInsertionEvent(PRACTICE, completed(transactionId, 'old'));
    h.clock.advance(8 * 24 * 3_600_000);
    await h.service.tick();
    expect(await h.store.hasWebhookReceipt(PRACTICE, 'old')).toBe(false);
  });
});
