/**
 * `SqlClient` over PGlite, the embedded PostgreSQL (WASM): in memory or in a directory on disk.
 * PGlite has a single connection; it serializes transactions, and plain queries wait for a running
 * transaction to finish.
 *
 *     import { PGlite } from '@electric-sql/pglite';
 *     const client = await createPgliteClient(new PGlite(pgliteOptions()));  // memory, the store's sizes
 *     const onDisk = await createPgliteClient(new PGlite('./.data/db'));      // a directory
 */
import { PGlite, type PGliteOptions, type Transaction } from '@electric-sql/pglite';
import type { SqlClient, SqlExecutor, SqlResult } from './sql-client';

/**
 * PostgreSQL settings for the embedded store, sized for a gateway's few small tables rather than
 * PGlite's defaults (those of a PostgreSQL server: 128 MB `shared_buffers`, 100 connections).
 * PGlite's WASM heap is 128 MB at its smallest (its module's import says so) and grows to hold
 * what PostgreSQL allocates at start; with 128 MB of buffers it grew to 189 MB and the process to
 * about 280 MB RSS on an existing store, with these 128 MB and about 160 MB
 * (`test/bench/store-memory.ts` measures each setting alone; README, "Benchmark").
 *
 * - `shared_buffers` 16 MB: 2,048 pages, several times the store's working set (a few tables of
 *   small rows); the rest stays in the OS page cache. The one setting that moved RSS (≈ −110 MB).
 * - `max_connections` 8: PGlite runs PostgreSQL single-user (one backend); the shared memory sized
 *   per connection (process slots, lock table) need not be for 100.
 * - `temp_buffers`, `work_mem`, `maintenance_work_mem`: per-query memory; the store's queries sort
 *   a page of rows at most, and a migration's index build is over small tables.
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '16MB',
  max_connections: '8',
  temp_buffers: '1MB',
  work_mem: '1MB',
  maintenance_work_mem: '4MB',
};

/**
 * The options every PGlite the store opens is given: PGlite's own start parameters (single-user
 * mode, its `-c` defaults; `startParams` replaces them, so they are kept) followed by `settings`
 * as `-c name=value`. `fs` (a directory's file system) when given.
 */
export function pgliteOptions(
  settings: Readonly<Record<string, string>> = PGLITE_SETTINGS,
  fs?: PGliteOptions['fs'],
): PGliteOptions {
  const startParams = [...PGlite.defaultStartParams];
  for (const [name, value] of Object.entries(settings)) startParams.push('-c', `${name}=${value}`);
  return { startParams, ...(fs ? { fs } : {}) };
}

function executor(target: Pick<Transaction, 'query'>): SqlExecutor {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
      const result = await target.query<R>(sql, [...params]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
  };
}

/** Wrap an opened (or opening) PGlite instance; resolves once it is ready. */
export async function createPgliteClient(db: PGlite): Promise<SqlClient> {
  await db.waitReady;
  const direct = executor(db);
  let closed = false;
  return {
    dialect: 'pglite',
    query: direct.query,
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return db.transaction((tx) => fn(executor(tx)));
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
    },
  };
}
