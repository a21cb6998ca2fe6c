import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedCrash } from './fakes';
import { harness, paymentInput, PRACTICE, type Harness } from './harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const LEASE = 60_000;

describe('submitting and resuming', () => {
  it('(a) crash between store and submit: a restarted service posts exactly once', async () => {
    h = await harness();
    const crashing = h.newService({
      hooks: {
        afterStore: () => {
          throw new SimulatedCrash();
        },
      },
    });
    await expect(crashing.createLedgerTransaction(paymentInput())).rejects.toBeInstanceOf(SimulatedCrash);
    const stored = await h.store.findById('LG:1000');
    expect(stored).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(h.upstream.submitCalls).toBe(0);

    const restarted = h.newService();
    await restarted.start();
    await restarted.tick(); // start() resumes in the background; tick() waits for that first pass
    expect(h.upstream.submitCalls).toBe(1);
    expect(h.upstream.findCalls).toBe(0); // never attempted before: nothing to look up
    expect((await restarted.get(PRACTICE, 'LG:1000'))?.status).toBe('SUBMITTED');

    await restarted.tick();
    await h.service.tick();
    expect(h.upstream.submitCalls).toBe(1);
    // a replay of the request after the restart finds the same transaction
    expect((await restarted.createLedgerTransaction(paymentInput())).transactionId).toBe('LG:1000');
    expect(h.upstream.submitCalls).toBe(1);
  });

  it('(b) crash after the upstream accepted, rows landed: resumed by look-up, never re-posted', async () => {
    h = await harness();
    const crashing = h.newService({
      hooks: {
        afterUpstream: () => {
          throw new SimulatedCrash();
        },
      },
    });
    await expect(crashing.createLedgerTransaction(paymentInput())).rejects.toBeInstanceOf(SimulatedCrash);
    expect(await h.store.findById('LG:1000')).toMatchObject({ status: 'PENDING', attempts: 1 });
    expect(h.upstream.accepted.size).toBe(1);
    const records = h.upstream.land('LG:1000');

    // Within the dead attempt's lease nobody touches it…
    const restarted = h.newService();
    await restarted.start();
    expect(h.upstream.findCalls).toBe(0);
    // …after it, the row is looked up before any re-post.
    h.clock.advance(LEASE + 1);
    await restarted.tick();
    expect(h.upstream.findCalls).toBe(1);
    expect(h.upstream.submitCalls).toBe(1);
    const row = await restarted.get(PRACTICE, 'LG:1000');
    expect(row).toMatchObject({ status: 'COMPLETED', records });
  });

  it('(b) crash after the upstream accepted, not landed yet: the "already used" answer means SUBMITTED', async () => {
    h = await harness();
    const crashing = h.newService({
      hooks: {
        afterUpstream: () => {
          throw new SimulatedCrash();
        },
      },
    });
    await expect(crashing.createLedgerTransaction(paymentInput())).rejects.toBeInstanceOf(SimulatedCrash);

    h.clock.advance(LEASE + 1);
    const restarted = h.newService();
    await restarted.start();
    await restarted.tick(); // start() resumes in the background; tick() waits for that first pass
    expect(h.upstream.findCalls).toBe(1); // looked up first: nothing yet
    expect(h.upstream.submitCalls).toBe(2); // the re-post was refused upstream…
    expect(h.upstream.accepted.size).toBe(1); // …so only one write exists
    expect((await restarted.get(PRACTICE, 'LG:1000'))?.status).toBe('SUBMITTED');

    const records = h.upstream.land('LG:1000');
    h.clock.advance(30_000);
    await restarted.tick();
    expect(await restarted.get(PRACTICE, 'LG:1000')).toMatchObject({ status: 'COMPLETED', records });
    expect(h.upstream.accepted.size).toBe(1);
  });

  it('UPSTREAM_REJECTED → FAILED with the upstream message, no retry', async () => {
    h = await harness();
    h.upstream.script.push('reject');
    const row = await h.service.createLedgerTransaction(paymentInput());
    expect(row).toMatchObject({ status: 'FAILED', failureReason: 'Patient with ID 42 not found in location 456' });
    h.clock.advance(3_600_000);
    await h.service.tick();
    expect(h.upstream.submitCalls).toBe(1);
  });

  it('a FAILED outcome → FAILED with its reason; a COMPLETED outcome (sync) → COMPLETED with records', async () => {
    h = await harness();
    h.upstream.script.push('fail', 'complete');
    expect(await h.service.createLedgerTransaction(paymentInput('k1'))).toMatchObject({
      status: 'FAILED',
      failureReason: 'payment type inactive',
    });
    const done = await h.service.createLedgerTransaction(paymentInput('k2'));
    expect(done).toMatchObject({ status: 'COMPLETED', receiptId: 'r-1' });
    expect(done.records.payments).toHaveLength(1);
  });

  it('UNAVAILABLE → stays PENDING, then succeeds on the next due tick after a look-up', async () => {
    h = await harness({ submitRetryDelaysMs: [1_000, 10_000] });
    h.upstream.script.push('unavailable');
    const row = await h.service.createLedgerTransaction(paymentInput());
    expect(row.status).toBe('PENDING');
    expect(await h.store.findById(row.transactionId)).toMatchObject({ attempts: 1, lastError: 'connect ECONNREFUSED' });

    await h.service.tick(); // not due yet
    expect(h.upstream.submitCalls).toBe(1);

    h.clock.advance(1_000);
    await h.service.tick();
    expect(h.upstream.findCalls).toBe(1); // looked up before the re-post
    expect(h.upstream.submitCalls).toBe(2);
    expect(h.upstream.accepted.size).toBe(1);
    expect(await h.store.findById(row.transactionId)).toMatchObject({ status: 'SUBMITTED', attempts: 2 });
  });

  it('does not re-post while the look-up itself fails', async () => {
    h = await harness();
    h.upstream.script.push('unavailable');
    await h.service.createLedgerTransaction(paymentInput());
    h.upstream.findFails = true;
    h.clock.advance(1_000);
    await h.service.tick();
    expect(h.upstream.submitCalls).toBe(1);
    expect((await h.store.findById('LG:1000'))?.status).toBe('PENDING');
    h.upstream.findFails = false;
    h.clock.advance(1_000);
    await h.service.tick();
    expect(h.upstream.submitCalls).toBe(2);
    expect((await h.store.findById('LG:1000'))?.status).toBe('SUBMITTED');
  });

  it('polling completes a SUBMITTED transaction when no webhook came', async () => {
    h = await harness();
    const row = await h.service.createLedgerTransaction(paymentInput());
    await h.service.tick();
    expect(h.upstream.findCalls).toBe(0); // not before pollAfterMs
    h.clock.advance(30_000);
    await h.service.tick();
    expect(h.upstream.findCalls).toBe(1); // polled, nothing yet
    expect((await h.service.get(PRACTICE, row.transactionId))?.status).toBe('SUBMITTED');
    await h.service.tick();
    expect(h.upstream.findCalls).toBe(1); // next poll only after pollIntervalMs
    const records = h.upstream.land(row.transactionId);
    h.clock.advance(5_000);
    await h.service.tick();
    expect(h.upstream.findCalls).toBe(2);
    expect(await h.service.get(PRACTICE, row.transactionId)).toMatchObject({ status: 'COMPLETED', records });
  });

  it('publishes every status change after it is durable', async () => {
    h = await harness();
    const sub = h.bus.subscribe({ practiceId: PRACTICE });
    const seen: string[] = [];
    const reader = (async () => {
      for await (const event of sub) {
        // a subscriber re-reads the store: the change it was told about is already there
        const row = await h.store.get(event.practiceId, event.transactionId);
        seen.push(row!.status);
        if (row!.status === 'COMPLETED') break;
      }
    })();
    const row = await h.service.createLedgerTransaction(paymentInput());
    h.upstream.land(row.transactionId);
    h.clock.advance(30_000);
    await h.service.tick();
    await reader;
    expect(seen).toEqual(['PENDING', 'SUBMITTED', 'COMPLETED']);
  });

  it('two services sharing one store allocate unique ids and never post one write twice', async () => {
    h = await harness();
    const other = h.newService();
    const rows = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? h.service : other).createLedgerTransaction(paymentInput(`key-${i}`))),
    );
    const ids = rows.map((r) => r.transactionId);
    expect(new Set(ids).size).toBe(20);
    expect(ids.every((id) => /^LG:\d+$/.test(id) && id.length <= 50)).toBe(true);
    await Promise.all([h.service.tick(), other.tick()]);
    expect(h.upstream.submitCalls).toBe(20);
    expect(h.upstream.accepted.size).toBe(20);
  });

  it('stop() lets the in-flight write finish and refuses new work', async () => {
    h = await harness();
    const pending = h.service.createLedgerTransaction(paymentInput());
    await h.service.stop();
    expect((await pending).status).toBe('SUBMITTED');
    await expect(h.service.createLedgerTransaction(paymentInput('k2'))).rejects.toThrow(/stopped/);
  });
});
