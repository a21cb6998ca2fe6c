/**
 * The two stores the booking store tests run on: PGlite in-process, and PostgreSQL in a schema of
 * its own (dropped on close) in the database LEDGER_TEST_POSTGRES_URL names.
 */
import { PGlite } from '@electric-sql/pglite';
import { createPgClient } from '../../../src/transactions/pg-client';
import { createPgliteClient } from '../../../src/transactions/pglite-client';
import type { SqlClient } from '../../../src/transactions/sql-client';
import { throwAwaySchema } from '../../postgres-url';

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
      const { url, drop } = await throwAwaySchema('booking_db');
      const sql = createPgClient(url, { max: 2 });
      return {
        sql,
        async close() {
          await sql.close();
          await drop();
        },
      };
    },
  },
];
