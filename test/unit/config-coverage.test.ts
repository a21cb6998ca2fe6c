import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config';

const base = {
  apiKeys: [{ name: 'k', key: 'k'.repeat(16), practices: ['*'] }],
};
const practice = (coverage: unknown) => ({
  id: 'smile-dental',
  name: 'Smile',
  system: 'nexhealth',
  connection: { baseUrl: 'https://nexhealth.info', apiKey: 'x', subdomain: 'smile', locationId: '1' },
  coverage,
});
const eligibility = {
  clearinghouse: 'availity',
  connection: { clientId: 'id', clientSecret: 'secret' },
  providerNpi: '1234567893',
  providerName: 'Smile Dental',
  payerIds: { Aetna: '00123' },
};
const claimStatus = {
  clearinghouse: 'office-ally',
  connection: { baseUrl: 'https://claims.example', apiKey: 'key' },
  billingProvider: { npi: '1234567893', organizationName: 'Smile Dental' },
  payerIds: { 'ACME HEALTH PPO': 'SANDBOX1' },
};

describe('config: coverage', () => {
  it('accepts both services with their defaults', () => {
    const config = parseConfig({ ...base, practices: [practice({ eligibility, claimStatus })] });
    const coverage = config.practices[0]!.coverage!;
    expect(coverage.eligibility).toMatchObject({
      clearinghouse: 'availity',
      inNetwork: true,
      payerIds: { Aetna: '00123' },
      connection: {
        baseUrl: 'https://api.availity.com/availity/v1',
        tokenUrl: 'https://api.availity.com/availity/v1/token',
        scope: 'healthcare-hipaa-transactions',
      },
    });
    expect(coverage.claimStatus).toMatchObject({ clearinghouse: 'office-ally', minRefreshIntervalSeconds: 900 });
  });

  it('refuses an NPI with a bad check digit, naming the key', () => {
    expect(() =>
      parseConfig({ ...base, practices: [practice({ eligibility: { ...eligibility, providerNpi: '1234567890' } })] }),
    ).toThrow(/coverage\.eligibility\.providerNpi.*check digit/);
  });

  it('refuses a clearinghouse under the other service', () => {
    expect(() => parseConfig({ ...base, practices: [practice({ claimStatus: { ...eligibility } })] })).toThrow(
      /coverage\.claimStatus\.clearinghouse/,
    );
  });

  it('refuses a billing provider without a name', () => {
    expect(() =>
      parseConfig({
        ...base,
        practices: [practice({ claimStatus: { ...claimStatus, billingProvider: { npi: '1234567893' } } })],
      }),
    ).toThrow(/organizationName, or lastName and firstName/);
  });
});
