/**
 * `npx tsx test/bench/store-memory.ts`: what the embedded store (PGlite) costs in memory, each
 * PostgreSQL setting alone, every variant in a fresh process (a process never gives back all it
 * once took, so variants measured in one process would blur into each other).
 *
 * Phases, each RSS / V8 heap used / external (ArrayBuffers and the WASM heap), in MB:
 * - before: the modules loaded, nothing opened;
 * - open: PGlite ready (for a new store this includes PGlite's initdb, run in a second, temporary
 *   PGlite whose memory is garbage until the next full GC);
 * - migrated: both schemas (transactions, jobs) as `openStore` runs them;
 * - writes: STORE_MEMORY_WRITES (1,000) transactions, each one insert of a 300-byte row;
 * - gc: after a forced full GC (`--expose-gc`): what stays.
 *
 * The floor is a bare `new PGlite()` and `select 1` with PGlite's defaults, nothing of ours.
 * Environment: STORE_MEMORY_ROUNDS (2 processes per variant; the table shows min–max),
 * STORE_MEMORY_WRITES (1000), STORE_MEMORY_ONLY (run only the variants whose name contains it). Prints a table and writes `bench-results/store-memory.json`.
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { migrateJobs } from '../../src/jobs/migrations';
import { migrate } from '../../src/transactions/migrations';
import { openStore } from '../../src/transactions/open-store';
import type { SqlClient } from '../../src/transactions/sql-client';
import { createPgliteClient, PGLITE_SETTINGS, pgliteOptions } from '../../src/transactions/pglite-client';
import { PrivateNodeFS, securePrivateDir } from '../../src/transactions/store-files';

const here = dirname(fileURLToPath(import.meta.url));
const WRITES = Math.max(0, Math.floor(Number(process.env.STORE_MEMORY_WRITES ?? 1000)));
const ROUNDS = Math.max(1, Math.floor(Number(process.env.STORE_MEMORY_ROUNDS ?? 2)));

type Store = 'floor' | 'memory' | 'memory-template' | 'disk-new' | 'disk-reopen' | 'open-memory' | 'open-disk-new';
interface Variant {
  name: string;
  store: Store;
  settings: Readonly<Record<string, string>>;
  /** Extra node flags for the child (V8's WASM tiers, measured, not applied). */
  execArgv?: string[];
  /** `open-*`: the template cache (pglite-template.ts) already holds the cluster (warm) or is empty (cold). */
  cache?: 'warm' | 'cold';
}

const VARIANTS: Variant[] = [
  { name: 'floor: bare new PGlite() + select 1', store: 'floor', settings: {} },
  { name: 'memory://, PGlite defaults (before)', store: 'memory', settings: {} },
  { name: 'memory://, shared_buffers=16MB alone', store: 'memory', settings: { shared_buffers: '16MB' } },
  { name: 'memory://, max_connections=8 alone', store: 'memory', settings: { max_connections: '8' } },
  {
    name: 'memory://, work_mem, temp_buffers, maintenance_work_mem alone',
    store: 'memory',
    settings: { temp_buffers: '1MB', work_mem: '1MB', maintenance_work_mem: '4MB' },
  },
  { name: 'memory://, PGLITE_SETTINGS (applied)', store: 'memory', settings: PGLITE_SETTINGS },
  {
    name: 'memory:// by openStore, the 2nd store of the process (from the template)',
    store: 'memory-template',
    settings: PGLITE_SETTINGS,
  },
  {
    name: 'memory:// by openStore, 1st store, template cache cold (child initdb)',
    store: 'open-memory',
    settings: PGLITE_SETTINGS,
    cache: 'cold',
  },
  {
    name: 'memory:// by openStore, 1st store, template cache warm',
    store: 'open-memory',
    settings: PGLITE_SETTINGS,
    cache: 'warm',
  },
  {
    name: 'pglite:// new dir by openStore, template cache cold (child initdb)',
    store: 'open-disk-new',
    settings: PGLITE_SETTINGS,
    cache: 'cold',
  },
  {
    name: 'pglite:// new dir by openStore, template cache warm',
    store: 'open-disk-new',
    settings: PGLITE_SETTINGS,
    cache: 'warm',
  },
  { name: 'pglite:// new dir, PGlite defaults (before)', store: 'disk-new', settings: {} },
  { name: 'pglite:// new dir, PGLITE_SETTINGS (applied)', store: 'disk-new', settings: PGLITE_SETTINGS },
  { name: 'pglite:// existing dir, PGlite defaults (before)', store: 'disk-reopen', settings: {} },
  { name: 'pglite:// existing dir, PGLITE_SETTINGS (applied)', store: 'disk-reopen', settings: PGLITE_SETTINGS },
  {
    name: 'pglite:// existing dir, applied + node --liftoff-only (not applied)',
    store: 'disk-reopen',
    settings: PGLITE_SETTINGS,
    execArgv: ['--liftoff-only'],
  },
];

const PHASES = ['before', 'open', 'migrated', 'writes', 'gc'] as const;
type Phase = (typeof PHASES)[number];
interface Sample {
  rss: number;
  heap: number;
  external: number;
}
type Report = Partial<Record<Phase, Sample>> & { openMs: number };

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const sample = (): Sample => {
  const m = process.memoryUsage();
  return { rss: mb(m.rss), heap: mb(m.heapUsed), external: mb(m.external) };
};

/** The child: one variant, one process; sends its phases to the parent. */
async function child(variant: Variant, dir: string | undefined): Promise<Report> {
  const phases: Partial<Record<Phase, Sample>> = { before: sample() };
  const t0 = performance.now();
  if (variant.store === 'floor') {
    const db = new PGlite();
    await db.query('select 1');
    phases.open = sample();
    const openMs = performance.now() - t0;
    (globalThis as { gc?: () => void }).gc?.();
    phases.gc = sample();
    await db.close();
    return { ...phases, openMs };
  }
  if (variant.store === 'memory-template') {
    // The first store makes the template (open-store.ts); measured: the second, its migrations included.
    await (await openStore('memory://')).close();
    (globalThis as { gc?: () => void }).gc?.();
    phases.before = sample();
    const store = await openStore('memory://');
    phases.migrated = sample();
    const openMs = performance.now() - t0;
    await writeAndCollect(store.sql, phases);
    await store.close();
    return { ...phases, openMs };
  }
  if (variant.store === 'open-memory' || variant.store === 'open-disk-new') {
    const store = await openStore(variant.store === 'open-memory' ? 'memory://' : `pglite://${dir}`);
    phases.migrated = sample();
    const openMs = performance.now() - t0;
    await writeAndCollect(store.sql, phases);
    await store.close();
    return { ...phases, openMs };
  }
  if (dir) await securePrivateDir(dir);
  const fs = dir ? new PrivateNodeFS(dir) : undefined;
  const client = await createPgliteClient(new PGlite(pgliteOptions(variant.settings, fs)));
  await client.query('select 1');
  phases.open = sample();
  const openMs = performance.now() - t0;
  await migrate(client);
  await migrateJobs(client);
  phases.migrated = sample();
  await writeAndCollect(client, phases);
  await client.close();
  return { ...phases, openMs };
}

async function writeAndCollect(client: SqlClient, phases: Partial<Record<Phase, Sample>>): Promise<void> {
  await client.query('CREATE TABLE IF NOT EXISTS store_memory_probe (id serial PRIMARY KEY, body text NOT NULL)');
  for (let i = 0; i < WRITES; i += 1) {
    await client.transaction((tx) => tx.query('INSERT INTO store_memory_probe (body) VALUES ($1)', ['x'.repeat(300)]));
  }
  phases.writes = sample();
  (globalThis as { gc?: () => void }).gc?.();
  phases.gc = sample();
}

function runChild(index: number, dir: string | undefined, cacheHome: string): Promise<Report> {
  const variant = VARIANTS[index]!;
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['--child', String(index), dir ?? ''], {
      execArgv: ['--import', 'tsx', '--expose-gc', ...(variant.execArgv ?? [])],
      // The template cache (pglite-template.ts) of this run alone: cold or warm as the variant says.
      env: { ...process.env, XDG_CACHE_HOME: cacheHome },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let report: Report | undefined;
    proc.on('message', (m) => {
      report = m as Report;
    });
    proc.on('error', reject);
    proc.on('exit', (code) =>
      report ? resolve(report) : reject(new Error(`variant "${variant.name}" exited with ${code} and no report`)),
    );
  });
}

const span = (values: number[]) => {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
};

async function parent(): Promise<void> {
  const results: { variant: string; flags: string[]; settings: Record<string, string>; rounds: Report[] }[] = [];
  const only = process.env.STORE_MEMORY_ONLY;
  for (const [index, variant] of VARIANTS.entries()) {
    if (only && !variant.name.includes(only)) continue;
    const rounds: Report[] = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      const parentDir = /disk/.test(variant.store) ? mkdtempSync(join(tmpdir(), 'store-memory-')) : undefined;
      const dir = parentDir ? join(parentDir, 'store') : undefined;
      const cacheHome = mkdtempSync(join(tmpdir(), 'store-memory-cache-'));
      try {
        // An existing store: made (and migrated) by a first process, measured in a second.
        if (variant.store === 'disk-reopen') await runChild(index, dir, cacheHome);
        // A warm template cache: filled by a first process (its store in another folder).
        if (variant.cache === 'warm') await runChild(index, dir && `${dir}-warm`, cacheHome);
        rounds.push(await runChild(index, dir, cacheHome));
      } finally {
        if (parentDir) rmSync(parentDir, { recursive: true, force: true });
        rmSync(cacheHome, { recursive: true, force: true });
      }
    }
    results.push({ variant: variant.name, flags: variant.execArgv ?? [], settings: { ...variant.settings }, rounds });
    const cells = PHASES.map((p) => {
      const got = rounds.map((r) => r[p]).filter((s): s is Sample => s !== undefined);
      return got.length ? `${span(got.map((s) => s.rss))} / ${span(got.map((s) => s.heap))}` : '—';
    });
    console.log(`| ${variant.name} | ${cells.join(' | ')} | ${span(rounds.map((r) => Math.round(r.openMs)))} |`);
  }
  mkdirSync(join(here, '..', '..', 'bench-results'), { recursive: true });
  writeFileSync(
    join(here, '..', '..', 'bench-results', 'store-memory.json'),
    `${JSON.stringify({ writes: WRITES, rounds: ROUNDS, results }, null, 2)}\n`,
  );
}

const header = () => {
  console.log(`RSS / V8 heap used, MB, min–max over ${ROUNDS} fresh processes; ${WRITES} writes`);
  console.log(`| variant | ${PHASES.join(' | ')} | open ms |`);
  console.log(`|---|${PHASES.map(() => '---|').join('')}---|`);
};

if (process.argv[2] === '--child') {
  const variant = VARIANTS[Number(process.argv[3])];
  if (!variant) throw new Error(`expected a variant index 0..${VARIANTS.length - 1}, got ${process.argv[3]}`);
  const report = await child(variant, process.argv[4] || undefined);
  process.send?.(report);
} else {
  header();
  await parent();
}
