/**
 * The gateway's own memory, in its own process: `src/main.ts --config FILE` started as `npm start`
 * starts it (node with tsx's loader), on the default embedded store (`pglite://`, a new folder),
 * over the bench's NexHealth sandbox (its own process). The bench's load generator stays in the
 * parent, so the figures are the gateway's alone (run.ts's own line also counts the load
 * generator, the in-process gateways and their modules).
 *
 * Phases, each RSS / V8 heap used (after a full GC: the child runs with `--expose-gc`), in MB:
 * - start: the gateway listening, its store opened and migrated;
 * - load: after `seconds` of the 3-level query at `concurrency`, and each bench operation a few
 *   times (the (d) load of run.ts, against this gateway).
 *
 * The child answers memory questions through a tiny `--import` probe (a data: URL: no module of
 * ours, nothing that weighs). Its NexHealth adapter runs under the upstream budget, as `npm start`
 * would (run.ts's in-process gateways run without it), so its load is capped by NexHealth's
 * published rates; memory, not throughput, is what this part measures.
 *
 * In `npm run bench` (run.ts): BENCH_GATEWAY_MEMORY_ROUNDS (2; `0` leaves it out). Alone:
 * `npx tsx test/bench/gateway-memory.ts` (GATEWAY_MEMORY_ROUNDS, GATEWAY_MEMORY_RUNTIME=tsx to
 * compare with the gateway under tsx).
 *
 *     const figures = await gatewayMemoryPart(world, { seconds: 5, concurrency: 16, rounds: 2 });
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nexhealthSandboxPractices } from '../../src/sandbox/nexhealth/mode';
import { INVOICE_PATIENT_ID, OPERATIONS, THREE_LEVEL_QUERY } from './operations';
import { BENCH_KEY, gql, PRACTICE, type BenchWorld } from './setup';

export interface GatewayMemoryOptions {
  /** Seconds of the 3-level query (default 5). */
  seconds?: number;
  /** Requests in flight during those seconds (default 16). */
  concurrency?: number;
  /** Fresh gateway processes, each measured once (default 2: the figures show their spread). */
  rounds?: number;
  /**
   * How the gateway runs: `bundle`, as `npm start` does (`dist/main.mjs`, built here first by
   * scripts/bundle-start.mjs), or `tsx` (src/main.ts under tsx's loader, as `npm start` did before).
   * Default: `GATEWAY_MEMORY_RUNTIME`, else `bundle`.
   */
  runtime?: 'bundle' | 'tsx';
}

export interface MemorySample {
  rss: number;
  heap: number;
  external: number;
}

export interface GatewayMemoryRound {
  runtime: 'bundle' | 'tsx';
  start: MemorySample;
  load: MemorySample;
  requests: number;
  errors: number;
  startMs: number;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** Loaded before main.ts: answers `{ type: 'memory' }` with this process's memory after a full GC. */
const PROBE = `data:text/javascript,${encodeURIComponent(
  `process.on('message', (m) => {
    if (!m || m.type !== 'memory') return;
    globalThis.gc?.();
    const u = process.memoryUsage();
    process.send({ type: 'memory', rss: u.rss, heap: u.heapUsed, external: u.external });
  });`,
)}`;

function ask(child: ChildProcess): Promise<MemorySample> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: any) => {
      if (m?.type !== 'memory') return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve({ rss: mb(m.rss), heap: mb(m.heap), external: mb(m.external) });
    };
    const onExit = (code: number | null) => reject(new Error(`the gateway process exited with ${code} before answering`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send({ type: 'memory' });
  });
}

/** Start main.ts with `config` (as `npm start --config FILE`); resolves with its URL once it listens. */
async function startChild(
  config: unknown,
  dir: string,
  runtime: 'bundle' | 'tsx',
): Promise<{ child: ChildProcess; url: string }> {
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  const main = runtime === 'bundle' ? join(root, 'dist', 'main.mjs') : join(root, 'src', 'main.ts');
  const child = fork(main, ['--config', file], {
    cwd: root, // as `npm start` runs (tsx resolves from the project)
    execArgv: [...(runtime === 'tsx' ? ['--import', 'tsx'] : []), '--expose-gc', '--import', PROBE],
    env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production' },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const found = /listening on (http:\/\/\S+)/.exec(out);
      if (found) resolve(found[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the gateway process exited with ${code} before listening: ${out}`)));
  });
  return { child, url };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM'); // main.ts closes the gateway and its store, then exits
  await exited;
}

/** `seconds` of the 3-level query at `concurrency`, then each bench operation 3 times. */
async function load(url: string, seconds: number, concurrency: number): Promise<{ requests: number; errors: number }> {
  let requests = 0;
  let errors = 0;
  const variables = { practiceId: PRACTICE, patientId: INVOICE_PATIENT_ID };
  const until = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const answer = await gql(url, THREE_LEVEL_QUERY, variables).catch(() => ({ errors: ['transport'] }));
      requests += 1;
      if (answer.errors) errors += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  for (const op of OPERATIONS) {
    for (let i = 0; i < 3; i += 1) {
      const answer = await gql(url, op.query, op.variables);
      requests += 1;
      if (answer.errors) errors += 1;
    }
  }
  return { requests, errors };
}

export async function gatewayMemoryPart(world: BenchWorld, options: GatewayMemoryOptions = {}): Promise<GatewayMemoryRound[]> {
  const seconds = options.seconds ?? 5;
  const concurrency = options.concurrency ?? 16;
  const runtime = options.runtime ?? (process.env.GATEWAY_MEMORY_RUNTIME === 'tsx' ? 'tsx' : 'bundle');
  if (runtime === 'bundle') execFileSync(process.execPath, [join(root, 'scripts', 'bundle-start.mjs')], { stdio: 'inherit' });
  const rounds: GatewayMemoryRound[] = [];
  for (let r = 0; r < (options.rounds ?? 2); r += 1) {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-memory-'));
    const config = {
      server: { port: 0, host: '127.0.0.1' },
      store: { url: `pglite://${join(dir, 'store')}` },
      transactionIdPrefix: 'LG',
      logLevel: 'silent',
      limits: { requestsPerMinute: 100_000_000 },
      apiKeys: [{ name: 'bench', key: BENCH_KEY, practices: ['*'] }],
      practices: nexhealthSandboxPractices(world.nex).filter((p) => p.id === PRACTICE),
    };
    try {
      const t0 = performance.now();
      const { child, url } = await startChild(config, dir, runtime);
      try {
        const startMs = performance.now() - t0;
        const start = await ask(child);
        const counts = await load(`${url}/graphql`, seconds, concurrency);
        rounds.push({ runtime, start, load: await ask(child), ...counts, startMs });
      } finally {
        await stopChild(child);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rounds;
}

const span = (values: number[]) => {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
};

/** One line for the bench's report: RSS / V8 heap per phase, min–max over the rounds, beside the target. */
export function gatewayMemoryLine(rounds: readonly GatewayMemoryRound[]): string {
  if (rounds.length === 0) return 'memory of the gateway alone: not measured';
  const cell = (pick: (r: GatewayMemoryRound) => MemorySample) =>
    `${span(rounds.map((r) => pick(r).rss))} / ${span(rounds.map((r) => pick(r).heap))}`;
  const worst = Math.max(...rounds.flatMap((r) => [r.start.rss, r.load.rss]));
  return (
    `memory of the gateway alone (npm start --config in its own process${rounds[0]!.runtime === 'tsx' ? ' under tsx' : ''}, new pglite:// store; RSS / V8 heap MB after a full GC, ` +
    `min–max of ${rounds.length} processes): after start ${cell((r) => r.start)}, after the load ${cell((r) => r.load)} ` +
    `(${span(rounds.map((r) => r.requests))} requests, ${span(rounds.map((r) => r.errors))} errors) — ` +
    `target ≤ 250 MB RSS ${worst <= 250 ? '✓' : '✗'}; the peer (Hive Gateway over NexHealth) used 131 MB after start`
  );
}

// `npx tsx test/bench/gateway-memory.ts`: this part alone, over a fresh sandbox process.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { startWorld } = await import('./setup');
  const world = await startWorld();
  try {
    const rounds = await gatewayMemoryPart(world, {
      seconds: Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 5),
      rounds: Number(process.env.GATEWAY_MEMORY_ROUNDS ?? 2),
    });
    console.log(gatewayMemoryLine(rounds));
    console.log(JSON.stringify(rounds));
  } finally {
    await world.close();
  }
}
