import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * The throw-away PostgreSQL database of the tests that need a real server. `npm test` provides it
 * (scripts/test.sh brings one up when LEDGER_TEST_POSTGRES_URL is not set); without it these tests
 * fail with this message rather than skip, so a green run always includes them.
 */
export function testPostgresUrl(): string {
  const url = process.env.LEDGER_TEST_POSTGRES_URL;
  if (!url) {
    throw new Error(
      'LEDGER_TEST_POSTGRES_URL is not set: run the tests through `npm test` (it brings up PostgreSQL), ' +
        'or point it at a throw-away database (eval "$(.ci/run postgres)" as root sets up one)',
    );
  }
  return url;
}

/** A schema of its own in the test database: the URL that works in it, and how to drop it. */
export interface ThrowAwaySchema {
  schema: string;
  /** The test database's URL with `search_path` set to the schema. */
  url: string;
  /** `DROP SCHEMA … CASCADE` over a connection of its own (the tests' pools may be closed by then). */
  drop(): Promise<void>;
}

/**
 * Create `<prefix>_<random>` in the test database, so that tests and benches running at once each
 * have their own tables:
 *
 *     const { url, drop } = await throwAwaySchema('booking_db');
 *     const sql = createPgClient(url, { max: 2 });
 *     // …
 *     await sql.close();
 *     await drop();
 */
export async function throwAwaySchema(prefix: string, base: string = testPostgresUrl()): Promise<ThrowAwaySchema> {
  const schema = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const run = async (statement: string) => {
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    try {
      await admin.query(statement);
    } finally {
      await admin.end();
    }
  };
  await run(`CREATE SCHEMA ${schema}`);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { schema, url: url.toString(), drop: () => run(`DROP SCHEMA ${schema} CASCADE`) };
}
