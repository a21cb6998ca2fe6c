/**
 * The back ends the job tests run on, each giving a migrated database per test file, emptied by
 * `reset()` before each test (opening PGlite costs seconds on a loaded machine, an empty table
 * costs nothing):
 * - `pglite`: an in-memory PGlite (what `memory://` opens). "Another instance" is another queue over
 *   the same client, since PGlite is one process's database.
 * - `postgres`: the throw-away server `npm test` brings up (LEDGER_TEST_POSTGRES_URL). Each
 *   database is a schema of its own on that server (`search_path`), dropped at the end, so these
 *   tests never touch the tables of other suites sharing the server. "Another instance" is a second
 *   `pg` pool, as another gateway process would have.
 */
import { PGlite } from '@electric-sql/pglite';
import { migrateJobs } from '../../src/jobs/migrations';
import { createPgClient } from '../../src/transactions/pg-client';
import { createPgliteClient } from '../../src/transactions/pglite-client';
import type { SqlClient } from '../../src/transactions/sql-client';
import type { JobLogger } from '../../src/jobs/types';
import { testPostgresUrl, throwAwaySchema } from '../postgres-url';

/** The throw-away PostgreSQL of the tests: a missing one fails these tests, never skips them. */
export const postgresUrl = testPostgresUrl();

export interface TestDatabase {
  /** The first instance's client (migrated). */
  sql: SqlClient;
  /** A client for another instance on the same database (a second pool on PostgreSQL). */
  another(): Promise<SqlClient>;
  /** Empty the job tables (ids start again at 1). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const RESET = 'TRUNCATE jobs, job_schedules RESTART IDENTITY';

export interface Backend {
  name: 'pglite' | 'postgres';
  open(): Promise<TestDatabase>;
}

export const pgliteBackend: Backend = {
  name: 'pglite',
  async open() {
    const sql = await createPgliteClient(new PGlite());
    await migrateJobs(sql);
    return {
      sql,
      another: async () => sql,
      reset: async () => void (await sql.query(RESET)),
      close: () => sql.close(),
    };
  },
};

export const postgresBackend: Backend = {
  name: 'postgres',
  async open() {
    const { url, drop } = await throwAwaySchema('jobs_test', postgresUrl);
    const sql = createPgClient(url, { max: 4 });
    await migrateJobs(sql);
    let second: SqlClient | null = null;
    return {
      sql,
      async another() {
        second ??= createPgClient(url, { max: 4 });
        return second;
      },
      reset: async () => void (await sql.query(RESET)),
      async close() {
        await sql.close();
        await second?.close();
        await drop();
      },
    };
  },
};

/** The back ends available here: PGlite always, PostgreSQL when a server is given. */
export const backends: Backend[] = [pgliteBackend, postgresBackend];

export function fakeClock(start = '2030-01-01T00:00:00.000Z') {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
    set(iso: string) {
      t = Date.parse(iso);
    },
  };
}

/** A logger that keeps every line, to assert on what was (not) logged. */
export function recordingLogger(): { lines: string[]; logger: JobLogger } {
  const lines: string[] = [];
  const put = (level: string) => (message: string, context?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(context ?? {})}`);
  };
  return { lines, logger: { info: put('info'), warn: put('warn'), error: put('error') } };
}

/** A promise with its resolve function outside, for handlers that wait on the test. */
export function gate<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
