/**
 * Time to ready after a restart, against the size of the store's history:
 *
 *     npx tsx test/bench/restart-time.ts            # 0 and 5,000 finished transactions
 *     RESTART_ROWS=0,5000,20000 RESTART_UNFINISHED=20 RESTART_LATENCY_MS=200 npx tsx test/bench/restart-time.ts
 *
 * For each size: a fresh `pglite://` store in a temporary folder is seeded with that many COMPLETED
 * transactions (each with its finished `ledger.submit` job, as the write path leaves them) plus
 * RESTART_UNFINISHED (20) SUBMITTED ones whose look-up is due (what a kill -9 leaves), then a gateway
 * starts over it, against a NexHealth sandbox answering every call RESTART_LATENCY_MS (200) late.
 * Printed: ms until `startGateway` resolved and until ready (`settled`: every practice's connection
 * tried, what `/readyz` waits for).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config';
import { createLogger } from '../../src/logging/logger';
import { NEX_SEED, startNexhealthSandbox } from '../../src/sandbox/nexhealth';
import { nexhealthSandboxPractices } from '../../src/sandbox/nexhealth/mode';
import { startGateway } from '../../src/server/gateway';
import { openStore } from '../../src/transactions/open-store';

const sizes = (process.env.RESTART_ROWS ?? '0,5000').split(',').map(Number);
const unfinished = Number(process.env.RESTART_UNFINISHED ?? 20);
const latencyMs = Number(process.env.RESTART_LATENCY_MS ?? 200);

async function seed(url: string, finished: number): Promise<void> {
  const store = await openStore(url);
  const request = JSON.stringify({
    kind: 'PAYMENT',
    write: {
      kind: 'PAYMENT',
      patientSourceId: NEX_SEED.ownGuarantor.ownId,
      amount: -100,
      currency: 'USD',
      typeSourceId: NEX_SEED.paymentTypes.openDental.cash,
      providerSplits: null,
      chargeSplits: null,
      occurredAt: '2030-01-01T00:00:00.000Z',
      notes: null,
    },
  });
  await store.sql.query(
    `INSERT INTO ledger_transactions (transaction_id, practice_id, kind, status, amount_cents, currency,
       patient_source_id, idempotency_key, request, attempts, submitted_at, next_poll_at, created_at, updated_at)
     SELECT 'LG:' || (100000 + i), 'smile-dental', 'PAYMENT',
            CASE WHEN i <= $1 THEN 'COMPLETED' ELSE 'SUBMITTED' END, -100, 'USD', $3, 'seed-' || i, $4::jsonb, 1,
            now() - interval '1 hour', now() - interval '1 minute', now() - interval '1 hour', now() - interval '1 hour'
       FROM generate_series(1, $2::int) AS i`,
    [finished, finished + unfinished, NEX_SEED.ownGuarantor.ownId, request],
  );
  await store.sql.query(
    `INSERT INTO jobs (kind, state, payload, singleton_key, run_at, attempts, max_attempts, runs, created_at, updated_at, finished_at)
     SELECT 'ledger.submit', 'done', jsonb_build_object('practiceId', 'smile-dental', 'transactionId', 'LG:' || (100000 + i)),
            'LG:' || (100000 + i), now(), 1, 100000, 1, now(), now(), now()
       FROM generate_series(1, $1::int) AS i`,
    [finished],
  );
  await store.close();
}

async function measure(finished: number): Promise<{ started: number; ready: number }> {
  const nex = await startNexhealthSandbox({
    port: 0,
    rateLimits: false,
    insertion: 'manual',
    faults: [{ responseTimeMs: latencyMs }],
  });
  const dir = await mkdtemp(join(tmpdir(), 'lg-restart-'));
  const url = `pglite://${join(dir, 'ledger')}`;
  try {
    await seed(url, finished);
    const config = parseConfig({
      server: { port: 0, host: '127.0.0.1' },
      store: { url },
      transactionIdPrefix: 'LG',
      logLevel: 'silent',
      apiKeys: [{ name: 'bench', key: 'restart-bench-key-0000000000000001', practices: ['*'] }],
      practices: nexhealthSandboxPractices(nex).filter((p) => p.id === 'smile-dental'),
    });
    const t0 = performance.now();
    const gateway = await startGateway(config, { logger: createLogger({ level: 'silent' }) });
    const started = performance.now() - t0;
    await gateway.settled;
    const ready = performance.now() - t0;
    await gateway.close();
    return { started: Math.round(started), ready: Math.round(ready) };
  } finally {
    await nex.close();
    await rm(dir, { recursive: true, force: true });
  }
}

for (const size of sizes) {
  const { started, ready } = await measure(size);
  process.stdout.write(
    `${size} finished + ${unfinished} unfinished, upstream +${latencyMs} ms: started in ${started} ms, ready in ${ready} ms\n`,
  );
}
