/**
 * `SqlClient` over a `pg` connection pool, for a real PostgreSQL server shared by several gateway
 * instances.
 *
 *     const client = createPgClient('postgres://ledger:secret@db:5432/ledger');
 *     await client.query('SELECT 1');
 *     await client.close();
 */
import pg from 'pg';
import type { SqlClient, SqlExecutor, SqlResult } from './sql-client';

export interface PgClientOptions {
  /** Pool size (default 10). */
  max?: number;
  /** Called when an idle pooled connection errors (the pool replaces it); default: ignored. */
  onIdleError?: (error: Error) => void;
}

/** Open a pool on `connectionString` (`postgres://…` or `postgresql://…`). Connections open lazily. */
export function createPgClient(connectionString: string, options: PgClientOptions = {}): SqlClient {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  // An idle client's error would otherwise crash the process; the pool drops that client by itself.
  pool.on('error', (error) => options.onIdleError?.(error));

  const run = async <R>(
    target: Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>,
    sql: string,
    params: readonly unknown[],
  ): Promise<SqlResult<R>> => {
    const result = await target.query(sql, [...params]);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
  };
  let closed = false;

  return {
    dialect: 'postgres',
    query: <R>(sql: string, params: readonly unknown[] = []) => run<R>(pool, sql, params),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const connection = await pool.connect();
      let broken: Error | undefined;
      try {
        await connection.query('BEGIN');
        const tx: SqlExecutor = {
          query: <R>(sql: string, params: readonly unknown[] = []) => run<R>(connection, sql, params),
        };
        const result = await fn(tx);
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await connection.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        throw error;
      } finally {
        // A connection whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
        connection.release(broken);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
