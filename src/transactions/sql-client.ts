/**
 * The one tiny SQL interface the transaction store speaks. There is ONE dialect (PostgreSQL) and three
 * back ends that implement this interface: PGlite in memory, PGlite on disk, and a `pg` pool.
 *
 *     const client: SqlClient = createPgliteClient(new PGlite());
 *     const { rows } = await client.query<{ n: number }>('SELECT $1::int AS n', [1]);
 *     await client.transaction(async (tx) => {
 *       await tx.query('INSERT INTO t (a) VALUES ($1)', [1]);
 *       await tx.query('INSERT INTO t (a) VALUES ($1)', [2]);
 *     }); // both or neither
 *     await client.close();
 *
 * Rules for users of the interface:
 * - Inside `transaction(fn)` use only `tx`, never the client itself (PGlite has one connection: a
 *   client query issued inside a transaction callback would wait for the transaction forever).
 * - Values come back as the driver parses them: BIGINT may be a number, a bigint or a string,
 *   TIMESTAMPTZ a Date, JSONB an object. Normalize with the helpers of `row-values.ts`.
 */

/** A query's answer: the returned rows and how many rows the statement touched. */
export interface SqlResult<R> {
  rows: R[];
  rowCount: number;
}

/** Something that runs one statement with `$1…$n` parameters. */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
}

/** A database: statements, transactions (committed when `fn` resolves, rolled back when it throws), close. */
export interface SqlClient extends SqlExecutor {
  /** Which back end, for logs and tests. */
  readonly dialect: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
