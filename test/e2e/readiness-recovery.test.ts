/**
 * Readiness after a restart does not wait for recovery: a write whose process died after the
 * upstream accepted it must be looked up before anything else happens to it, and that look-up goes
 * to an upstream that does not answer. `/readyz` still turns ready (store open, every practice's
 * connection tried) while the recovery job is running; once the upstream answers, it completes.
 *
 * The store is `pglite://` in a temporary folder, over two gateway lifetimes; the "crash" is the
 * service's `afterUpstream` seam (as in transactions-crash.test.ts). The hanging look-up is the
 * NexHealth adapter's `findTransaction`, held until the test lets it through.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LedgerAdapter } from '../../src/adapters/ledger/port';
import type { PracticeConfig } from '../../src/config';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { defaultAdapterFactory, type GatewayOptions } from '../../src/server/gateway';
import { PAY, TRANSACTION } from './documents';
import { startTestGateway, type TestGateway } from './harness';

const SMILE = 'smile-dental';
const LEASE_MS = 60_000;

let t: TestGateway;
let dir: string;
let crash = false;
let offsetMs = 0;

/** The look-up gate: `started` resolves when a look-up is asked for, `open()` lets it (and later ones) through. */
function lookupGate() {
  let markStarted!: () => void;
  let open!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const opened = new Promise<void>((resolve) => (open = resolve));
  let calls = 0;
  const wrap = (factory: (practice: PracticeConfig) => LedgerAdapter) => (practice: PracticeConfig) => {
    const adapter = factory(practice);
    const findTransaction = adapter.findTransaction?.bind(adapter);
    if (!findTransaction) return adapter;
    return Object.assign(Object.create(adapter) as LedgerAdapter, {
      async findTransaction(...args: Parameters<typeof findTransaction>) {
        calls++;
        markStarted();
        await opened;
        return findTransaction(...args);
      },
    });
  };
  return { wrap, started, open, calls: () => calls };
}

function lifetime(extra: GatewayOptions = {}): GatewayOptions {
  return {
    transactionOptions: {
      now: () => new Date(Date.now() + offsetMs),
      submitLeaseMs: LEASE_MS,
      hooks: {
        afterUpstream() {
          if (crash) throw new Error('process killed after the upstream accepted, before the mark');
        },
      },
    },
    ...extra,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lg-readiness-'));
  t = await startTestGateway({
    config: (raw) => {
      raw.store = { url: `pglite://${join(dir, 'store')}` };
    },
    gateway: lifetime(),
  });
});

afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('readiness after a restart', () => {
  it('turns ready while a recovery look-up hangs; the recovery completes once the upstream answers', async () => {
    crash = true;
    const died = await t.gql(PAY, {
      input: {
        practiceId: SMILE,
        patientId: NEX_SEED.ownGuarantor.ownId,
        amount: '21.00',
        paymentTypeId: NEX_SEED.paymentTypes.openDental.cash,
        idempotencyKey: 'readiness-recovery-1',
      },
    });
    expect(died.errors).toHaveLength(1);
    const found = await t.gateway.services.transactions.findByIdempotencyKey(SMILE, 'readiness-recovery-1');
    const transactionId = found!.transaction.transactionId;
    expect(found!.transaction.status).toBe('PENDING');

    // The next process starts after the dead attempt's lease and retry delay: its submit job is due,
    // and, the attempt having been started, it must look the write up first.
    crash = false;
    offsetMs += LEASE_MS + 60_000;
    const gate = lookupGate();
    const gateway = await t.restartGateway(
      lifetime({ createAdapter: gate.wrap(defaultAdapterFactory({ retryBaseDelayMs: 1, maxRetries: 2, timeoutMs: 2000 })) }),
    );

    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    await gate.started; // the recovery look-up is under way (and hangs)
    const job = (await gateway.services.transactions.jobs.list({ kind: 'ledger.submit' })).find(
      (j) => (j.payload as { transactionId?: string }).transactionId === transactionId,
    );
    expect(job?.state).toBe('active');
    const pending = await t.gql(TRANSACTION, { practiceId: SMILE, transactionId });
    expect(pending.data.transaction.status).toBe('PENDING');

    gate.open();
    await vi.waitFor(
      async () => {
        const settled = await t.gql(TRANSACTION, { practiceId: SMILE, transactionId });
        expect(settled.data.transaction.status).not.toBe('PENDING');
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(gate.calls()).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
