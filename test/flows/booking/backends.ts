/**
 * The two stores the booking store tests run on: PGlite in-process, and PostgreSQL in a schema of
 * its own (dropped on close) in the database LEDGER_TEST_POSTGRES_URL names.
 */
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createPgClient } from '../../../src/transactions/pg-client';
import { createPgliteClient } from '../../../src/transactions/pglite-client';
import type { SqlClient } from '../../../src/transactions/sql-client';
import { testPostgresUrl } from '../../postgres-url';

export interface Database {
  sql: SqlClient;
  close(): Promise<void>;
}

export const backends: Array<{ name: string; open(): Promise<Database> }> = [
  {
    name: 'pglite',
    async open() {
      const sql = await createPgliteClient(new PGlite());
      return { sql, close: () => sql.close() };
    },
  },
  {
    name: 'postgres',
    async open() {
      const base = testPostgresUrl();
      const schema = `booking_db_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.end();
      const url = new URL(base);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const sql = createPgClient(url.toString(), { max: 2 });
      return {
        sql,
        async close() {
          await sql.close();
          const cleanup = new pg.Client({ connectionString: base });
          await cleanup.connect();
          await cleanup.query(`DROP SCHEMA ${schema} CASCADE`);
          await cleanup.end();
        },
      };
    },
  },
];
