/**
 * `npm run bench`: the gateway's performance against its targets, on loopback, in about a minute.
 *
 * Four processes: this one (the gateway on a `memory://` store, and the load), the NexHealth and
 * athenahealth sandboxes (sandbox-process.ts: the upstream must not share the gateway's thread), the
 * fan-out's graphql-ws subscribers (fanout-subscribers.ts), and for (f) the Stripe and Square
 * sandboxes (processor-process.ts, see collection-latency.ts). Upstream latency is the sandbox's
 * `responseTimeMs` fault knob: every NexHealth call is answered that long after it arrived, the
 * simulator's own work included, as a vendor answering calls in parallel would. `npm run bench`
 * sets NODE_ENV=production, as a deployment does. Prints a table and writes
 * `bench-results/bench.json`.
 *
 * Environment: BENCH_LATENCY_MS (20), BENCH_ITERATIONS (30 per operation, after BENCH_WARMUP (20) untimed:
 * a gateway's steady state, as the JIT leaves it after its first requests), BENCH_SUBSCRIBERS (10000),
 * BENCH_THROUGHPUT_SECONDS (5 per server), BENCH_THROUGHPUT_SLICES (5: the servers' slices alternate), BENCH_CONCURRENCY (16), BENCH_EVENTS (2 fan-out events; the
 * subscribers of one event share one store read, see src/graphql/resolvers/event-reads.ts),
 * BENCH_REPORT_SIZES (1000,5000,20000: the practice-wide reports' sizes in patients, reports-part.ts;
 * `1000` alone keeps the whole bench quick, `0` leaves the part out).
 */
import { execSync, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { NEX_SEED, type RecordedRequest } from '../../src/sandbox/nexhealth';
import type { RunningGateway } from '../../src/server/gateway';
import { plainUpstream, startBareApollo } from './bare-apollo';
import { type PlainReads, plainReads, servedReads } from './plain-floor';
import { naiveFamily, naiveInvoice, naivePracticePage } from './naive';
import { nexRest } from './nex-rest';
import { INVOICE_PATIENT_ID, OPERATIONS, THREE_LEVEL_QUERY, type Operation } from './operations';
import { restBalanceAndInvoice } from './rest-flow';
import { callCountRises } from './call-ceilings';
import { fhirCallCountRises, fhirPart } from './fhir-part';
import { gatewayMemoryLine, gatewayMemoryPart } from './gateway-memory';
import { collectionLines, collectionPart } from './collection-latency';
import { reportCallRises, reportSizesFrom, reportsPart, reportsTable } from './reports-part';
import { BENCH_KEY, FHIR_PRACTICE, gql, PRACTICE, startWorld, type BenchWorld } from './setup';
import { wasmTierPart } from './wasm-tier';
import { loadSlices } from './load-slices';
import { promisesPerRequest } from './promise-count';
import { duplicateRequests, fmt, now, summarize, table, upstreamLevels } from './stats';

const env = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return value;
};
const LATENCY = env('BENCH_LATENCY_MS', 20);
const ITERATIONS = Math.max(5, env('BENCH_ITERATIONS', 30));
const WARMUP = Math.floor(env('BENCH_WARMUP', 20));
const SUBSCRIBERS_WANTED = Math.floor(env('BENCH_SUBSCRIBERS', 10_000));
const TP_SECONDS = env('BENCH_THROUGHPUT_SECONDS', 5);
const TP_SLICES = Math.max(1, Math.floor(env('BENCH_THROUGHPUT_SLICES', 5)));
const CONCURRENCY = Math.max(1, Math.floor(env('BENCH_CONCURRENCY', 16)));
const EVENTS = Math.max(1, Math.floor(env('BENCH_EVENTS', 2)));

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...args: unknown[]) => console.error('[bench]', ...args);
const upstreamOnly = (rs: readonly RecordedRequest[]) => rs.filter((r) => r.path !== '/authenticates');

interface OpResult {
  key: Operation['key'];
  label: string;
  upstream: number;
  coldUpstream: number;
  duplicates: number;
  levels: number;
  criticalPathMs: number;
  latency: { p50: number; p95: number; p99: number; n: number };
}

/** `once`'s latency: WARMUP untimed runs (the JIT), then ITERATIONS timed one after another. */
async function timeSeries(once: () => Promise<unknown>): Promise<OpResult['latency']> {
  for (let i = 0; i < WARMUP; i += 1) await once();
  const times: number[] = [];
  for (let i = 0; i < ITERATIONS; i += 1) {
    const t0 = now();
    await once();
    times.push(now() - t0);
  }
  return summarize(times);
}

async function runOperation(world: BenchWorld, gateway: RunningGateway, op: Operation): Promise<OpResult> {
  const once = async () => {
    const response = await gql(gateway.url, op.query, op.variables);
    if (response.errors) throw new Error(`${op.key}: ${JSON.stringify(response.errors).slice(0, 500)}`);
  };
  // Cold: the first request of this gateway (empty reference cache).
  await world.nex.resetRequestLog();
  await once();
  const coldUpstream = upstreamOnly(await world.nex.requests()).length;
  // Traced warm run: count, duplicates and levels.
  await world.nex.resetRequestLog();
  await once();
  const traced = upstreamOnly(await world.nex.requests());
  const levels = LATENCY > 0 ? upstreamLevels(traced, LATENCY) : NaN;
  const latency = await timeSeries(once);
  return {
    key: op.key,
    label: op.label,
    upstream: traced.length,
    coldUpstream,
    duplicates: duplicateRequests(traced),
    levels,
    criticalPathMs: levels * LATENCY,
    latency,
  };
}

async function latencyPart(world: BenchWorld, referenceTtlMs: number | undefined): Promise<OpResult[]> {
  const gateway = await world.gateway(referenceTtlMs === undefined ? {} : { referenceTtlMs });
  const fault = await world.nex.addFault({ responseTimeMs: LATENCY });
  try {
    const results: OpResult[] = [];
    for (const op of OPERATIONS) results.push(await runOperation(world, gateway, op));
    return results;
  } finally {
    await world.nex.removeFault(fault);
    await gateway.close();
  }
}

/** Requests per second from CONCURRENCY closed-loop clients, after a warm-up (`measured` runs between the two). */
interface FloorResult {
  key: Operation['key'];
  upstream: number;
  levels: number;
  criticalPathMs: number;
  latency: { p50: number; p95: number; p99: number; n: number };
  /** The same reads behind a plain node:http server, timed from its client (servedReads). */
  served: { p50: number; p95: number; p99: number; n: number };
}

/** (b)'s floor: the same upstream reads made plainly (plain-floor.ts), timed like the gateway's. */
async function readsFloorPart(world: BenchWorld): Promise<FloorResult[]> {
  const reads = await plainReads(world.nex);
  const served = await servedReads(reads);
  const fault = await world.nex.addFault({ responseTimeMs: LATENCY });
  try {
    const cases: Array<[Operation['key'], (via: Pick<PlainReads, 'invoice' | 'family'>) => Promise<number>]> = [
      ['family', (via) => via.family(NEX_SEED.families.alvarez.guarantorId)],
      ['invoice', (via) => via.invoice(INVOICE_PATIENT_ID)],
    ];
    const results: FloorResult[] = [];
    for (const [key, once] of cases) {
      await once(reads); // untimed first run, as the gateway's cold one
      await world.nex.resetRequestLog();
      await once(reads);
      const traced = upstreamOnly(await world.nex.requests());
      const levels = LATENCY > 0 ? upstreamLevels(traced, LATENCY) : NaN;
      const latency = await timeSeries(() => once(reads));
      results.push({
        key,
        upstream: traced.length,
        levels,
        criticalPathMs: levels * LATENCY,
        latency,
        served: await timeSeries(() => once(served)),
      });
    }
    return results;
  } finally {
    await world.nex.removeFault(fault);
    await served.close();
    await reads.close();
  }
}

function floorCell(f: FloorResult | undefined): string {
  if (!f) return '—';
  return (
    `${fmt(f.latency.p50)} (${fmt(f.latency.p50 / f.criticalPathMs)}×, ${f.upstream} calls, ${f.levels} lvl); ` +
    `served over HTTP ${fmt(f.served.p50)} (${fmt(f.served.p50 / f.criticalPathMs)}×)`
  );
}

function fdLimit(): { soft: number; hard: number; text: string } {
  try {
    const line =
      readFileSync('/proc/self/limits', 'utf8')
        .split('\n')
        .find((l) => l.startsWith('Max open files')) ?? '';
    const [soft, hard] = line.replace('Max open files', '').trim().split(/\s+/);
    return {
      soft: Number(soft),
      hard: Number(hard),
      text: `ulimit -n ${execSync('ulimit -n', { shell: '/bin/bash' }).toString().trim()} (soft ${soft}, hard ${hard})`,
    };
  } catch {
    return { soft: Infinity, hard: Infinity, text: 'unknown' };
  }
}

interface FanoutResult {
  subscribers: number;
  requested: number;
  fdLimit: string;
  connectSeconds: number;
  events: number;
  webhookToDelivery: { p50: number; p95: number; p99: number; n: number };
  publishToDelivery: { p50: number; p95: number; p99: number; n: number };
  missing: number;
  gatewayRssMbBefore: number;
  gatewayRssMbAfter: number;
  gatewayKbPerSubscriber: number;
  clientRssMb: number;
  /** The same sockets' worth of plain `ws`: the least one process on this machine needs. */
  floor: { subscribers: number; events: number; delivery: { p50: number; p95: number; p99: number; n: number }; missing: number };
  note?: string;
}

/**
 * The floor for (e): a plain `ws` server in this process (the gateway idle beside it) writing one
 * `next` frame, serialized per socket with its own subscription id, to `n` plain sockets of the
 * subscriber process; the latency from the first write to each frame's arrival. Whatever the
 * gateway adds (graphql-ws, the bus, the shared read and render) comes on top of this.
 */
async function wsFloor(n: number, ask: <T>(msg: object, type: string) => Promise<T>): Promise<FanoutResult['floor']> {
  await ask({ type: 'dispose' }, 'disposed'); // free the graphql-ws clients' sockets first
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  try {
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    const connected = await ask<{ count: number }>({ type: 'start-raw', url, n }, 'connected');
    const latencies: number[] = [];
    let missing = 0;
    for (let e = 0; e < EVENTS; e += 1) {
      const change = { transactionId: `FLOOR:${e}`, status: 'COMPLETED' };
      const key = `${change.transactionId} ${change.status}`;
      const sentAt = now();
      let id = 0;
      for (const socket of wss.clients) {
        id += 1;
        socket.send(JSON.stringify({ id: String(id), type: 'next', payload: { data: { transactionStatusChanged: change } } }));
      }
      let got: number[] = [];
      for (let c = 0; c < 300; c += 1) {
        const report = await ask<{ received: Record<string, number[]> }>({ type: 'report' }, 'report');
        got = report.received[key] ?? [];
        if (got.length >= connected.count) break;
        await sleep(100);
      }
      missing += connected.count - got.length;
      for (const t of got) latencies.push(t - sentAt);
    }
    return { subscribers: connected.count, events: EVENTS, delivery: summarize(latencies), missing };
  } finally {
    for (const socket of wss.clients) socket.terminate();
    await new Promise((resolve) => wss.close(resolve));
  }
}

async function fanoutPart(world: BenchWorld, gateway: RunningGateway): Promise<FanoutResult> {
  const limit = fdLimit();
  // Each subscriber costs the gateway one socket (fd); keep head room for the sandboxes and the store.
  let n = SUBSCRIBERS_WANTED;
  let note: string | undefined;
  if (limit.soft < n + 1024) {
    n = Math.max(0, limit.soft - 1024);
    note = `fd limit ${limit.soft} < ${SUBSCRIBERS_WANTED} + 1024: ran ${n} subscribers (raise it with ulimit -n)`;
    log(note);
  }
  const rss = () => process.memoryUsage().rss / 1024 / 1024;
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = rss();
  const child = fork(join(here, 'fanout-subscribers.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T>(msg: object, type: string) =>
    new Promise<T>((resolve) => {
      const on = (m: any) => {
        if (m?.type === type) {
          child.off('message', on);
          resolve(m as T);
        }
      };
      child.on('message', on);
      child.send(msg);
    });
  const bus = gateway.services.bus as typeof gateway.services.bus & { subscriberCount?: number };
  const publishedAt = new Map<string, number>();
  const originalPublish = bus.publish.bind(bus);
  bus.publish = async (event) => {
    publishedAt.set(event.transactionId, now());
    return originalPublish(event);
  };
  try {
    const t0 = now();
    const query = `subscription { transactionStatusChanged(practiceId: "${PRACTICE}") { transactionId status } }`;
    const connected = await ask<{ count: number; failed: number }>(
      { type: 'start', url: gateway.url.replace(/^http/, 'ws') + '/graphql', key: BENCH_KEY, n, query },
      'connected',
    );
    // Subscribers of one document share one group and one bus subscription (src/server/fanout.ts):
    // registered once the fan-out counts them all.
    const deadline = now() + 60_000;
    while (gateway.http.fanout.members < connected.count && now() < deadline) await sleep(100);
    const connectSeconds = (now() - t0) / 1000;
    log(
      `fan-out: ${connected.count} subscribers (${connected.failed} failed) in ${connectSeconds.toFixed(1)} s; ` +
        `${gateway.http.fanout.members} in ${gateway.http.fanout.groups} group(s), bus has ${bus.subscriberCount}`,
    );
    const rssAfter = rss();

    const webhookLat: number[] = [];
    const publishLat: number[] = [];
    let missing = 0;
    for (let e = 0; e < EVENTS; e += 1) {
      const res = await gql(
        gateway.url,
        `mutation($input: CreatePaymentTransactionInput!) { createPaymentTransaction(input: $input) { transaction { transactionId } } }`,
        {
          input: {
            practiceId: PRACTICE,
            patientId: NEX_SEED.families.alvarez.guarantorId,
            amount: '1.00',
            paymentTypeId: NEX_SEED.paymentTypes.openDental.cash,
            idempotencyKey: `bench-fanout-${Date.now()}-${e}`,
          },
        },
      );
      if (res.errors) throw new Error(`fan-out mutation: ${JSON.stringify(res.errors)}`);
      const txId = (res.data as any).createPaymentTransaction.transaction.transactionId as string;
      const until = now() + 30_000;
      while ((await world.nex.pendingInsertions()) === 0 && now() < until) await sleep(20);
      // let the SUBMITTED fan-out drain before the measured event
      for (let c = 0; c < 100; c += 1) {
        const { count } = await ask<{ count: number }>({ type: 'count', key: `${txId} SUBMITTED` }, 'count');
        if (count >= connected.count) break;
        await sleep(100);
      }
      const webhookAt = now();
      await world.nex.completePendingInsertions();
      const key = `${txId} COMPLETED`;
      for (let c = 0; c < 300; c += 1) {
        const { count } = await ask<{ count: number }>({ type: 'count', key }, 'count');
        if (count >= connected.count) break;
        await sleep(100);
      }
      const report = await ask<{ received: Record<string, number[]> }>({ type: 'report' }, 'report');
      const got = report.received[key] ?? [];
      missing += connected.count - got.length;
      const publish = publishedAt.get(txId) ?? NaN;
      for (const t of got) {
        webhookLat.push(t - webhookAt);
        publishLat.push(t - publish);
      }
      log(
        `fan-out event ${e + 1}/${EVENTS}: ${got.length} deliveries, p99 ${fmt(summarize(got.map((t) => t - webhookAt)).p99)} ms`,
      );
    }
    const final = await ask<{ rss: number }>({ type: 'report' }, 'report');
    const floor = await wsFloor(connected.count, ask);
    return {
      subscribers: connected.count,
      requested: SUBSCRIBERS_WANTED,
      fdLimit: limit.text,
      connectSeconds,
      events: EVENTS,
      webhookToDelivery: summarize(webhookLat),
      publishToDelivery: summarize(publishLat),
      missing,
      gatewayRssMbBefore: rssBefore,
      gatewayRssMbAfter: rssAfter,
      gatewayKbPerSubscriber: connected.count ? ((rssAfter - rssBefore) * 1024) / connected.count : NaN,
      clientRssMb: final.rss / 1024 / 1024,
      floor,
      ...(note ? { note } : {}),
    };
  } finally {
    bus.publish = originalPublish;
    child.send({ type: 'stop' });
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** RSS and V8 heap used now, in MB (after a full GC when node runs with --expose-gc). */
function memoryMb(): { rss: number; heap: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: Math.round(m.rss / 1024 / 1024), heap: Math.round(m.heapUsed / 1024 / 1024) };
}

async function main() {
  const started = now();
  const machine = {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
  log(`machine: ${machine.nproc} × ${machine.cpu}, ${machine.memoryGb} GB, node ${machine.node}`);
  log(`upstream latency ${LATENCY} ms, ${ITERATIONS} iterations per operation`);
  const loadStart = os.loadavg()[0]!;
  // Memory of this process (the load generator, then the gateways it starts) per phase; the store
  // alone, knob by knob in fresh processes: test/bench/store-memory.ts.
  const memory = { beforeGateway: memoryMb(), afterStart: memoryMb(), afterLoad: memoryMb() };
  const world = await startWorld();
  try {
    // (a) naive per-field baseline counts (no latency needed: only counted)
    const rest = await nexRest(world.nex);
    const naive = {
      family: await naiveFamily(rest, NEX_SEED.families.alvarez.guarantorId),
      practicePage: await naivePracticePage(rest),
      invoice: await naiveInvoice(rest, INVOICE_PATIENT_ID),
    };
    log('naive baseline', naive);

    // (a, b) + 2: with the reference cache (default TTL) and without (referenceTtlMs: 0)
    log('operations, reference cache on (default referenceTtlMs)');
    const cached = await latencyPart(world, undefined);
    log('operations, reference cache off (referenceTtlMs: 0)');
    const uncached = await latencyPart(world, 0);
    log('floor: the same upstream reads, made plainly');
    const readsFloor = await readsFloorPart(world);

    // (c) REST flow vs the gateway for balance + itemized invoice
    log('sequential REST flow');
    const fault = await world.nex.addFault({ responseTimeMs: LATENCY });
    const restTimes: number[] = [];
    let restCalls = 0;
    let restLines = 0;
    for (let i = 0; i < Math.max(5, Math.round(ITERATIONS / 3)); i += 1) {
      const t0 = now();
      const r = await restBalanceAndInvoice(rest, INVOICE_PATIENT_ID);
      restTimes.push(now() - t0);
      restCalls = r.calls;
      restLines = r.lines;
    }
    await world.nex.removeFault(fault);
    await rest.close();
    const restSummary = summarize(restTimes);
    const gatewayInvoice = cached.find((r) => r.key === 'invoice')!;

    // (b') the FHIR practice (open-fhir, generic): the same two reads beside their floor (fhir-part.ts)
    log(`FHIR: ${FHIR_PRACTICE} family ledger and invoice`);
    const fhirOps = await fhirPart(world, { iterations: ITERATIONS, latencyMs: LATENCY });

    // (d) throughput at zero latency, and (e) fan-out, on one gateway with defaults
    const gateway = await world.gateway();
    memory.afterStart = memoryMb();
    const variables = { practiceId: PRACTICE, patientId: INVOICE_PATIENT_ID };
    const body = JSON.stringify({ query: THREE_LEVEL_QUERY, variables });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` };
    const answer = await gql(gateway.url, THREE_LEVEL_QUERY, variables);
    if (answer.errors) throw new Error(`3-level query: ${JSON.stringify(answer.errors)}`);
    const bare = await startBareApollo((answer.data as any).patient);
    const plain = await plainUpstream(world.nex, 24);
    const bareUpstream = await startBareApollo((answer.data as any).patient, plain);
    log(`throughput: ${TP_SECONDS} s each, ${CONCURRENCY} concurrent requests, in ${TP_SLICES} alternating slices`);
    const json = { 'content-type': 'application/json' };
    const loads = {
      gateway: loadSlices(gateway.url, body, headers, { concurrency: CONCURRENCY }),
      bare: loadSlices(bare.url, body, json, { concurrency: CONCURRENCY }),
      bareUpstream: loadSlices(bareUpstream.url, body, json, { concurrency: CONCURRENCY }),
    };
    const warmUp = Math.min(1, TP_SECONDS / 5);
    for (const load of Object.values(loads)) await load.slice(warmUp, { warmUp: true });
    // The three servers' slices alternate, so a change in the machine's load touches each alike;
    // the upstream calls of the two that make them are counted from the sandbox's log per slice.
    let gatewayCalls = 0;
    let bareUpstreamCalls = 0;
    for (let i = 0; i < TP_SLICES; i += 1) {
      await world.nex.resetRequestLog();
      await loads.gateway.slice(TP_SECONDS / TP_SLICES);
      gatewayCalls += upstreamOnly(await world.nex.requests()).length;
      await loads.bare.slice(TP_SECONDS / TP_SLICES);
      await world.nex.resetRequestLog();
      await loads.bareUpstream.slice(TP_SECONDS / TP_SLICES);
      bareUpstreamCalls += upstreamOnly(await world.nex.requests()).length;
    }
    const [tpGateway, tpBare, tpBareUpstream] = [loads.gateway.take(), loads.bare.take(), loads.bareUpstream.take()];
    await Promise.all(Object.values(loads).map((load) => load.close()));
    const upstreamPerRequest = gatewayCalls / Math.max(1, tpGateway.requests);
    const bareUpstreamPerRequest = bareUpstreamCalls / Math.max(1, tpBareUpstream.requests);
    // After the timed slices: the count's hook would slow every promise of a measure.
    const promises = {
      gateway: await promisesPerRequest(() => gql(gateway.url, THREE_LEVEL_QUERY, variables)),
      bareUpstream: await promisesPerRequest(() => gql(bareUpstream.url, THREE_LEVEL_QUERY, variables)),
    };
    await Promise.all([bare.close(), bareUpstream.close()]);
    await plain.close();
    memory.afterLoad = memoryMb();

    let fanout: FanoutResult | null = null;
    if (SUBSCRIBERS_WANTED > 0) {
      log(`fan-out: ${SUBSCRIBERS_WANTED} subscribers`);
      fanout = await fanoutPart(world, gateway);
    }
    await gateway.close();

    // (f) collection: the processor's "paid" webhook → the ledger POST (collection-latency.ts)
    log('collection: paid webhook → ledger POST');
    const collection = await collectionPart(world, { iterations: ITERATIONS, latencyMs: LATENCY });

    // (g) practice-wide reports at BENCH_REPORT_SIZES patients, each size its own sandbox and gateway (reports-part.ts)
    const reportSizes = reportSizesFrom(process.env.BENCH_REPORT_SIZES);
    log(`reports: ${reportSizes.join(', ') || 'none'} patients`);
    const reports = await reportsPart(reportSizes);

    // ----- report -----
    const byKey = (list: OpResult[], key: string) => list.find((r) => r.key === key)!;
    const opRows = OPERATIONS.map((op) => {
      const c = byKey(cached, op.key);
      const u = byKey(uncached, op.key);
      const ratio = c.latency.p50 / c.criticalPathMs;
      return [
        op.label,
        `${c.upstream} (cold ${c.coldUpstream})`,
        u.upstream,
        naive[op.key],
        c.duplicates === 0 ? '0 ✓' : `${c.duplicates} ✗`,
        `${c.levels} × ${LATENCY} = ${c.criticalPathMs}`,
        `${fmt(c.latency.p50)} / ${fmt(c.latency.p95)} / ${fmt(c.latency.p99)}`,
        `${fmt(ratio)}× ${ratio <= 1.15 ? '✓' : '✗'}`,
        `${fmt(u.latency.p50)} (${u.levels} lvl)`,
        floorCell(readsFloor.find((f) => f.key === op.key)),
      ];
    });
    const restRatio = restSummary.p50 / gatewayInvoice.latency.p50;
    const tpRatio = tpGateway.rps / tpBare.rps;
    const tpUpstreamRatio = tpGateway.rps / tpBareUpstream.rps;
    const lines: string[] = [];
    lines.push(`ledger-gateway bench — ${new Date().toISOString()}`);
    lines.push(
      `machine: nproc ${machine.nproc}, ${machine.cpu}, ${machine.memoryGb} GB RAM, node ${machine.node}, ${machine.platform}`,
    );
    lines.push(
      `load average (1 min) at start ${fmt(loadStart)}, at end ${fmt(os.loadavg()[0]!)} — other processes on this machine skew latency and throughput`,
    );
    lines.push(
      `upstream: every NexHealth sandbox call answered ${LATENCY} ms after it arrived (sandboxes in their own process); ${ITERATIONS} timed runs per operation; store memory://; NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}`,
    );
    lines.push(
      `memory of this process (RSS / V8 heap MB${(globalThis as { gc?: unknown }).gc ? ', after a full GC' : ''}): ` +
        `before any gateway ${memory.beforeGateway.rss} / ${memory.beforeGateway.heap}, after the (d) gateway started ` +
        `${memory.afterStart.rss} / ${memory.afterStart.heap}, after the (a–d) load ${memory.afterLoad.rss} / ${memory.afterLoad.heap} ` +
        '(target ≤ 250 MB RSS; the store alone per phase and its floor: test/bench/store-memory.ts)',
    );
    // The gateway alone, in its own process as `npm start` runs it, under the (d) load (gateway-memory.ts).
    const gatewayMemoryRounds = Math.floor(env('BENCH_GATEWAY_MEMORY_ROUNDS', 2));
    if (gatewayMemoryRounds > 0) {
      log('memory: the gateway alone (npm start in a child process)');
      const rounds = await gatewayMemoryPart(world, {
        seconds: TP_SECONDS,
        concurrency: CONCURRENCY,
        rounds: gatewayMemoryRounds,
      });
      lines.push(gatewayMemoryLine(rounds));
    }
    // What the embedded store's default WebAssembly tier costs and saves (wasm-tier.ts).
    const wasmTierRounds = Math.floor(env('BENCH_WASM_TIER_ROUNDS', 2));
    if (wasmTierRounds > 0) {
      log('memory: the store on Liftoff only and with tier-up (child processes)');
      lines.push(...wasmTierPart({ rounds: wasmTierRounds }));
    }
    lines.push('');
    lines.push(
      '(a, b, 2) operations — upstream requests per operation and latency in ms (cache on = default referenceTtlMs 300000)',
    );
    lines.push(
      table(
        [
          'operation',
          'upstream (cache on)',
          'cache off',
          'naive per-field',
          'duplicates',
          'critical path (levels × L)',
          'p50 / p95 / p99',
          'p50 ÷ critical (≤ 1.15)',
          'cache off p50',
          'floor: same reads made plainly, p50 (÷ its critical path)',
        ],
        opRows,
      ),
    );
    lines.push(
      'levels = dependent upstream round trips, measured from the sandbox log (a request is one level deeper than the deepest one answered before it arrived).',
    );
    lines.push(
      "floor = the operation's upstream reads with a plain undici pool and JSON.parse, no GraphQL (plain-floor.ts): the least any server spends here; " +
        'served over HTTP = the same reads behind a plain node:http server, timed from its client: plus the hop every server pays.',
    );
    lines.push('');
    lines.push(
      `(b') ${FHIR_PRACTICE} (FHIR R4, generic profile): every FHIR sandbox call answered ${LATENCY} ms after it arrived`,
    );
    lines.push(
      table(
        [
          'operation',
          'upstream',
          'duplicates',
          'critical path (levels × L)',
          'p50 / p95 / p99',
          'p50 ÷ critical (≤ 1.15)',
          'floor: same requests made plainly, p50',
        ],
        fhirOps.map((r) => {
          const ratio = r.latency.p50 / r.criticalPathMs;
          return [
            r.label,
            r.upstream,
            r.duplicates === 0 ? '0 ✓' : `${r.duplicates} ✗`,
            `${r.levels} × ${LATENCY} = ${r.criticalPathMs}`,
            `${fmt(r.latency.p50)} / ${fmt(r.latency.p95)} / ${fmt(r.latency.p99)}`,
            `${fmt(ratio)}× ${ratio <= 1.15 ? '✓' : '✗'}`,
            `${fmt(r.floor.latency.p50)} (${fmt(r.floor.latency.p50 / r.criticalPathMs)}×)`,
          ];
        }),
      ),
    );
    lines.push('');
    lines.push('(c) balance + itemized invoice: gateway vs the documented sequential REST flow');
    lines.push(
      table(
        ['client', 'upstream calls', 'p50 ms', 'p95 ms', 'target'],
        [
          [`REST flow (patient ${INVOICE_PATIENT_ID}, ${restLines} charges)`, restCalls, restSummary.p50, restSummary.p95, ''],
          [
            'gateway, one query',
            gatewayInvoice.upstream,
            gatewayInvoice.latency.p50,
            gatewayInvoice.latency.p95,
            `${fmt(restRatio)}× faster ${restRatio >= 5 ? '✓' : '✗'} (≥ 5×)`,
          ],
        ],
      ),
    );
    lines.push('');
    lines.push(
      `(d) throughput at 0 ms upstream latency, 3-level query (patient → charges → provider), ${CONCURRENCY} concurrent, ${TP_SECONDS} s`,
    );
    lines.push(
      table(
        ['server', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'target'],
        [
          [
            `gateway (${fmt(upstreamPerRequest)} upstream calls/request to the sandbox process)`,
            tpGateway.rps,
            tpGateway.p50,
            tpGateway.p99,
            tpGateway.errors,
            `${fmt(tpRatio)}× of bare ${tpRatio >= 0.5 ? '✓' : '✗'} (≥ 0.5×)`,
          ],
          ['bare Apollo Server, same document from memory', tpBare.rps, tpBare.p50, tpBare.p99, tpBare.errors, ''],
          [
            `bare Apollo Server making the same upstream reads (${fmt(bareUpstreamPerRequest)} calls/request, plain undici + JSON.parse)`,
            tpBareUpstream.rps,
            tpBareUpstream.p50,
            tpBareUpstream.p99,
            tpBareUpstream.errors,
            `gateway = ${fmt(tpUpstreamRatio)}× of it`,
          ],
        ],
      ),
    );
    lines.push(
      '',
      `CPU of this process per request (server and load generator): gateway ${tpGateway.cpuMsPerRequest.toFixed(2)} ms, ` +
        `bare Apollo with the reads ${tpBareUpstream.cpuMsPerRequest.toFixed(2)} ms; promises per request: ` +
        `gateway ${Math.round(promises.gateway)}, bare Apollo with the reads ${Math.round(promises.bareUpstream)} (promise-count.ts)`,
    );
    lines.push('');
    if (fanout) {
      lines.push(`(e) subscription fan-out on one instance (in-process bus, memory:// store); fd limit: ${fanout.fdLimit}`);
      lines.push(
        table(
          [
            'subscribers',
            'connect s',
            'events',
            'webhook → delivery p50 / p95 / p99 ms',
            'publish → delivery p50 / p99 ms',
            'missing',
            'gateway RSS MB (before → after)',
            'KB / subscriber',
            'target p99 < 200 ms',
          ],
          [
            [
              `${fanout.subscribers} of ${fanout.requested}`,
              fanout.connectSeconds,
              fanout.events,
              `${fmt(fanout.webhookToDelivery.p50)} / ${fmt(fanout.webhookToDelivery.p95)} / ${fmt(fanout.webhookToDelivery.p99)}`,
              `${fmt(fanout.publishToDelivery.p50)} / ${fmt(fanout.publishToDelivery.p99)}`,
              fanout.missing,
              `${fmt(fanout.gatewayRssMbBefore)} → ${fmt(fanout.gatewayRssMbAfter)}`,
              fanout.gatewayKbPerSubscriber,
              fanout.webhookToDelivery.p99 < 200 ? '✓' : '✗',
            ],
          ],
        ),
      );
      const f = fanout.floor;
      lines.push(
        `floor on this machine: plain ws, one frame per socket to ${f.subscribers} plain sockets of the same process, ${f.events} events: ` +
          `first write → arrival p50 ${fmt(f.delivery.p50)} / p95 ${fmt(f.delivery.p95)} / p99 ${fmt(f.delivery.p99)} ms, ${f.missing} missing`,
      );
      // Issue #20's fan-out target: the gateway's p99 within 1.5 × this floor's, measured in the same run.
      const ratio = (p99: number) => `${fmt(p99 / f.delivery.p99)}×`;
      lines.push(
        `p99 against the floor: webhook → delivery ${ratio(fanout.webhookToDelivery.p99)}, publish → delivery ` +
          `${ratio(fanout.publishToDelivery.p99)} (target ≤ 1.5×: ${fanout.webhookToDelivery.p99 <= 1.5 * f.delivery.p99 ? '✓' : '✗'})`,
      );
      if (fanout.note) lines.push(fanout.note);
      lines.push(
        `(subscriber clients run in a child process: ${fmt(fanout.clientRssMb)} MB RSS; the sandboxes run in their own process)`,
      );
    }
    lines.push('');
    lines.push(...collectionLines(collection, LATENCY));
    if (reports.length > 0) {
      lines.push(
        '',
        `practice-wide reports (BENCH_REPORT_SIZES=${reportSizes.join(',')}; calls ≤ pages + 2 or the bench fails):`,
      );
      lines.push(reportsTable(reports));
    }
    lines.push('');
    lines.push(`total bench time ${fmt((now() - started) / 1000)} s`);
    console.log(lines.join('\n'));

    const out = join(root, 'bench-results');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, 'bench.json'),
      JSON.stringify(
        {
          at: new Date().toISOString(),
          machine,
          settings: {
            latencyMs: LATENCY,
            iterations: ITERATIONS,
            warmup: WARMUP,
            subscribers: SUBSCRIBERS_WANTED,
            throughputSeconds: TP_SECONDS,
            concurrency: CONCURRENCY,
            events: EVENTS,
          },
          naive,
          operations: { cacheOn: cached, cacheOff: uncached, readsFloor },
          fhir: { practice: FHIR_PRACTICE, operations: fhirOps },
          restFlow: {
            patientId: INVOICE_PATIENT_ID,
            charges: restLines,
            calls: restCalls,
            latency: restSummary,
            gateway: gatewayInvoice.latency,
            ratio: restRatio,
          },
          throughput: {
            gateway: { ...tpGateway, upstreamPerRequest },
            bare: tpBare,
            ratio: tpRatio,
            bareWithUpstream: { ...tpBareUpstream, upstreamPerRequest: bareUpstreamPerRequest },
            ratioToBareWithUpstream: tpUpstreamRatio,
            promisesPerRequest: promises,
          },
          fanout,
          memory,
          collection,
          reports,
          targets: {
            noDuplicateUpstream: cached.every((r) => r.duplicates === 0),
            p50WithinCriticalPath: Object.fromEntries(cached.map((r) => [r.key, r.latency.p50 <= 1.15 * r.criticalPathMs])),
            restRatioAtLeast5: restRatio >= 5,
            throughputAtLeastHalfOfBare: tpRatio >= 0.5,
            fanoutP99Under200: fanout ? fanout.webhookToDelivery.p99 < 200 : null,
          },
          table: lines.join('\n'),
        },
        null,
        2,
      ),
    );
    log(`wrote ${join('bench-results', 'bench.json')}`);
    const rises = [...callCountRises(cached, uncached), ...fhirCallCountRises(fhirOps), ...reportCallRises(reports)];
    if (rises.length > 0) throw new Error(`upstream calls per operation rose (call-ceilings.ts):\n  ${rises.join('\n  ')}`);
  } finally {
    await world.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
