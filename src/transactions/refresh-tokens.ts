/**
 * Refresh tokens that rotate on use (QuickBooks: each refresh may return a new one, and only the
 * newest stays valid), kept in the store so every instance and every restart uses the newest.
 * Migration 10 (appended to the store's list in `migrations.ts`; never edited once shipped).
 *
 * A row is keyed by the connection as configured (its system and a SHA-256 of the whole connection
 * JSON): practices on the same connection share one row, and a connection changed in the config (a
 * reconnect brings a new refresh token) starts from its own token again instead of a stale row.
 * The key never holds a secret; the row holds the token, like the store's other upstream secrets.
 *
 *     const tokens = storedRefreshTokens(store.sql, refreshTokenKey('quickbooks', connection));
 *     await tokens.save('RT1-…');   // before the access token that came with it is used
 *     await tokens.save('RT2-…', 'RT1-…');   // only while the row still holds RT1 (false: a newer one won)
 *     await tokens.load();          // 'RT1-…', or null: use the config's
 */
import { createHash } from 'node:crypto';
import type { RefreshTokenStore } from '../adapters/accounting/port';
import type { Migration } from './migration-runner';
import type { SqlExecutor } from './sql-client';

export const REFRESH_TOKENS_MIGRATION: Migration = {
  version: 10,
  name: 'rotating refresh tokens of upstream connections (QuickBooks)',
  statements: [
    `CREATE TABLE upstream_refresh_tokens (
       connection_key TEXT PRIMARY KEY,
       refresh_token  TEXT NOT NULL CHECK (refresh_token <> ''),
       updated_at     TIMESTAMPTZ NOT NULL
     )`,
  ],
};

/** The row key of a connection: `<system>|<sha256 of its JSON>` (no secret in it). */
export function refreshTokenKey(system: string, connection: unknown): string {
  return `${system}|${createHash('sha256').update(JSON.stringify(connection)).digest('hex')}`;
}

/** A `RefreshTokenStore` over the store's table, for the connection `key`. */
export function storedRefreshTokens(sql: SqlExecutor, key: string, now: () => Date = () => new Date()): RefreshTokenStore {
  return {
    async load() {
      const { rows } = await sql.query<{ refresh_token: string }>(
        'SELECT refresh_token FROM upstream_refresh_tokens WHERE connection_key = $1',
        [key],
      );
      return rows[0]?.refresh_token ?? null;
    },
    async save(token: string, previous?: string | null) {
      if (token === '') throw new RangeError('expected a non-empty refresh token to save');
      if (previous === undefined) {
        await sql.query(
          `INSERT INTO upstream_refresh_tokens (connection_key, refresh_token, updated_at) VALUES ($1, $2, $3::timestamptz)
           ON CONFLICT (connection_key) DO UPDATE SET refresh_token = EXCLUDED.refresh_token, updated_at = EXCLUDED.updated_at`,
          [key, token, now().toISOString()],
        );
        return true;
      }
      // Compare-and-set in one statement: insert when there is no row; update only a row that still
      // holds `previous` (with `previous` null, `refresh_token = NULL` is never true: an existing
      // row is kept). A refresh that lost the race never overwrites the newer token.
      const { rows } = await sql.query<{ saved: number }>(
        `INSERT INTO upstream_refresh_tokens (connection_key, refresh_token, updated_at) VALUES ($1, $2, $3::timestamptz)
         ON CONFLICT (connection_key) DO UPDATE SET refresh_token = EXCLUDED.refresh_token, updated_at = EXCLUDED.updated_at
         WHERE upstream_refresh_tokens.refresh_token = $4::text
         RETURNING 1 AS saved`,
        [key, token, now().toISOString(), previous],
      );
      return rows.length > 0;
    },
  };
}
