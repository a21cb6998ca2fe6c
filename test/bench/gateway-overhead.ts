/**
 * The gateway's own per-request cost, alone and quickly (issue #20, targets 2 and 3), each figure
 * beside its floor measured in the same round:
 *
 * - invoice p50 at `BENCH_LATENCY_MS` (20) beside the same five reads made plainly, directly and behind
 *   a plain node:http server (plain-floor.ts);
 * - requests per second on the 3-level document at 0 ms beside a bare Apollo Server making the same
 *   two upstream reads (bare-apollo.ts).
 *
 *     NODE_ENV=production npx tsx test/bench/gateway-overhead.ts            # 3 rounds
 *     NODE_ENV=production OVERHEAD_ROUNDS=2 OVERHEAD_PHASE=throughput npx tsx --cpu-prof test/bench/gateway-overhead.ts
 *
 * Environment: OVERHEAD_ROUNDS (3), OVERHEAD_PHASE (`both`, `invoice` or `throughput`: profile one),
 * BENCH_LATENCY_MS (20), BENCH_ITERATIONS (60 invoices per round), BENCH_THROUGHPUT_SECONDS (3 per
 * server per round, in OVERHEAD_SLICES (4) slices alternating between the two servers), BENCH_CONCURRENCY (16), OVERHEAD_PROFILE (a path: CPU profiles of the last round's
 * throughput windows, the gateway's there and bare Apollo's beside it as `*.bare.cpuprofile`; this
 * process's thread, the load generator's part included). Prints one line per round and the min–max of each ratio;
 * the load average is printed with them, as the machine is shared; then the promises each document
 * creates per request (promise-count.ts).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import { plainUpstream, startBareApollo } from './bare-apollo';
import { loadSlices } from './load-slices';
import { INVOICE_PATIENT_ID, INVOICE_QUERY, THREE_LEVEL_QUERY } from './operations';
import { plainReads, servedReads } from './plain-floor';
import { promisesPerRequest } from './promise-count';
import { BENCH_KEY, gql, PRACTICE, startWorld } from './setup';
import { fmt, now, summarize } from './stats';

const num = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return value;
};
const ROUNDS = Math.max(1, Math.floor(num('OVERHEAD_ROUNDS', 3)));
const PHASE = process.env.OVERHEAD_PHASE ?? 'both';
const LATENCY = num('BENCH_LATENCY_MS', 20);
const ITERATIONS = Math.max(5, num('BENCH_ITERATIONS', 60));
const TP_SECONDS = num('BENCH_THROUGHPUT_SECONDS', 3);
const CONCURRENCY = Math.max(1, Math.floor(num('BENCH_CONCURRENCY', 16)));
const SLICES = Math.max(1, Math.floor(num('OVERHEAD_SLICES', 4)));
if (!['both', 'invoice', 'throughput'].includes(PHASE))
  throw new Error(`OVERHEAD_PHASE: expected both, invoice or throughput, got ${PHASE}`);

/** Starts V8's CPU profiler on this thread; the function it returns stops it and writes the profile to `path`. */
async function startProfile(): Promise<(path: string) => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async (path) => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(path, JSON.stringify(profile));
    session.disconnect();
  };
}

/** p50 of each of `runs`, their runs alternating (a load change on the machine touches them alike). */
async function p50s(...runs: Array<() => Promise<unknown>>): Promise<number[]> {
  for (let i = 0; i < 20; i += 1) await Promise.all(runs.map((once) => once())); // warm-up (JIT), untimed, as in run.ts
  const times = runs.map((): number[] => []);
  for (let i = 0; i < ITERATIONS; i += 1) {
    for (const [j, once] of runs.entries()) {
      const t0 = now();
      await once();
      times[j]!.push(now() - t0);
    }
  }
  return times.map((t) => summarize(t).p50);
}

async function main() {
  const world = await startWorld();
  const gateway = await world.gateway();
  const variables = { practiceId: PRACTICE, patientId: INVOICE_PATIENT_ID };
  const answer = await gql(gateway.url, THREE_LEVEL_QUERY, variables);
  if (answer.errors) throw new Error(`3-level query: ${JSON.stringify(answer.errors)}`);
  const plain = await plainUpstream(world.nex, 24);
  const bareUpstream = await startBareApollo((answer.data as any).patient, plain);
  const reads = await plainReads(world.nex);
  const served = await servedReads(reads);
  const body = JSON.stringify({ query: THREE_LEVEL_QUERY, variables });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` };
  const rows: Array<{
    invoice?: number;
    floor?: number;
    /** The floor's reads behind a plain node:http server. */
    served?: number;
    gw?: number;
    bare?: number;
    gwCpu?: number;
    bareCpu?: number;
    /** Upstream calls per gateway request. */
    calls?: number;
    load: number;
  }> = [];
  const gwLoad = loadSlices(gateway.url, body, headers, { concurrency: CONCURRENCY, failOnError: true });
  const bareLoad = loadSlices(
    bareUpstream.url,
    body,
    { 'content-type': 'application/json' },
    { concurrency: CONCURRENCY, failOnError: true },
  );
  let calls = 0;
  try {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const row: (typeof rows)[number] = { load: os.loadavg()[0]! };
      if (PHASE !== 'throughput') {
        const fault = await world.nex.addFault({ responseTimeMs: LATENCY });
        [row.floor, row.served, row.invoice] = await p50s(
          () => reads.invoice(INVOICE_PATIENT_ID),
          () => served.invoice(INVOICE_PATIENT_ID),
          async () => {
            const r = await gql(gateway.url, INVOICE_QUERY, variables);
            if (r.errors) throw new Error(JSON.stringify(r.errors));
          },
        );
        await world.nex.removeFault(fault);
      }
      if (PHASE !== 'invoice') {
        if (round === 1) await Promise.all([gwLoad.slice(2, { warmUp: true }), bareLoad.slice(2, { warmUp: true })]); // JIT warm-up
        const profiling = Boolean(process.env.OVERHEAD_PROFILE) && round === ROUNDS;
        // Alternating slices: a change in the machine's load over the round touches both servers alike.
        for (let i = 0; i < SLICES; i += 1) {
          await world.nex.resetRequestLog();
          const profile = profiling && i === 0 ? await startProfile() : undefined;
          const gwDone = await gwLoad.slice(TP_SECONDS / SLICES);
          await profile?.(process.env.OVERHEAD_PROFILE!);
          calls += (await world.nex.requests()).filter((r) => r.path !== '/authenticates').length;
          const bareProfile = profiling && i === 0 ? await startProfile() : undefined;
          const bareDone = await bareLoad.slice(TP_SECONDS / SLICES);
          await bareProfile?.(process.env.OVERHEAD_PROFILE!.replace(/(\.cpuprofile)?$/, '.bare.cpuprofile'));
          // The profiles' windows: per-request figures divide by these.
          if (bareProfile) console.log(`profiled windows: gateway ${gwDone} requests, bare ${bareDone} requests`);
        }
        const gw = gwLoad.take();
        const bare = bareLoad.take();
        row.calls = calls / gw.requests;
        calls = 0;
        Object.assign(row, { gw: gw.rps, gwCpu: gw.cpuMsPerRequest, bare: bare.rps, bareCpu: bare.cpuMsPerRequest });
      }
      rows.push(row);
      console.log(
        `round ${round}: load ${fmt(row.load)}` +
          (row.invoice !== undefined
            ? ` | invoice p50 ${fmt(row.invoice)} ms = ${fmt(row.invoice / LATENCY)}× path (floor ${fmt(row.floor!)} = ${fmt(row.floor! / LATENCY)}×, served over HTTP ${fmt(row.served!)} = ${fmt(row.served! / LATENCY)}×)`
            : '') +
          (row.gw !== undefined
            ? ` | 3-level ${Math.round(row.gw)} req/s vs bare+reads ${Math.round(row.bare!)} = ${fmt(row.gw / row.bare!)}×` +
              `; CPU ms/request ${row.gwCpu!.toFixed(2)} vs ${row.bareCpu!.toFixed(2)}; ${fmt(row.calls!)} calls/request`
            : ''),
      );
    }
    const range = (values: number[]) => `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`;
    const inv = rows.filter((r) => r.invoice !== undefined);
    const tp = rows.filter((r) => r.gw !== undefined);
    if (inv.length)
      console.log(
        `invoice p50 / path: ${range(inv.map((r) => r.invoice! / LATENCY))}×, floor ${range(inv.map((r) => r.floor! / LATENCY))}×, served over HTTP ${range(inv.map((r) => r.served! / LATENCY))}×`,
      );
    if (tp.length) {
      console.log(`throughput / bare+reads: ${range(tp.map((r) => r.gw! / r.bare!))}×`);
      console.log(`CPU per request / bare+reads: ${range(tp.map((r) => r.gwCpu! / r.bareCpu!))}×`);
    }
    console.log(`load average over the rounds: ${range(rows.map((r) => r.load))}`);
    // After the timed rounds: the count's hook would slow every promise of a measure.
    const viaBare = await promisesPerRequest(() => gql(bareUpstream.url, THREE_LEVEL_QUERY, variables));
    const viaGateway = await promisesPerRequest(() => gql(gateway.url, THREE_LEVEL_QUERY, variables));
    const viaInvoice = await promisesPerRequest(() => gql(gateway.url, INVOICE_QUERY, variables));
    console.log(
      `promises per request (this process, the client's included): 3-level ${Math.round(viaGateway)} vs bare+reads ${Math.round(viaBare)}; invoice ${Math.round(viaInvoice)}`,
    );
  } finally {
    await Promise.all([gwLoad.close(), bareLoad.close()]);
    await served.close();
    await reads.close();
    await bareUpstream.close();
    await plain.close();
    await gateway.close();
    await world.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
