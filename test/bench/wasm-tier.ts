/**
 * What `store.wasmTierUp` trades (src/transactions/wasm-tier.ts): the embedded store's speed and the
 * process's RSS with PGlite's WebAssembly on Liftoff only (the default) and with V8's tier-up to
 * TurboFan. The setting is process-wide, so each measure is its own process, alternating between
 * the two so that a change in the machine's load touches both alike.
 *
 * Per process: a `memory://` store opened as the gateway opens it, then WASM_TIER_OPS (2,000)
 * transactions of an INSERT and an indexed SELECT (the shape of the store's own statements: a row
 * written, a few rows read by key), and as many HTTP GETs through undici (its parser, llhttp, is
 * WebAssembly too) of a 50-row JSON body from a local server; the first round warms up, the next
 * three are timed. RSS after a full GC.
 *
 * In `npm run bench` (run.ts): BENCH_WASM_TIER_ROUNDS (2; `0` leaves it out). Alone:
 *
 *     npx tsx test/bench/wasm-tier.ts            (WASM_TIER_ROUNDS pairs of processes, default 3)
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { openStore } from '../../src/transactions/open-store';

const OPS = Number(process.env.WASM_TIER_OPS ?? 2_000);

interface Figures {
  tierUp: boolean;
  sqlUs: number;
  httpUs: number;
  rssMb: number;
}

async function measure(tierUp: boolean): Promise<Figures> {
  const store = await openStore('memory://', { wasmTierUp: tierUp });
  const db = store.sql;
  await db.query('CREATE TABLE bench_t (id serial PRIMARY KEY, a int, b text, c jsonb)');
  await db.query('CREATE INDEX bench_t_a ON bench_t (a)');
  const body = JSON.stringify({ data: Array.from({ length: 50 }, (_, i) => ({ id: i, name: 'x'.repeat(20), amount: '12.34' })) });
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
  server.keepAliveTimeout = 600_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const sql: number[] = [];
  const http: number[] = [];
  for (let round = 0; round < 4; round += 1) {
    let t0 = performance.now();
    for (let i = 0; i < OPS; i += 1) {
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO bench_t (a, b, c) VALUES ($1, $2, $3)', [i, `row ${i}`, { i }]);
        await tx.query('SELECT * FROM bench_t WHERE a = $1 ORDER BY id DESC LIMIT 5', [i]);
      });
    }
    if (round > 0) sql.push(((performance.now() - t0) * 1000) / OPS);
    t0 = performance.now();
    for (let i = 0; i < OPS; i += 1) await (await request(url)).body.json();
    if (round > 0) http.push(((performance.now() - t0) * 1000) / OPS);
  }
  server.close();
  await store.close();
  globalThis.gc?.();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { tierUp, sqlUs: median(sql), httpUs: median(http), rssMb: Math.round(process.memoryUsage().rss / 1048576) };
}

export interface WasmTierOptions {
  /** Pairs of processes, one of each mode (default 2). */
  rounds?: number;
}

/** Each mode's figures as min–max over its processes: one line per mode. */
export function wasmTierPart(options: WasmTierOptions = {}): string[] {
  const self = fileURLToPath(import.meta.url);
  const runs: Figures[] = [];
  for (let r = 0; r < (options.rounds ?? 2); r += 1) {
    for (const mode of ['liftoff', 'up']) {
      const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', self], {
        env: { ...process.env, WASM_TIER_CHILD: mode },
        encoding: 'utf8',
      });
      runs.push(JSON.parse(out.trim().split('\n').pop()!) as Figures);
    }
  }
  const range = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;
  return [false, true].map((tierUp) => {
    const mine = runs.filter((r) => r.tierUp === tierUp);
    return (
      `store.wasmTierUp ${tierUp ? 'true  (V8 tiers up to TurboFan)' : 'false (default: Liftoff only) '}: store transaction ` +
      `${range(mine.map((r) => r.sqlUs))} µs, HTTP GET ${range(mine.map((r) => r.httpUs))} µs, ` +
      `RSS ${range(mine.map((r) => r.rssMb))} MB (${mine.length} processes, a memory:// store each)`
    );
  });
}

if (process.env.WASM_TIER_CHILD) {
  console.log(JSON.stringify(await measure(process.env.WASM_TIER_CHILD === 'up')));
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const line of wasmTierPart({ rounds: Number(process.env.WASM_TIER_ROUNDS ?? 3) })) console.log(line);
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}
