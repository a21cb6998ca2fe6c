/**
 * The bench's collection part (issue 12): how long from the processor sending the "paid" webhook to
 * the ledger POST of that payment arriving at the NexHealth sandbox, per processor, beside a floor
 * measured in the same run: a bare ledger POST through the same adapter instance the gateway uses
 * (what any server posting a payment pays at least).
 *
 * The processors run in their own child process (processor-process.ts), the ledgers in the world's
 * (sandbox-process.ts), the gateway here on a `memory://` store, as a deployment would separate
 * them. Each timed checkout: created through the public API, paid on the processor's side, then the
 * NexHealth log is read until its POST arrived. Both ends are stamped by the sandboxes with
 * `Date.now()` of the same machine (1 ms resolution); the floor's start is stamped here the same way.
 * Every ledger call is answered `latencyMs` after it arrived, as in the other parts.
 */
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config';
import { createLogger } from '../../src/logging/logger';
import { nexhealthSandboxPractices, SANDBOX_PROCESSOR_PAYMENT_TYPES } from '../../src/sandbox/nexhealth/mode';
import { squareSandboxPractices } from '../../src/sandbox/square/mode';
import { stripeSandboxPractices } from '../../src/sandbox/stripe/mode';
import { startGateway, type RunningGateway } from '../../src/server/gateway';
import { NEX_SEED, type RecordedRequest } from '../../src/sandbox/nexhealth';
import { BENCH_KEY, gql, rpc, type BenchWorld } from './setup';
import { fmt, percentile, table } from './stats';

export interface CollectionBenchOptions {
  /** Timed checkouts per processor (after 3 untimed ones). */
  iterations: number;
  /** Every NexHealth call answered this long after it arrived. */
  latencyMs: number;
}

export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  n: number;
}

export interface CollectionBenchResult {
  processors: Array<{
    processor: 'stripe' | 'square';
    practiceId: string;
    /** Paid webhook sent → ledger POST arrived, ms. */
    paidToPost: Latency;
    /** Ledger calls of the gateway between the payment and its POST (most of the last checkout's). */
    ledgerCallsBeforePost: number;
    /** The same adapter's bare `submitWrite`: called → its POST arrived, ms. */
    floor: Latency;
  }>;
}

const CASES = [
  { processor: 'stripe', practiceId: 'smile-dental', patientId: NEX_SEED.ownGuarantor.ownId },
  { processor: 'square', practiceId: 'bright-dentrix', patientId: NEX_SEED.dentrixPatientId },
] as const;
const WARM_UP = 3;

const here = dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function latency(values: readonly number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), n: sorted.length };
}

const postOf = (requests: readonly RecordedRequest[], transactionId: string) =>
  requests.find(
    (r) => r.method === 'POST' && r.path === '/payments' && (r.body as any)?.payment?.transaction_id === transactionId,
  );

/** The NexHealth log once it holds the POST of `transactionId` (read every 2 ms, up to 30 s). */
async function untilPosted(world: BenchWorld, transactionId: string): Promise<{ post: RecordedRequest; before: number }> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const requests = (await world.nex.requests()).filter((r) => r.path !== '/authenticates');
    const post = postOf(requests, transactionId);
    if (post) return { post, before: requests.indexOf(post) };
    await sleep(2);
  }
  throw new Error(`expected a ledger POST for ${transactionId} within 30 s, none arrived`);
}

async function startProcessors() {
  const child = fork(join(here, 'processor-process.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ stripeUrl: string; squareUrl: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`processor process exited with ${code} before it was ready`)));
    child.on('message', (m: any) => m?.type === 'ready' && resolve(m));
  });
  const call = rpc(child);
  return {
    ...ready,
    call,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await call('close').catch(() => undefined);
      await exited;
    },
  };
}

async function startCollectionGateway(
  world: BenchWorld,
  urls: { stripeUrl: string; squareUrl: string },
): Promise<RunningGateway> {
  const processors = new Map<string, { system: string; connection: Record<string, unknown> }>([
    ...stripeSandboxPractices(urls.stripeUrl).map((p) => [p.id, { system: 'stripe', connection: p.connection }] as const),
    ...squareSandboxPractices(urls.squareUrl).map((p) => [p.id, { system: 'square', connection: p.connection }] as const),
  ]);
  const config = parseConfig({
    server: { port: 0, host: '127.0.0.1' },
    store: { url: 'memory://' },
    transactionIdPrefix: 'LG',
    logLevel: 'silent',
    apiKeys: [{ name: 'bench', key: BENCH_KEY, practices: ['*'] }],
    practices: nexhealthSandboxPractices(world.nex)
      .filter((p) => CASES.some((c) => c.practiceId === p.id))
      .map((p) => ({ ...p, processor: { ...processors.get(p.id)!, paymentTypeId: SANDBOX_PROCESSOR_PAYMENT_TYPES[p.id]! } })),
  });
  const gateway = await startGateway(config, { logger: createLogger({ level: 'silent' }) });
  await gateway.settled;
  return gateway;
}

const CREATE = `mutation($input: CreateCheckoutInput!) { createCheckout(input: $input) { transaction { transactionId checkout { url } } } }`;

export async function collectionPart(world: BenchWorld, options: CollectionBenchOptions): Promise<CollectionBenchResult> {
  const processors = await startProcessors();
  const gateway = await startCollectionGateway(world, processors);
  const fault = await world.nex.addFault({ responseTimeMs: options.latencyMs });
  let seq = 0;
  try {
    const result: CollectionBenchResult = { processors: [] };
    for (const c of CASES) {
      const times: number[] = [];
      let ledgerCallsBeforePost = 0;
      for (let i = 0; i < WARM_UP + options.iterations; i += 1) {
        seq += 1;
        const created = await gql(gateway.url, CREATE, {
          input: {
            practiceId: c.practiceId,
            patientId: c.patientId,
            amount: '12.34',
            idempotencyKey: `bench-collection-${Date.now()}-${seq}`,
          },
        });
        if (created.errors) throw new Error(`createCheckout: ${JSON.stringify(created.errors).slice(0, 500)}`);
        const tx = (created.data as any).createCheckout.transaction;
        const page = new URL(tx.checkout.url).pathname.split('/').pop();
        await world.nex.resetRequestLog();
        const { mark } = await processors.call<{ mark: number }>('pay', { processor: c.processor, page });
        const { post, before } = await untilPosted(world, tx.transactionId);
        const { at } = await processors.call<{ at: number }>('paidSentAt', { processor: c.processor, mark });
        if (!Number.isFinite(at)) throw new Error(`no "paid" delivery was sent for ${tx.transactionId}`);
        if (i >= WARM_UP) times.push(post.time - at);
        ledgerCallsBeforePost = before;
      }

      // The floor: the gateway's own adapter for this practice, posting a bare payment.
      const adapter = gateway.services.registry.get(c.practiceId)?.adapter;
      if (!adapter?.submitWrite) throw new Error(`expected ${c.practiceId}'s ledger adapter to take writes`);
      const floor: number[] = [];
      for (let i = 0; i < WARM_UP + options.iterations; i += 1) {
        seq += 1;
        const transactionId = `LG:${900_000 + seq}`;
        await world.nex.resetRequestLog();
        const t0 = Date.now();
        await adapter.submitWrite({
          kind: 'PAYMENT',
          transactionId,
          patientSourceId: c.patientId,
          amount: -1234,
          currency: 'USD',
          typeSourceId: SANDBOX_PROCESSOR_PAYMENT_TYPES[c.practiceId]!,
          providerSplits: null,
          chargeSplits: null,
          notes: 'bench floor',
          occurredAt: new Date().toISOString(),
        });
        const { post } = await untilPosted(world, transactionId);
        if (i >= WARM_UP) floor.push(post.time - t0);
      }
      result.processors.push({
        processor: c.processor,
        practiceId: c.practiceId,
        paidToPost: latency(times),
        ledgerCallsBeforePost,
        floor: latency(floor),
      });
    }
    return result;
  } finally {
    await world.nex.removeFault(fault);
    await gateway.close();
    await processors.close();
  }
}

/** The report's lines for this part. */
export function collectionLines(result: CollectionBenchResult, latencyMs: number): string[] {
  return [
    `(f) collection: the processor sends the "paid" webhook → the ledger POST of that payment arrives at the NexHealth sandbox (ms; NexHealth answers ${latencyMs} ms late; processors in their own process)`,
    table(
      [
        'processor (practice)',
        'paid webhook → ledger POST p50 / p90 / p99',
        'n',
        'ledger calls before the POST',
        'floor: bare POST through the same adapter, p50 / p90 / p99',
        'p50 above the floor',
      ],
      result.processors.map((p) => [
        `${p.processor} (${p.practiceId})`,
        `${fmt(p.paidToPost.p50)} / ${fmt(p.paidToPost.p90)} / ${fmt(p.paidToPost.p99)}`,
        p.paidToPost.n,
        p.ledgerCallsBeforePost,
        `${fmt(p.floor.p50)} / ${fmt(p.floor.p90)} / ${fmt(p.floor.p99)}`,
        `+${fmt(p.paidToPost.p50 - p.floor.p50)}`,
      ]),
    ),
    'both ends stamped with Date.now() (1 ms resolution) by the sandboxes; the floor starts when this process calls submitWrite.',
  ];
}
