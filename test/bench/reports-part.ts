/**
 * The practice-wide reports bench (issue 18): part of `npm run bench` (run.ts, sizes from
 * BENCH_REPORT_SIZES), or alone: `npx tsx test/bench/reports-part.ts [sizes…]` (default 1000 5000
 * 20000). For each size, a NexHealth sandbox in a child process (reports-sandbox.ts) grown by that
 * many patients, its real rate limits ON and every call answered BENCH_LATENCY_MS (20) after it
 * arrived; a gateway in this process on a `memory://` store. Measures:
 *
 * - `agingSummary`, `receivables(minBalance: "100.00", first: 50)` and `collections(PAYMENT_TYPE)`,
 *   each cold (an empty snapshot): upstream calls (tokens excluded), pages, wall time;
 * - beside each, the floor: the same upstream requests replayed one after another (a cursor walk
 *   cannot go faster) by a plain undici client with JSON.parse and the adapter's own row checks
 *   (the row schemas' fast path, wire.ts), and pages × latency; and the costliest page's JSON.parse and zod ms;
 * - the gateway's RSS growth during the reports (peak over the baseline after warm-up);
 * - a single patient's balance, p95 over BENCH_ITERATIONS (30) alone, then while reports run in a
 *   loop, with the gateway thread's event-loop delay (p99, max) meanwhile (BENCH_DEBUG=1 also logs
 *   the garbage collector's pauses);
 * - the "before": the A/R question asked the old way (walk `Practice.patients` pages, each
 *   patient's guarantor aging), at 1,000 patients (and 5,000 with BENCH_NAIVE_5000=1).
 *
 * Prints a table (the README's bench section) and writes `bench-results/reports.json`; run.ts fails
 * when a report's calls exceed its pages + 2 (`reportCallRises`).
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import {
  guarantorBalanceSchema,
  parseRow,
  patientSchema,
  paymentSchema,
  paymentTypeSchema,
} from '../../src/adapters/ledger/nexhealth/schemas';
import { parseConfig } from '../../src/config';
import { createLogger } from '../../src/logging/logger';
import { PracticeReports } from '../../src/reports/practice-reports';
import { NEX_SEED, type RecordedRequest } from '../../src/sandbox/nexhealth';
import { nexhealthSandboxPractices } from '../../src/sandbox/nexhealth/mode';
import { startGateway, type RunningGateway } from '../../src/server/gateway';
import { rpc } from './setup';
import { summarize } from './stats';

const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 20);
const ITERATIONS = Math.max(5, Number(process.env.BENCH_ITERATIONS ?? 30));
const here = dirname(fileURLToPath(import.meta.url));
const KEY = 'bench-reports-key-0000000000000001';
const ANALYST = 'bench-reports-analyst-000000000002';
const log = (...args: unknown[]) => console.error('[bench:reports]', ...args);
const mb = (bytes: number) => Math.round(bytes / 1_048_576);

const AGING = '{ practice(id: "smile-dental") { agingSummary { current { amount } over90 { amount } total { amount } } } }';
const RECEIVABLES = `{ practice(id: "smile-dental") { receivables(filter: { minBalance: "100.00" }, first: 50) {
  nodes { guarantor { firstName lastName } aging { total { amount } } } endCursor hasNextPage totalCount } } }`;
const COLLECTIONS = `{ practice(id: "smile-dental") { collections(from: "2025-03-01", to: "2025-06-30", groupBy: PAYMENT_TYPE) {
  key total { amount } count } } }`;
const BALANCE = `{ patient(practiceId: "smile-dental", patientId: "${NEX_SEED.ownGuarantor.ownId}") { balance { total { amount } } } }`;
const NAIVE = `query N($after: String) { practice(id: "smile-dental") { patients(first: 200, after: $after) {
  nodes { guarantor { sourceId aging { total { cents } } } } endCursor hasNextPage } } }`;

const client = new Agent({ connections: 64 });

async function gql(url: string, query: string, variables: Record<string, unknown> = {}, key = KEY) {
  const response = await request(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
    dispatcher: client,
  });
  const body = (await response.body.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(`bench query failed: ${JSON.stringify(body.errors).slice(0, 400)}`);
  return body.data;
}

interface Sandbox {
  url: string;
  rows: { patients: number; guarantorBalances: number; payments: number };
  requests(): Promise<Array<Pick<RecordedRequest, 'path' | 'status' | 'query'>>>;
  requestsFull(): Promise<RecordedRequest[]>;
  reset(): Promise<void>;
  close(): Promise<void>;
  practices: ReturnType<typeof nexhealthSandboxPractices>;
}

async function startSandbox(patients: number): Promise<Sandbox> {
  const child = fork(join(here, 'reports-sandbox.ts'), [String(patients), String(LATENCY)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<any>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`reports sandbox exited with ${code} before it was ready`)));
    child.on('message', (m: any) => m?.type === 'ready' && resolve(m));
  });
  const call = rpc(child);
  return {
    url: ready.nex.url,
    rows: ready.rows,
    practices: nexhealthSandboxPractices(ready.nex),
    requests: async () => (await call<{ requests: any[] }>('requests')).requests,
    requestsFull: async () => (await call<{ requests: RecordedRequest[] }>('requestsFull')).requests,
    reset: async () => void (await call('resetRequestLog')),
    close: async () => {
      child.send({ seq: -1, type: 'close' });
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** A report's calls: the token and the gateway's start-up webhook registration left out. */
const dataCalls = <T extends { path: string }>(rs: readonly T[]) =>
  rs.filter((r) => r.path !== '/authenticates' && !r.path.startsWith('/webhook_endpoints'));

/** The adapter's own row checks (the row schemas' fast path, wire.ts), so the floor pays the same validation as the gateway. */
const ROW_CHECKS: Record<string, (row: unknown, index: number) => unknown> = {
  '/guarantor_balances': (row) => parseRow(guarantorBalanceSchema, row),
  '/patients': (row) => parseRow(patientSchema, row),
  '/payments': (row) => parseRow(paymentSchema, row),
  '/payment_types': (row) => parseRow(paymentTypeSchema, row),
};

/**
 * The recorded requests replayed one after another by a plain client (undici, JSON.parse and the
 * adapter's row checks, no GraphQL, no snapshot): the floor of a cursor walk on this machine.
 */
async function replayFloor(sandboxUrl: string, recorded: readonly RecordedRequest[]): Promise<{ ms: number; pages: PageCost[] }> {
  const started = performance.now();
  const pages: PageCost[] = [];
  for (const r of dataCalls(recorded)) {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(r.query)) for (const one of Array.isArray(v) ? v : [v]) query.append(k, String(one));
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'nex-api-version'])
      if (typeof r.headers[name] === 'string') headers[name] = r.headers[name] as string;
    const response = await request(`${sandboxUrl}${r.path}?${query}`, { headers, dispatcher: client });
    const text = await response.body.text();
    const t0 = performance.now();
    const body = JSON.parse(text) as { data?: unknown };
    const t1 = performance.now();
    const check = ROW_CHECKS[r.path];
    if (check && Array.isArray(body.data))
      for (const [i, row] of body.data.entries()) if (!(row as { deleted_at?: unknown }).deleted_at) check(row, i);
    const rows = Array.isArray(body.data) ? body.data.length : 0;
    pages.push({ path: r.path, rows, bytes: text.length, parseMs: t1 - t0, zodMs: performance.now() - t1 });
  }
  return { ms: performance.now() - started, pages };
}

/** One replayed page: its size and what JSON.parse and the row checks cost on this thread. */
export interface PageCost {
  path: string;
  rows: number;
  bytes: number;
  parseMs: number;
  zodMs: number;
}

interface ReportFigure {
  calls: number;
  pages: number;
  wallMs: number;
  floorMs: number;
  latencyFloorMs: number;
  /** The costliest page of the replay: JSON.parse and zod ms on one thread, in one go. */
  worstPage: { rows: number; parseMs: number; zodMs: number };
}

export interface ReportsRow {
  patients: number;
  guarantors: number;
  agingSummary: ReportFigure;
  receivables: ReportFigure;
  collections: ReportFigure;
  rssGrowthMb: number;
  patientP95AloneMs: number;
  patientP95DuringMs: number;
  /** The gateway thread's event-loop delay p99 (and max), ms, while the patient reads ran alone / during reports. */
  loopDelayAlone: { p99: number; max: number };
  loopDelayDuring: { p99: number; max: number };
  naive: { calls: number; refused429: number; wallMs: number } | null;
}

function freshSnapshots(gateway: RunningGateway): void {
  const services = gateway.services as { reports: PracticeReports };
  services.reports = new PracticeReports(gateway.services.registry, { ttlMs: 30_000 });
}

async function coldReport(gateway: RunningGateway, sandbox: Sandbox, query: string, pages: number): Promise<ReportFigure> {
  freshSnapshots(gateway);
  await sandbox.reset();
  const started = performance.now();
  await gql(gateway.url, query, {}, ANALYST);
  const wallMs = performance.now() - started;
  const recorded = await sandbox.requestsFull();
  if (process.env.BENCH_DEBUG) log(recorded.map((x) => `${x.path} ${JSON.stringify(x.query)} ${x.status}`));
  const floor = await replayFloor(sandbox.url, recorded);
  const worst = floor.pages.reduce((a, b) => (b.parseMs + b.zodMs > a.parseMs + a.zodMs ? b : a), floor.pages[0]!);
  return {
    calls: dataCalls(recorded).length,
    pages,
    wallMs,
    floorMs: floor.ms,
    latencyFloorMs: pages * LATENCY,
    worstPage: { rows: worst.rows, parseMs: worst.parseMs, zodMs: worst.zodMs },
  };
}

/** A patient's balance p95 over ITERATIONS, and the gateway thread's event-loop delay p99 meanwhile. */
async function patientP95(
  url: string,
): Promise<{ p95: number; loopDelayP99: number; loopDelayMax: number; gcMaxMs: number; gcMs: number }> {
  const times: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 5 });
  const gc = { max: 0, total: 0, byKind: {} as Record<string, [number, number]> };
  const gcs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.max = Math.max(gc.max, e.duration);
      gc.total += e.duration;
      const kind = String((e as any).detail?.kind);
      const k = gc.byKind[kind] ?? [0, 0];
      gc.byKind[kind] = k;
      k[0]++;
      k[1] = Math.max(k[1], e.duration);
    }
  });
  gcs.observe({ entryTypes: ['gc'] });
  delay.enable();
  for (let i = 0; i < ITERATIONS; i++) {
    const started = performance.now();
    await gql(url, BALANCE);
    times.push(performance.now() - started);
  }
  delay.disable();
  gcs.disconnect();
  if (process.env.BENCH_DEBUG)
    log(
      `gc during the patient reads: ${Math.round(gc.total)} ms in all, longest pause ${gc.max.toFixed(1)} ms; by kind [count, max] ${JSON.stringify(gc.byKind)}`,
    );
  return {
    p95: summarize(times).p95,
    loopDelayP99: delay.percentile(99) / 1e6,
    loopDelayMax: delay.max / 1e6,
    gcMaxMs: gc.max,
    gcMs: gc.total,
  };
}

async function naiveWalk(gateway: RunningGateway, sandbox: Sandbox): Promise<ReportsRow['naive']> {
  await sandbox.reset();
  const started = performance.now();
  let after: string | null = null;
  do {
    const page: any = (await gql(gateway.url, NAIVE, { after }, ANALYST)).practice.patients;
    after = page.hasNextPage ? page.endCursor : null;
  } while (after);
  const wallMs = performance.now() - started;
  const recorded = await sandbox.requests();
  return { calls: dataCalls(recorded).length, refused429: recorded.filter((r) => r.status === 429).length, wallMs };
}

export async function reportsPart(sizes: readonly number[]): Promise<ReportsRow[]> {
  const rows: ReportsRow[] = [];
  for (const patients of sizes) {
    log(`${patients} patients: starting the sandbox`);
    const sandbox = await startSandbox(patients);
    const config = parseConfig({
      server: { port: 0, host: '127.0.0.1' },
      store: { url: 'memory://' },
      transactionIdPrefix: 'LG',
      logLevel: 'silent',
      limits: { requestsPerMinute: 1_000_000 },
      apiKeys: [
        { name: 'bench', key: KEY, practices: ['*'] },
        { name: 'analyst', key: ANALYST, practices: ['*'] },
      ],
      practices: sandbox.practices.filter((p) => p.id === 'smile-dental'),
    });
    const gateway = await startGateway(config, { logger: createLogger({ level: 'silent' }) });
    try {
      const pages = (n: number) => Math.max(1, Math.ceil(n / 1000));
      const balancePages = pages(sandbox.rows.guarantorBalances);
      await gql(gateway.url, BALANCE); // warm: token, reference data
      globalThis.gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 25);
      const aging = await coldReport(gateway, sandbox, AGING, balancePages);
      const receivables = await coldReport(gateway, sandbox, RECEIVABLES, balancePages + pages(sandbox.rows.patients));
      const collections = await coldReport(gateway, sandbox, COLLECTIONS, pages(sandbox.rows.payments));
      log(
        `${patients}: aging ${aging.calls} calls ${Math.round(aging.wallMs)} ms; receivables ${receivables.calls} calls; collections ${collections.calls} calls`,
      );

      const alone = await patientP95(gateway.url);
      let running = true;
      const loop = (async () => {
        while (running) {
          freshSnapshots(gateway);
          await gql(gateway.url, RECEIVABLES, {}, ANALYST);
          await gql(gateway.url, COLLECTIONS, {}, ANALYST);
        }
      })();
      const during = await patientP95(gateway.url);
      running = false;
      await loop;
      clearInterval(sampler);
      const naive =
        patients === 1_000 || (patients === 5_000 && process.env.BENCH_NAIVE_5000 === '1')
          ? await naiveWalk(gateway, sandbox)
          : null;
      rows.push({
        patients,
        guarantors: sandbox.rows.guarantorBalances,
        agingSummary: aging,
        receivables,
        collections,
        rssGrowthMb: mb(peak - baseline),
        patientP95AloneMs: alone.p95,
        patientP95DuringMs: during.p95,
        loopDelayAlone: { p99: alone.loopDelayP99, max: alone.loopDelayMax },
        loopDelayDuring: { p99: during.loopDelayP99, max: during.loopDelayMax },
        naive,
      });
    } finally {
      await gateway.close();
      await sandbox.close();
    }
  }
  return rows;
}

const r = (ms: number) => Math.round(ms);

/** The ceiling: a report's upstream calls (token excluded) are at most its pages + 2. */
export const callCeiling = (f: Pick<ReportFigure, 'pages'>) => f.pages + 2;

const FIGURES = [
  ['agingSummary', (row: ReportsRow) => row.agingSummary],
  ['receivables', (row: ReportsRow) => row.receivables],
  ['collections', (row: ReportsRow) => row.collections],
] as const;

/** One sentence per report whose calls exceeded pages + 2 (empty when none did). */
export function reportCallRises(rows: readonly ReportsRow[]): string[] {
  const rises: string[] = [];
  for (const row of rows)
    for (const [name, figure] of FIGURES) {
      const f = figure(row);
      if (f.calls > callCeiling(f))
        rises.push(
          `${name} at ${row.patients} patients: expected at most ${callCeiling(f)} upstream calls (${f.pages} pages + 2), measured ${f.calls}`,
        );
    }
  return rises;
}

/**
 * The sizes of `BENCH_REPORT_SIZES` (comma-separated patient counts; unset or empty: 1000,5000,20000;
 * `0`: no reports part).
 */
export function reportSizesFrom(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') return [1_000, 5_000, 20_000];
  const sizes = raw.split(',').map((one) => Number(one.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 0))
    throw new Error(
      `BENCH_REPORT_SIZES must be comma-separated whole patient counts (e.g. 1000,5000), got ${JSON.stringify(raw)}`,
    );
  return sizes.filter((n) => n > 0);
}

export function reportsTable(rows: readonly ReportsRow[]): string {
  const lines = [
    `| patients (guarantors) | report | upstream calls (pages) | wall ms | floor: plain replay + zod ms | pages × ${LATENCY} ms | costliest page: rows, JSON.parse / zod ms |`,
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    for (const [name, f] of [
      ['agingSummary', row.agingSummary],
      ['receivables(minBalance "100.00", first 50)', row.receivables],
      ['collections(PAYMENT_TYPE)', row.collections],
    ] as const) {
      lines.push(
        `| ${row.patients} (${row.guarantors}) | ${name} | ${f.calls} (${f.pages}) ${f.calls <= callCeiling(f) ? '✓' : '✗'} | ${r(f.wallMs)} | ${r(f.floorMs)} | ${f.latencyFloorMs} | ${f.worstPage.rows}, ${f.worstPage.parseMs.toFixed(1)} / ${f.worstPage.zodMs.toFixed(1)} |`,
      );
    }
  }
  lines.push(
    '',
    '| patients | RSS growth | patient balance p95 alone | p95 during reports | ratio | event-loop delay p99 (max) alone / during | before: naive A/R walk (calls, 429s, wall) |',
    '|---|---|---|---|---|---|---|',
  );
  for (const row of rows) {
    const naive = row.naive ? `${row.naive.calls} calls, ${row.naive.refused429} × 429, ${r(row.naive.wallMs)} ms` : '—';
    lines.push(
      `| ${row.patients} | ${row.rssGrowthMb} MB | ${r(row.patientP95AloneMs)} ms | ${r(row.patientP95DuringMs)} ms | ` +
        `${(row.patientP95DuringMs / row.patientP95AloneMs).toFixed(2)}× | ${r(row.loopDelayAlone.p99)} (${r(row.loopDelayAlone.max)}) / ` +
        `${r(row.loopDelayDuring.p99)} (${r(row.loopDelayDuring.max)}) ms | ${naive} |`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sizes = process.argv.slice(2).map(Number);
  const rows = await reportsPart(sizes.length ? sizes : [1_000, 5_000, 20_000]);
  const table = reportsTable(rows);
  console.log(table);
  mkdirSync(join(here, '..', '..', 'bench-results'), { recursive: true });
  writeFileSync(join(here, '..', '..', 'bench-results', 'reports.json'), JSON.stringify({ latencyMs: LATENCY, rows }, null, 2));
  await client.close();
}
