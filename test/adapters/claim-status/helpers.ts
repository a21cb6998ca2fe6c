/**
 * The claim-status adapter against the claim-status simulator: one sandbox per test file, reset
 * before each test, an adapter with recorded sleeps, and each seeded claim's inquiry key.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type ClaimStatusAdapterOptions, createClaimStatusAdapter } from '../../../src/adapters/coverage/claim-status';
import type { ClaimStatusRequest } from '../../../src/adapters/coverage/port';
import type { UpstreamCallEvent } from '../../../src/adapters/http';
import { type ClaimStatusSandbox, startClaimStatusSandbox } from '../../../src/sandbox/claim-status';

export const NPI = '1234567893';
const JANE = { memberId: 'W123456789', firstName: 'JANE', lastName: 'DOE', dateOfBirth: '1985-04-12', gender: null };
const JOHN = { memberId: 'W223344556', firstName: 'JOHN', lastName: 'ROE', dateOfBirth: '1979-11-30', gender: null };
const MIA = { firstName: 'MIA', lastName: 'DOE', dateOfBirth: '2015-06-01', gender: null };

const iso = (compact: string) => `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)}`;

export interface Harness {
  sandbox: ClaimStatusSandbox;
  adapter(options?: ClaimStatusAdapterOptions, apiKey?: string): ReturnType<typeof createClaimStatusAdapter>;
  /** The inquiry key of a seeded claim (its member, dependent, dates and billed amount as seeded). */
  request(patientAccountNumber: string, overrides?: Partial<ClaimStatusRequest>): ClaimStatusRequest;
  sleeps: number[];
  calls: UpstreamCallEvent[];
}

export function useClaimStatusSandbox(): Harness {
  const adapters: Array<ReturnType<typeof createClaimStatusAdapter>> = [];
  const harness = { sleeps: [] as number[], calls: [] as UpstreamCallEvent[] } as Harness;
  beforeAll(async () => {
    harness.sandbox = await startClaimStatusSandbox({ port: 0 });
    harness.adapter = (options = {}, apiKey = harness.sandbox.apiKey) => {
      const adapter = createClaimStatusAdapter(
        { baseUrl: harness.sandbox.url, apiKey },
        {
          sleep: async (ms) => {
            harness.sleeps.push(ms);
          },
          random: () => 0.5,
          onUpstreamCall: (event) => harness.calls.push(event),
          ...options,
        },
      );
      adapters.push(adapter);
      return adapter;
    };
    harness.request = (account, overrides = {}) => {
      const claim = harness.sandbox.claim(account);
      if (!claim) throw new Error(`no seeded claim ${account}`);
      const subscriber = claim.memberId === JOHN.memberId ? JOHN : JANE;
      return {
        claimSourceId: account,
        payerId: claim.payerId,
        billingProvider: { npi: NPI, organizationName: 'Smile Dental', lastName: null, firstName: null, taxId: null },
        subscriber,
        dependent: claim.dependent ? MIA : null,
        serviceFrom: iso(claim.serviceFrom),
        serviceTo: iso(claim.serviceTo),
        billed: claim.lines.reduce((sum, line) => sum + line.submitted, 0),
        patientControlNumber: account,
        payerClaimControlNumber: null,
        traceNumber: null,
        ...overrides,
      };
    };
  });
  beforeEach(() => {
    harness.sandbox.reset();
    harness.sleeps.length = 0;
    harness.calls.length = 0;
  });
  afterAll(async () => {
    await Promise.all(adapters.map((a) => a.close()));
    await harness.sandbox?.close();
  });
  return harness;
}
