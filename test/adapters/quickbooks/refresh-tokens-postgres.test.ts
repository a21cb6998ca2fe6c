/**
 * The store-backed refresh tokens (migration 10) on PostgreSQL, where several gateway instances
 * share them: two stores on one database see each other's newest token, concurrent saves of
 * one connection leave one row, and of two concurrent refreshes from the same token the one that
 * saved first keeps its token: the slower one's compare-and-set fails instead of overwriting it.
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

it('keeps the newest token when two refreshes of the same token save concurrently', async () => {
  const key = refreshTokenKey('quickbooks', { realmId: '9130000000000001', run: randomUUID() });
  const first = storedRefreshTokens(one.sql, key);
  const second = storedRefreshTokens(two.sql, key);
  await first.save('RT1');
  const spent = await second.load();
  expect(spent).toBe('RT1');
  // Both instances refreshed RT1; both save against it at once: exactly one wins.
  const outcomes = await Promise.all([first.save('RT2-a', spent), second.save('RT2-b', spent)]);
  expect(outcomes.filter(Boolean)).toHaveLength(1);
  const newest = outcomes[0] ? 'RT2-a' : 'RT2-b';
  expect(await first.load()).toBe(newest);
  // A third refresh moves on from the newest; a slow save still against RT1 changes nothing.
  expect(await second.save('RT3', newest)).toBe(true);
  expect(await first.save('RT2-late', 'RT1')).toBe(false);
  expect(await second.load()).toBe('RT3');
  // Nothing stored yet: the first save against `null` inserts, a second one against `null` loses.
  const fresh = refreshTokenKey('quickbooks', { realmId: '9130000000000001', run: randomUUID() });
  const results = await Promise.all([
    storedRefreshTokens(one.sql, fresh).save('RT1-x', null),
    storedRefreshTokens(two.sql, fresh).save('RT1-y', null),
  ]);
  expect(results.filter(Boolean)).toHaveLength(1);
  expect(await storedRefreshTokens(one.sql, fresh).load()).toBe(results[0] ? 'RT1-x' : 'RT1-y');
});
