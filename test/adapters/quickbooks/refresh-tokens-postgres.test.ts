/**
 * The store-backed refresh tokens (migration 10) on PostgreSQL, where several gateway instances
 * share them: two stores on one database see each other's newest token, and concurrent saves of
 * one connection leave one row.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore } from '../../../src/transactions/open-store';
import { refreshTokenKey, storedRefreshTokens } from '../../../src/transactions/refresh-tokens';
import type { TransactionStore } from '../../../src/transactions/store';
import { testPostgresUrl } from '../../postgres-url';

let one: TransactionStore;
let two: TransactionStore;

beforeAll(async () => {
  one = await openStore(testPostgresUrl());
  two = await openStore(testPostgresUrl());
});
afterAll(async () => {
  await one.close();
  await two.close();
});

it('shares the newest refresh token of a connection between instances', async () => {
  const key = refreshTokenKey('quickbooks', { realmId: '9130000000000001', run: randomUUID() });
  const first = storedRefreshTokens(one.sql, key);
  const second = storedRefreshTokens(two.sql, key);
  expect(await second.load()).toBeNull();
  await Promise.all([first.save('RT1-a'), second.save('RT1-b')]);
  const seen = await first.load();
  expect(['RT1-a', 'RT1-b']).toContain(seen);
  await first.save('RT1-c');
  expect(await second.load()).toBe('RT1-c');
  const { rows } = await one.sql.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM upstream_refresh_tokens WHERE connection_key = $1',
    [key],
  );
  expect(rows[0]?.n).toBe(1);
});
