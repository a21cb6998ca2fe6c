/**
 * The one way the store's schemas are migrated: versioned lists of statements, each list recorded in
 * its own table under its own advisory lock. The transaction store (`migrations.ts`) and the job
 * queue (`src/jobs/migrations.ts`) each own a list; they share this runner, not a record table, so
 * neither refuses the other's versions.
 *
 *     await applyMigrations(sql, { table: 'schema_migrations', lockKey: 7_381_946_025_113,
 *                                  what: 'the transaction store', migrations: MIGRATIONS });
 *
 * It takes a transaction-scoped advisory lock first, so two gateway instances starting at once
 * against one PostgreSQL server apply each migration exactly once (the second waits, then finds
 * everything applied). Every migration runs in that same transaction: a failure leaves the schema as
 * it was. A database holding versions this code does not know was written by a newer version: it is
 * refused rather than run half-understood.
 */
import type { SqlClient } from './sql-client';

export interface Migration {
  version: number;
  name: string;
  /** One statement per entry (PGlite's parameterized protocol runs one statement at a time). */
  statements: readonly string[];
}

export interface MigrationList {
  /** The table that records applied versions (created if missing). */
  table: string;
  /** A constant key for `pg_advisory_xact_lock`, one per list. */
  lockKey: number;
  /** What the list migrates, for the downgrade error ("the transaction store", "the job tables"). */
  what: string;
  /** `what` is plural ("the job tables have …; they were …"). Default false. */
  plural?: boolean;
  migrations: readonly Migration[];
}

/** Apply every migration newer than the database's, in order; returns the versions applied by this call. */
export async function applyMigrations(sql: SqlClient, list: MigrationList): Promise<number[]> {
  if (!/^[a-z_]+$/.test(list.table)) throw new Error(`expected a migration table name of a-z and _, got "${list.table}"`);
  return sql.transaction(async (tx) => {
    // Lock first: even `CREATE TABLE IF NOT EXISTS` races between two sessions on a fresh server.
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [list.lockKey]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${list.table} (
         version    INTEGER PRIMARY KEY,
         name       TEXT NOT NULL,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await tx.query<{ version: number }>(`SELECT version FROM ${list.table}`);
    const done = new Set(rows.map((row) => Number(row.version)));
    const known = new Set(list.migrations.map((m) => m.version));
    const unknown = [...done].filter((v) => !known.has(v));
    if (unknown.length > 0) {
      const [has, it] = list.plural ? ['have', 'they were'] : ['has', 'it was'];
      throw new Error(
        `${list.what} ${has} schema versions ${unknown.join(', ')} this gateway does not know ` +
          `(it knows ${[...known].join(', ')}); ${it} written by a newer version`,
      );
    }
    const applied: number[] = [];
    for (const migration of [...list.migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query(`INSERT INTO ${list.table} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return applied;
  });
}
