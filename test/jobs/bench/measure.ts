/**
 * The measurement behind `src/jobs/README.md` ("Why our own table, not pg-boss"): pg-boss 10.x
 * (through its `db` option) versus `createJobQueue`, on PGlite in memory and on PostgreSQL.
 * Not part of `npm test`; pg-boss is not a dependency of the project, so point the script at a copy:
 *
 *     mkdir -p /tmp/pgboss && (cd /tmp/pgboss && npm init -y >/dev/null && npm i pg-boss@10.4.2)
 *     eval "$(bash .ci/run postgres)"        # for the PostgreSQL rows (skipped without it)
 *     PG_BOSS_DIR=/tmp/pgboss/node_modules/pg-boss npx tsx test/jobs/bench/measure.ts [rounds]
 *     PG_BOSS_DIR=… npx tsx test/jobs/bench/measure.ts probe   # pg-boss's singleton policies, expiry, fetch errors
 *
 * Each (implementation, back end) runs in a child process of its own (memory figures stay apart),
 * `rounds` times (default 3), interleaved; the table shows medians. Per run:
 * - open (fresh): create the tables on an empty database; PGlite's own boot is shown apart;
 * - open (again): start once more over the existing tables, as every gateway restart does;
 * - enqueue: 1,000 jobs, one awaited call each (the write path enqueues one job per request);
 * - fetch+complete: claim in batches of 10 and complete each job individually until none is left;
 * - tables etc.: what the implementation creates in the database;
 * - size: the relations' bytes after the 1,000 jobs completed; RSS: the child's resident memory.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { migrateJobs } from '../../../src/jobs/migrations';
import { createJobQueue } from '../../../src/jobs/queue';
import { createPgClient } from '../../../src/transactions/pg-client';
import { createPgliteClient } from '../../../src/transactions/pglite-client';
import type { SqlClient } from '../../../src/transactions/sql-client';
import { throwAwaySchema } from '../../postgres-url';

type Impl = 'pg-boss' | 'ours';
type BackendName = 'pglite' | 'postgres';
const JOBS = 1_000;
const BATCH = 10;

interface Result {
  impl: Impl;
  backend: BackendName;
  pgliteBootMs: number | null;
  openFreshMs: number;
  openAgainMs: number;
  enqueueMs: number;
  fetchCompleteMs: number;
  completed: number;
  objects: string;
  sizeKiB: number;
  rssMiB: number;
  errors: string[];
}

/** The part of pg-boss 10's API used here (it is not a dependency, so no types are imported). */
interface PgBossLike {
  on(event: 'maintenance', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  start(): Promise<unknown>;
  stop(options: { graceful: boolean; close: boolean; wait?: boolean }): Promise<void>;
  createQueue(name: string, options?: Record<string, unknown>): Promise<void>;
  send(name: string, data: object, options?: Record<string, unknown>): Promise<string | null>;
  fetch(name: string, options: { batchSize: number }): Promise<{ id: string }[]>;
  complete(name: string, id: string): Promise<unknown>;
  getQueueSize(name: string, options?: { before?: string }): Promise<number>;
  getJobById(name: string, id: string): Promise<Record<string, unknown> | null>;
}
type PgBossClass = new (options: Record<string, unknown>) => PgBossLike;

interface Executor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

const ms = (start: number) => Math.round(performance.now() - start);

async function loadPgBoss(): Promise<PgBossClass> {
  const dir = process.env.PG_BOSS_DIR;
  const specifier = dir ? pathToFileURL(join(dir, 'src', 'index.js')).href : 'pg-boss';
  const mod = (await import(specifier)) as { default: PgBossClass };
  return mod.default;
}

/** pg-boss's `db` over PGlite: parameterized statements through `query`, multi-statement scripts through `exec`. */
function pgliteExecutor(db: PGlite, errors: string[]): Executor {
  return {
    async executeSql(text, values) {
      try {
        if (values && values.length > 0) return await db.query(text, values);
        const results = await db.exec(text);
        return results[results.length - 1] ?? { rows: [] };
      } catch (error) {
        errors.push(`${(error as Error).message} <- ${text.trim().replace(/\s+/g, ' ').slice(0, 80)}`);
        throw error;
      }
    },
  };
}

function pgExecutor(pool: pg.Pool, errors: string[]): Executor {
  return {
    async executeSql(text, values) {
      try {
        return await pool.query(text, values);
      } catch (error) {
        errors.push(`${(error as Error).message} <- ${text.trim().replace(/\s+/g, ' ').slice(0, 80)}`);
        throw error;
      }
    },
  };
}

async function describeObjects(
  query: (sql: string) => Promise<{ rows: unknown[] }>,
  schema: string,
): Promise<{ objects: string; sizeKiB: number }> {
  const { rows } = (await query(
    `SELECT
       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = '${schema}' AND c.relkind IN ('r', 'p'))::int AS tables,
       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = '${schema}' AND c.relkind IN ('i', 'I'))::int AS indexes,
       (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = '${schema}')::int AS functions,
       (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = '${schema}' AND t.typtype = 'e')::int AS enums,
       (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = '${schema}' AND c.relkind = 'r')::bigint AS bytes`,
  )) as { rows: { tables: number; indexes: number; functions: number; enums: number; bytes: string | number }[] };
  const r = rows[0]!;
  return {
    objects: `${r.tables} tables, ${r.indexes} indexes, ${r.functions} functions, ${r.enums} enums`,
    sizeKiB: Math.round(Number(r.bytes) / 1024),
  };
}

async function runPgBoss(backend: BackendName): Promise<Result> {
  const PgBoss = await loadPgBoss();
  const errors: string[] = [];
  let pgliteBootMs: number | null = null;
  let executor: Executor;
  let schema = 'pgboss';
  let query: (sql: string) => Promise<{ rows: unknown[] }>;
  let close: () => Promise<void>;
  if (backend === 'pglite') {
    const t = performance.now();
    const db = new PGlite();
    await db.waitReady;
    pgliteBootMs = ms(t);
    executor = pgliteExecutor(db, errors);
    query = (sql) => db.query(sql);
    close = () => db.close();
  } else {
    schema = `bench_pgboss_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const pool = new pg.Pool({ connectionString: process.env.LEDGER_TEST_POSTGRES_URL, max: 10 });
    executor = pgExecutor(pool, errors);
    query = (sql) => pool.query(sql);
    close = async () => {
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
      await pool.end();
    };
  }
  const make = () => {
    const boss = new PgBoss({ db: executor, schema });
    boss.on('error', (error) => errors.push(`error event: ${error.message}`));
    return boss;
  };
  let t = performance.now();
  const first = make();
  await first.start();
  await first.createQueue('bench');
  const openFreshMs = ms(t);
  await first.stop({ graceful: false, close: false, wait: true });
  t = performance.now();
  const boss = make();
  await boss.start();
  await boss.createQueue('bench');
  const openAgainMs = ms(t);

  t = performance.now();
  for (let i = 0; i < JOBS; i++) await boss.send('bench', { n: i });
  const enqueueMs = ms(t);

  t = performance.now();
  let completed = 0;
  for (;;) {
    const jobs = await boss.fetch('bench', { batchSize: BATCH });
    if (jobs.length === 0) break;
    await Promise.all(jobs.map((job) => boss.complete('bench', job.id)));
    completed += jobs.length;
  }
  const fetchCompleteMs = ms(t);
  const { objects, sizeKiB } = await describeObjects(query, schema);
  await boss.stop({ graceful: false, close: false, wait: true });
  await close();
  return {
    impl: 'pg-boss',
    backend,
    pgliteBootMs,
    openFreshMs,
    openAgainMs,
    enqueueMs,
    fetchCompleteMs,
    completed,
    objects,
    sizeKiB,
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    errors,
  };
}

async function runOurs(backend: BackendName): Promise<Result> {
  const errors: string[] = [];
  let pgliteBootMs: number | null = null;
  let sql: SqlClient;
  let schema = 'public';
  let close: () => Promise<void>;
  if (backend === 'pglite') {
    const t = performance.now();
    const db = new PGlite();
    await db.waitReady;
    pgliteBootMs = ms(t);
    sql = await createPgliteClient(db);
    close = () => sql.close();
  } else {
    const own = await throwAwaySchema('bench_ours', process.env.LEDGER_TEST_POSTGRES_URL!);
    schema = own.schema;
    sql = createPgClient(own.url, { max: 10 });
    close = async () => {
      await sql.close();
      await own.drop();
    };
  }
  const logger = {
    info() {},
    warn() {},
    error: (m: string, c?: Record<string, unknown>) => errors.push(`${m} ${JSON.stringify(c)}`),
  };
  const make = () => {
    const queue = createJobQueue<{ bench: { n: number } }>({ sql, logger });
    queue.define('bench', async () => 'done', { concurrency: BATCH });
    return queue;
  };
  let t = performance.now();
  await migrateJobs(sql);
  make();
  const openFreshMs = ms(t);
  t = performance.now();
  await migrateJobs(sql);
  const queue = make();
  const openAgainMs = ms(t);

  t = performance.now();
  for (let i = 0; i < JOBS; i++) await queue.enqueue('bench', { n: i });
  const enqueueMs = ms(t);

  t = performance.now();
  const summary = await queue.tick({ maxPasses: JOBS });
  const fetchCompleteMs = ms(t);
  const { objects, sizeKiB } = await describeObjects((text) => sql.query(text), schema);
  await queue.stop();
  await close();
  return {
    impl: 'ours',
    backend,
    pgliteBootMs,
    openFreshMs,
    openAgainMs,
    enqueueMs,
    fetchCompleteMs,
    completed: summary.done,
    objects,
    sizeKiB,
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    errors,
  };
}

/**
 * pg-boss's behaviour on PGlite, for the README: what each queue policy does with a singleton key
 * (two sends while nothing runs, two more while one job is active), how soon a fetched but never
 * completed job comes back (expireInSeconds 1, maintenance every second), and what `fetch` answers
 * when its SQL fails.
 */
async function probePgBoss(): Promise<void> {
  const PgBoss = await loadPgBoss();
  const errors: string[] = [];
  const db = new PGlite();
  const boss = new PgBoss({ db: pgliteExecutor(db, errors), maintenanceIntervalSeconds: 1 });
  let maintenance = 0;
  boss.on('maintenance', () => maintenance++);
  boss.on('error', (error) => errors.push(`error event: ${error.message}`));
  await boss.start();
  for (const policy of ['standard', 'short', 'singleton', 'stately']) {
    const name = `policy-${policy}`;
    await boss.createQueue(name, { policy });
    const queued = [await boss.send(name, {}, { singletonKey: 'LG:1' }), await boss.send(name, {}, { singletonKey: 'LG:1' })];
    await boss.fetch(name, { batchSize: 1 });
    const whileActive = [
      await boss.send(name, {}, { singletonKey: 'LG:1' }),
      await boss.send(name, {}, { singletonKey: 'LG:1' }),
    ];
    const created = (ids: (string | null)[]) => ids.map((id) => (id ? 'job' : 'null')).join(', ');
    console.log(
      `${policy}: two sends with one key → ${created(queued)}; with one of them active, two more → ${created(whileActive)}`,
    );
  }
  await boss.createQueue('crash', { expireInSeconds: 1, retryLimit: 2 });
  const id = await boss.send('crash', {});
  await boss.fetch('crash', { batchSize: 1 });
  const t = performance.now();
  let again: { id: string }[] = [];
  while (again.length === 0 && performance.now() - t < 30_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    again = await boss.fetch('crash', { batchSize: 1 });
  }
  const job = await boss.getJobById('crash', id!);
  console.log(
    `never-completed job fetched again after ${ms(t)} ms (maintenance ran ${maintenance}×), retryCount ${String(job?.retryCount)}`,
  );
  const before = errors.length;
  await db.exec('ALTER TABLE pgboss.job RENAME COLUMN priority TO prio');
  const answer = await boss.fetch('crash', { batchSize: 1 });
  console.log(
    `fetch with a broken job table answers ${JSON.stringify(answer)}; the adapter saw: ${errors.slice(before).join('; ')}`,
  );
  await boss.stop({ graceful: false, close: false, wait: true });
  await db.close();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const [mode, impl, backend] = process.argv.slice(2);
  if (mode === 'probe') {
    await probePgBoss();
    return;
  }
  if (mode === 'child') {
    const result = impl === 'pg-boss' ? await runPgBoss(backend as BackendName) : await runOurs(backend as BackendName);
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    return;
  }
  const rounds = Number(mode ?? 3) || 3;
  const backends: BackendName[] = process.env.LEDGER_TEST_POSTGRES_URL ? ['pglite', 'postgres'] : ['pglite'];
  const combos = backends.flatMap((b) => (['pg-boss', 'ours'] as const).map((i) => [i, b] as const));
  const results: Result[] = [];
  const self = fileURLToPath(import.meta.url);
  for (let round = 0; round < rounds; round++) {
    for (const [i, b] of combos) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', self, 'child', i, b], { encoding: 'utf8', env: process.env });
      const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) {
        process.stderr.write(`${i} on ${b} failed:\n${child.stdout}\n${child.stderr}\n`);
        continue;
      }
      results.push(JSON.parse(line.slice('RESULT '.length)) as Result);
    }
  }
  const rows = combos.map(([i, b]) => {
    const mine = results.filter((r) => r.impl === i && r.backend === b);
    const pick = (f: (r: Result) => number) => median(mine.map(f));
    const boot = mine[0]?.pgliteBootMs === null ? '—' : String(pick((r) => r.pgliteBootMs ?? 0));
    return [
      i,
      b,
      boot,
      pick((r) => r.openFreshMs),
      pick((r) => r.openAgainMs),
      `${pick((r) => r.enqueueMs)} (${Math.round(JOBS / (pick((r) => r.enqueueMs) / 1000))}/s)`,
      `${pick((r) => r.fetchCompleteMs)} (${Math.round(JOBS / (pick((r) => r.fetchCompleteMs) / 1000))}/s)`,
      mine.map((r) => r.completed).join('/'),
      mine[0]?.objects ?? '',
      pick((r) => r.sizeKiB),
      pick((r) => r.rssMiB),
      [...new Set(mine.flatMap((r) => r.errors))].length,
    ].join(' | ');
  });
  console.log(
    `rounds: ${rounds}; load average at the end: ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    'impl | back end | PGlite boot ms | open fresh ms | open again ms | enqueue 1,000 ms | fetch+complete 1,000 ms | completed | created | size KiB | RSS MiB | errors',
  );
  for (const row of rows) console.log(row);
  for (const r of results) for (const e of r.errors) console.log(`error (${r.impl} on ${r.backend}): ${e}`);
}

await main();
