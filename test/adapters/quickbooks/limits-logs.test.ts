/**
 * The QuickBooks adapter under load and in the gateway's wiring: a burst of bookings stays within
 * 4 calls in flight per realm and meets no 429 from a simulator that enforces Intuit's 10; a
 * simulator throttling harder (429 bursts) is waited out, one receipt per key; every exchange goes
 * through the upstream budget (declared per realm, token calls apart), whose retry budget stops
 * retries; and through `createAccountingAdapters` (the gateway's wiring) the rotated refresh
 * token lands in the store while the debug log holds no secret and no patient data.
 */
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AccountingAdapter } from '../../../src/adapters/accounting/port';
import {
  createQuickbooksAdapter,
  QUICKBOOKS_MAX_CONCURRENT_PER_REALM,
  quickbooksRateLimits,
  quickbooksSystem,
} from '../../../src/adapters/accounting/quickbooks';
import { parseConfig } from '../../../src/config';
import { createLogger } from '../../../src/logging/logger';
import { type QuickBooksSandbox, startQuickBooksSandbox } from '../../../src/sandbox/quickbooks';
import { createAccountingAdapters, defaultAccountingAdapterFactory } from '../../../src/server/accounting-adapters';
import { openStore } from '../../../src/transactions/open-store';
import type { TransactionStore } from '../../../src/transactions/store';
import { credentialKey, limitsFor, type UpstreamBudget } from '../../../src/upstream-budget';
import { apiRequests, connectionFor, customerInput, NORTH, RecordingTokens, SMILE, saleBooking, tokenRequests } from './setup';

let qbo: QuickBooksSandbox;
const adapters: AccountingAdapter[] = [];

beforeAll(async () => {
  qbo = await startQuickBooksSandbox();
});
afterAll(() => qbo.close());
beforeEach(async () => {
  await qbo.webhooks.idle();
  qbo.reset();
});
afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
});

function adapter(sandbox: QuickBooksSandbox, options: Parameters<typeof createQuickbooksAdapter>[1] = {}) {
  const created = createQuickbooksAdapter(connectionFor(sandbox), { refreshTokens: new RecordingTokens(sandbox), ...options });
  adapters.push(created);
  return created;
}

/** The most requests the simulator had in flight at once, from its log. */
function maxInFlight(requests: ReadonlyArray<{ time: number; answeredAt?: number | null }>): number {
  const edges = requests.flatMap((r) => [
    { at: r.time, step: 1 },
    { at: r.answeredAt ?? Number.POSITIVE_INFINITY, step: -1 },
  ]);
  edges.sort((x, y) => x.at - y.at || x.step - y.step);
  let now = 0;
  let max = 0;
  for (const edge of edges) {
    now += edge.step;
    max = Math.max(max, now);
  }
  return max;
}

const bookings = (n: number) =>
  Array.from({ length: n }, (_, i) => saleBooking('58', { transactionId: `LG:${3000 + i}`, idempotencyKey: `LG:${3000 + i}` }));

describe('rate limits', () => {
  it('keeps a burst of 40 bookings within 4 in flight per realm: no 429, one receipt each', async () => {
    const books = adapter(qbo);
    await books.connect();
    qbo.requests.length = 0;
    // Each receipt takes a while, so the burst piles up against the adapter's queue.
    qbo.addFault({ method: 'POST', path: `/v3/company/${SMILE}/salesreceipt`, delayMs: 20, times: 1_000 });
    const results = await Promise.all(bookings(40).map((b) => books.bookEntry(b)));
    expect(results.every((r) => r.state === 'BOOKED')).toBe(true);
    const log = apiRequests(qbo);
    expect(log.filter((r) => r.status === 429)).toHaveLength(0);
    expect(maxInFlight(log)).toBeLessThanOrEqual(QUICKBOOKS_MAX_CONCURRENT_PER_REALM);
    expect(qbo.peakInFlight(SMILE)).toBe(QUICKBOOKS_MAX_CONCURRENT_PER_REALM);
    expect(qbo.entities(SMILE, 'SalesReceipt')).toHaveLength(40);
  });

  it('waits out 429 bursts from a realm that throttles harder, sending each booking under its own requestid, one receipt each', async () => {
    const strict = await startQuickBooksSandbox({ rateLimits: { concurrent: 2 } });
    try {
      const books = adapter(strict, { retryBaseDelayMs: 5, maxRetries: 20 });
      await books.connect();
      // Each receipt takes a while, so the adapter's 4 in flight meet the realm's 2.
      strict.addFault({ method: 'POST', path: `/v3/company/${SMILE}/salesreceipt`, delayMs: 30, times: 1_000 });
      const results = await Promise.all(bookings(20).map((b) => books.bookEntry(b)));
      expect(results.every((r) => r.state === 'BOOKED')).toBe(true);
      const log = strict.requestsFor(SMILE);
      expect(log.filter((r) => r.status === 429).length).toBeGreaterThan(0);
      expect(strict.entities(SMILE, 'SalesReceipt')).toHaveLength(20);
      const keys = log.filter((r) => r.status === 200 && r.method === 'POST').map((r) => r.query.requestid);
      expect(new Set(keys).size).toBe(20);
    } finally {
      await strict.close();
    }
  });

  it('declares 500/min per realm of an app, token calls apart, and reports every exchange to the budget', async () => {
    expect(quickbooksSystem.rateLimits).toBe(quickbooksRateLimits);
    expect(limitsFor(quickbooksRateLimits.limits, '/v3/company/{realmId}/salesreceipt')).toEqual(['per-minute']);
    expect(limitsFor(quickbooksRateLimits.limits, '/oauth2/v1/tokens/bearer')).toEqual([]);
    const key = (c: ReturnType<typeof connectionFor>) => {
      const { baseUrl, secret } = quickbooksRateLimits.credential(c);
      return credentialKey('quickbooks', baseUrl, secret);
    };
    expect(key(connectionFor(qbo, SMILE))).toBe(key(connectionFor(qbo, SMILE, { refreshToken: 'RT1-other' })));
    expect(key(connectionFor(qbo, SMILE))).not.toBe(key(connectionFor(qbo, NORTH)));

    const seen: Array<{ endpoint: string; attempt: number; status: number | null }> = [];
    let retriesAllowed = 0;
    const budget: UpstreamBudget = {
      async beforeExchange({ endpoint, attempt }) {
        const entry = { endpoint, attempt, status: null as number | null };
        seen.push(entry);
        return async (status) => {
          entry.status = status;
        };
      },
      mayRetry: () => retriesAllowed-- > 0,
    };
    const books = adapter(qbo, { upstreamBudget: budget, retryBaseDelayMs: 1 });
    await books.bookEntry(saleBooking('58'));
    expect(seen.map((s) => [s.endpoint, s.status])).toEqual([
      ['/oauth2/v1/tokens/bearer', 200],
      ['/v3/company/{realmId}/salesreceipt', 200],
    ]);
    qbo.addFault({ method: 'GET', path: `/v3/company/${SMILE}/query`, status: 429, times: 3 });
    retriesAllowed = 1;
    await expect(books.ensureCustomer(customerInput())).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 429 });
    expect(seen.slice(2).map((s) => [s.attempt, s.status])).toEqual([
      [1, 429],
      [2, 429],
    ]);
  });
});

describe('the gateway wiring', () => {
  let store: TransactionStore;
  beforeAll(async () => {
    store = await openStore('memory://');
  });
  afterAll(() => store.close());

  it('builds each practice books from its accounting config, stores the rotated token, and logs no secret or patient data', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ level: 'debug', destination: sink });
    const connection = connectionFor(qbo);
    const config = parseConfig({
      server: { port: 0 },
      store: { url: 'memory://' },
      apiKeys: [{ name: 'ops', key: 'k'.repeat(32), practices: ['*'] }],
      practices: [
        {
          id: 'smile-dental',
          name: 'Smile Dental',
          system: 'nexhealth',
          connection: { baseUrl: 'http://127.0.0.1:1', apiKey: 'nexhealth-key', subdomain: 'smile', locationId: 1 },
          accounting: { system: 'quickbooks', connection, depositAccountId: 35, itemId: '1' },
        },
        {
          id: 'northside',
          name: 'Northside',
          system: 'nexhealth',
          connection: { baseUrl: 'http://127.0.0.1:1', apiKey: 'nexhealth-key', subdomain: 'north', locationId: 2 },
        },
      ],
    });
    const accounting = createAccountingAdapters({
      practices: config.practices,
      sql: store.sql,
      factory: defaultAccountingAdapterFactory({ retryBaseDelayMs: 1 }, undefined, logger),
    });
    try {
      expect(accounting.accountingAdapterFor('northside')).toBeNull();
      expect(accounting.accountingConfigFor('smile-dental')).toEqual({
        system: 'quickbooks',
        depositAccountId: '35',
        itemId: '1',
      });
      const books = accounting.accountingAdapterFor('smile-dental');
      expect(books?.companyId).toBe(SMILE);
      const customer = await books!.ensureCustomer(customerInput());
      expect(customer.state).toBe('OK');
      qbo.knobs.expireAccessTokens(SMILE);
      expect(await books!.bookEntry(saleBooking(customer.state === 'OK' ? customer.customer.id : ''))).toMatchObject({
        state: 'BOOKED',
      });
      qbo.knobs.setRealmActive(SMILE, false);
      const refused = await books!.bookEntry(saleBooking('58', { transactionId: 'LG:1043', idempotencyKey: 'LG:1043' }));
      expect(refused).toMatchObject({ state: 'FAILED', cause: 'COMPANY_INACTIVE' });

      const { rows } = await store.sql.query<{ refresh_token: string }>('SELECT refresh_token FROM upstream_refresh_tokens');
      expect(rows.map((r) => r.refresh_token)).toEqual([`${qbo.realms.smileDental.refreshToken}-2`]);

      const bearers = qbo.requests.map((r) => String(r.headers.authorization ?? '').replace(/^(Bearer|Basic) /, ''));
      const forbidden = [
        connection.clientSecret,
        connection.refreshToken,
        `${connection.refreshToken}-1`,
        `${connection.refreshToken}-2`,
        ...new Set(bearers),
        'Dana',
        'Reed',
        'dana.reed@example.com',
        '+15555550123',
      ];
      const text = lines.join('\n') + (refused.state === 'FAILED' ? refused.reason : '');
      expect(lines.some((l) => l.includes('accounting upstream call'))).toBe(true);
      for (const secret of forbidden) expect(text).not.toContain(secret);
      expect(tokenRequests(qbo)).toHaveLength(2);
    } finally {
      await accounting.close();
    }
  });
});
