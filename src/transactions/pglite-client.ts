/**
 * `SqlClient` over PGlite, the embedded PostgreSQL (WASM): in memory or in a directory on disk.
 * PGlite has a single connection; it serializes transactions, and plain queries wait for a running
 * transaction to finish.
 *
 *     import { PGlite } from '@electric-sql/pglite';
 *     const client = await createPgliteClient(new PGlite());            // memory
 *     const onDisk = await createPgliteClient(new PGlite('./.data/db'));  // a directory
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { SqlClient, SqlExecutor, SqlResult } from './sql-client';

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
