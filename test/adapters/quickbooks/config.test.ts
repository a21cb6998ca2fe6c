/**
 * The `accounting` block of a practice's config: a union on `system` over the registered
 * accounting systems, the QuickBooks connection by its own schema (`tokenUrl` defaulted, `env:`
 * secrets), and the ids beside it. Errors name the key and what was expected.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config';

const connection = {
  baseUrl: 'https://quickbooks.api.intuit.com',
  clientId: 'ABclient',
  clientSecret: 'env:QBO_TEST_SECRET',
  refreshToken: 'env:QBO_TEST_REFRESH',
  realmId: '9130000000000001',
  verifierToken: 'env:QBO_TEST_VERIFIER',
};

function config(accounting: unknown) {
  return {
    apiKeys: [{ name: 'k', key: 'k'.repeat(16), practices: ['*'] }],
    practices: [
      {
        id: 'smile-dental',
        name: 'Smile Dental',
        system: 'nexhealth',
        connection: { baseUrl: 'https://nexhealth.info', apiKey: 'key', subdomain: 'smile', locationId: 1 },
        accounting,
      },
    ],
  };
}

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('accounting config', () => {
  it('takes the keys DESIGN fixes, with env: secrets, a default tokenUrl and ids as strings', () => {
    process.env.QBO_TEST_SECRET = 'secret-1';
    process.env.QBO_TEST_REFRESH = 'RT1-1';
    process.env.QBO_TEST_VERIFIER = 'verifier-1';
    const parsed = parseConfig(
      config({ system: 'quickbooks', connection, depositAccountId: 35, itemId: '1', paymentMethodId: '3' }),
    );
    expect(parsed.practices[0]?.accounting).toEqual({
      system: 'quickbooks',
      connection: {
        ...connection,
        tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
        clientSecret: 'secret-1',
        refreshToken: 'RT1-1',
        verifierToken: 'verifier-1',
      },
      depositAccountId: '35',
      itemId: '1',
      paymentMethodId: '3',
    });
  });

  it('names the key and what was expected', () => {
    process.env.QBO_TEST_SECRET = 'secret-1';
    process.env.QBO_TEST_REFRESH = 'RT1-1';
    process.env.QBO_TEST_VERIFIER = 'verifier-1';
    expect(errorOf(() => parseConfig(config({ system: 'xero', connection, depositAccountId: '35', itemId: '1' })))).toMatch(
      /accounting.*expected accounting\.system to be one of "quickbooks"/,
    );
    expect(errorOf(() => parseConfig(config({ system: 'quickbooks', connection, depositAccountId: '35' })))).toMatch(
      /practices\[0\]\.accounting\.itemId/,
    );
    expect(
      errorOf(() =>
        parseConfig(
          config({ system: 'quickbooks', connection: { ...connection, realmId: 'abc' }, depositAccountId: '35', itemId: '1' }),
        ),
      ),
    ).toMatch(/accounting\.connection\.realmId: expected a QuickBooks realm id/);
  });
});
