/**
 * The QuickBooks adapter's OAuth against the simulator: the refresh token rotates and each new one
 * is saved before the access token is used, the store's token wins over the config's, an access
 * token that expires mid-run is refreshed once for every call waiting on it, a user who lost access
 * (401 `120`) is a refusal, not a refresh loop, and a refresh the token endpoint refuses is
 * `UPSTREAM_UNAVAILABLE` without a secret in its message. Plus the store-backed token rows.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AccountingAdapter } from '../../../src/adapters/accounting/port';
import { createQuickbooksAdapter } from '../../../src/adapters/accounting/quickbooks';
import { UpstreamError } from '../../../src/adapters/ledger/port';
import { type QuickBooksSandbox, startQuickBooksSandbox } from '../../../src/sandbox/quickbooks';
import { openStore } from '../../../src/transactions/open-store';
import { refreshTokenKey, storedRefreshTokens } from '../../../src/transactions/refresh-tokens';
import { apiRequests, connectionFor, customerInput, RecordingTokens, SMILE, tokenRequests } from './setup';

let qbo: QuickBooksSandbox;
let adapters: AccountingAdapter[] = [];

beforeAll(async () => {
  qbo = await startQuickBooksSandbox();
});
afterAll(() => qbo.close());
beforeEach(async () => {
  await qbo.webhooks.idle();
  qbo.reset();
});
afterEach(async () => {
  await Promise.all(adapters.map((a) => a.close()));
  adapters = [];
});

function adapter(tokens?: RecordingTokens, overrides = {}) {
  const created = createQuickbooksAdapter(connectionFor(qbo, SMILE, overrides), {
    refreshTokens: tokens,
    retryBaseDelayMs: 1,
  });
  adapters.push(created);
  return created;
}

describe('QuickBooks tokens', () => {
  it('spends the config refresh token once, saves the rotated one before any API call, then sends the bearer with minorversion=75', async () => {
    const tokens = new RecordingTokens(qbo);
    const books = adapter(tokens);
    await books.connect();
    const grants = tokenRequests(qbo);
    expect(grants).toHaveLength(1);
    expect(new URLSearchParams(grants[0]!.rawBody).get('refresh_token')).toBe(qbo.realms.smileDental.refreshToken);
    expect(grants[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from(`${qbo.client.clientId}:${qbo.client.clientSecret}`).toString('base64')}`,
    );
    expect(tokens.saves).toEqual([{ token: `${qbo.realms.smileDental.refreshToken}-1`, apiRequestsBefore: 0 }]);
    const calls = apiRequests(qbo);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.query.minorversion).toBe('75');
      expect(call.headers.accept).toBe('application/json');
      expect(String(call.headers.authorization)).toMatch(/^Bearer \S+$/);
    }
  });

  it('starts from the stored token rather than the config one, and keeps rotating it', async () => {
    const first = new RecordingTokens(qbo);
    await adapter(first).connect();
    const second = new RecordingTokens(qbo);
    second.token = first.token;
    await adapter(second).connect();
    const spent = tokenRequests(qbo).map((r) => new URLSearchParams(r.rawBody).get('refresh_token'));
    expect(spent).toEqual([qbo.realms.smileDental.refreshToken, `${qbo.realms.smileDental.refreshToken}-1`]);
    expect(second.token).toBe(`${qbo.realms.smileDental.refreshToken}-2`);
  });

  it('does not use an access token whose rotated refresh token could not be saved', async () => {
    const tokens = new RecordingTokens(qbo);
    tokens.failSaves = true;
    await expect(adapter(tokens).connect()).rejects.toThrow('the store is down');
    expect(apiRequests(qbo)).toHaveLength(0);
  });

  it('refreshes once when the access token expires mid-run, for every call that met the 401, and each call answers', async () => {
    const tokens = new RecordingTokens(qbo);
    const books = adapter(tokens);
    await books.connect();
    expect(qbo.knobs.expireAccessTokens(SMILE)).toBeGreaterThan(0);
    const results = await Promise.all(
      ['1042', '1043', '2001', '2002', '2003', '2004'].map((id, i) =>
        books.ensureCustomer(customerInput({ guarantorSourceId: id, idempotencyKey: `LG:${2000 + i}` })),
      ),
    );
    expect(results.map((r) => r.state)).toEqual(['OK', 'OK', 'OK', 'OK', 'OK', 'OK']);
    expect(tokenRequests(qbo)).toHaveLength(2);
    expect(tokens.saves.map((s) => s.token)).toEqual([
      `${qbo.realms.smileDental.refreshToken}-1`,
      `${qbo.realms.smileDental.refreshToken}-2`,
    ]);
    const unauthorized = apiRequests(qbo).filter((r) => r.status === 401);
    expect(unauthorized.length).toBeGreaterThan(0);
    expect(unauthorized.length).toBeLessThanOrEqual(4); // at most the calls in flight when it expired
  });

  it('answers a user who lost access (401 code 120) as ACCESS_REVOKED without refreshing again', async () => {
    const books = adapter(new RecordingTokens(qbo));
    await books.connect();
    qbo.knobs.setRealmAuthorized(SMILE, false);
    const result = await books.ensureCustomer(customerInput());
    expect(result).toMatchObject({ state: 'FAILED', cause: 'ACCESS_REVOKED', code: '120' });
    expect(tokenRequests(qbo)).toHaveLength(1);
  });

  it('fails with UPSTREAM_UNAVAILABLE when the token endpoint refuses the refresh token, naming no secret', async () => {
    const books = adapter(undefined, { refreshToken: 'RT1-not-a-token', clientSecret: 'sandboxClientSecret0001' });
    const error = await books.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 400 });
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).not.toContain('RT1-not-a-token');
    expect(text).not.toContain('sandboxClientSecret0001');
    expect(apiRequests(qbo)).toHaveLength(0);
  });

  it('repeats a refresh grant that met a 5xx or lost its answer, with the same refresh token', async () => {
    const tokens = new RecordingTokens(qbo);
    const books = adapter(tokens);
    qbo.addFault({ method: 'POST', path: '/oauth2/v1/tokens/bearer', status: 503, times: 1 });
    await books.connect();
    qbo.knobs.expireAccessTokens(SMILE);
    qbo.addFault({ method: 'POST', path: '/oauth2/v1/tokens/bearer', drop: true, times: 1 });
    await books.connect();
    const spent = tokenRequests(qbo).map((r) => [new URLSearchParams(r.rawBody).get('refresh_token'), r.status]);
    const first = qbo.realms.smileDental.refreshToken;
    expect(spent).toEqual([
      [first, 503],
      [first, 200],
      [`${first}-1`, null],
      [`${first}-1`, 200],
    ]);
    expect(tokens.saves.map((s) => s.token)).toEqual([`${first}-1`, `${first}-2`]);
  });

  it('keeps the rotated refresh token in memory without a store', async () => {
    const books = adapter();
    await books.connect();
    qbo.knobs.expireAccessTokens(SMILE);
    await books.connect();
    const spent = tokenRequests(qbo).map((r) => new URLSearchParams(r.rawBody).get('refresh_token'));
    expect(spent).toEqual([qbo.realms.smileDental.refreshToken, `${qbo.realms.smileDental.refreshToken}-1`]);
  });
});

describe('store-backed refresh tokens (migration 10)', () => {
  let store: Awaited<ReturnType<typeof openStore>>;
  beforeAll(async () => {
    store = await openStore('memory://');
  });
  afterAll(() => store.close());

  it('saves and loads per connection, shared by equal connections, apart for a changed one', async () => {
    {
      const connection = connectionFor(qbo);
      const key = refreshTokenKey('quickbooks', connection);
      expect(key).not.toContain(connection.clientSecret);
      expect(key).not.toContain(connection.refreshToken);
      const one = storedRefreshTokens(store.sql, key);
      const same = storedRefreshTokens(store.sql, refreshTokenKey('quickbooks', { ...connection }));
      const reconnected = storedRefreshTokens(
        store.sql,
        refreshTokenKey('quickbooks', { ...connection, refreshToken: 'RT1-new' }),
      );
      expect(await one.load()).toBeNull();
      await one.save('RT1-a');
      await one.save('RT1-b');
      expect(await same.load()).toBe('RT1-b');
      expect(await reconnected.load()).toBeNull();
      const books = createQuickbooksAdapter(connection, { refreshTokens: reconnected });
      adapters.push(books);
      await books.connect();
      expect(await reconnected.load()).toBe(`${qbo.realms.smileDental.refreshToken}-1`);
    }
  });

  it('never overwrites a token another refresh saved while this one was under way', async () => {
    const connection = { ...connectionFor(qbo), refreshToken: qbo.realms.smileDental.refreshToken };
    const inner = storedRefreshTokens(store.sql, refreshTokenKey('quickbooks', { ...connection, run: 'race' }));
    // Another practice on this company (or another instance) refreshes and saves right after our load.
    const racing: typeof inner = {
      load: async () => {
        const seen = await inner.load();
        await inner.save('RT-newer-from-elsewhere');
        return seen;
      },
      save: (token, previous) => inner.save(token, previous),
    };
    const books = createQuickbooksAdapter(connection, { refreshTokens: racing });
    adapters.push(books);
    await books.connect();
    expect(await inner.load()).toBe('RT-newer-from-elsewhere');
  });
});
