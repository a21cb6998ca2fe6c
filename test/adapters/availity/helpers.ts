/**
 * The Availity adapter against the Availity simulator: one sandbox per test file, reset before each
 * test, an adapter with recorded sleeps (no real waiting) and a clock the test moves.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type AvailityClientOptions, createAvailityAdapter } from '../../../src/adapters/coverage/availity';
import type { AvailityConnection } from '../../../src/adapters/coverage/availity';
import type { EligibilityRequest } from '../../../src/adapters/coverage/port';
import type { UpstreamCallEvent } from '../../../src/adapters/http';
import { type AvailitySandbox, startAvailitySandbox } from '../../../src/sandbox/availity';

export const NPI = '1234567893';

export const JANE: EligibilityRequest = {
  payerId: 'SANDBOX1',
  provider: { npi: NPI, name: 'Smile Dental' },
  member: { memberId: 'AVL000001', groupNumber: null },
  patient: { firstName: 'JANE', lastName: 'DOE', dateOfBirth: '1985-04-12', gender: 'F' },
  relationship: 'SELF',
  asOfDate: '2026-07-30',
  serviceTypeCodes: ['30', '98'],
};

/** A request for another seeded member (name and birth date as the sandbox knows her). */
export function memberRequest(memberId: string, firstName: string, lastName: string, dateOfBirth: string): EligibilityRequest {
  return { ...JANE, member: { memberId, groupNumber: null }, patient: { firstName, lastName, dateOfBirth, gender: null } };
}

export interface Harness {
  sandbox: AvailitySandbox;
  connection(overrides?: Partial<AvailityConnection>): AvailityConnection;
  /** An adapter whose sleeps are recorded in `sleeps` and whose clock is `clock.now`. */
  adapter(overrides?: Partial<AvailityConnection>, options?: AvailityClientOptions): ReturnType<typeof createAvailityAdapter>;
  sleeps: number[];
  calls: UpstreamCallEvent[];
  clock: { now: number };
  /** Requests the simulator received on a route (`/token`, `/coverages`; `/coverages/` for every id). */
  requestsTo(route: string, method?: string): number;
}

export function useAvailitySandbox(): Harness {
  const adapters: Array<ReturnType<typeof createAvailityAdapter>> = [];
  const harness = {
    sleeps: [] as number[],
    calls: [] as UpstreamCallEvent[],
    clock: { now: 1_780_000_000_000 },
  } as Harness;
  beforeAll(async () => {
    harness.sandbox = await startAvailitySandbox({ port: 0 });
    const { clientId, clientSecret } = harness.sandbox.clients.main;
    harness.connection = (overrides = {}) => ({
      baseUrl: harness.sandbox.baseUrl,
      tokenUrl: harness.sandbox.tokenUrl,
      clientId,
      clientSecret,
      scope: 'healthcare-hipaa-transactions',
      ...overrides,
    });
    harness.adapter = (overrides = {}, options = {}) => {
      const adapter = createAvailityAdapter(harness.connection(overrides), {
        now: () => harness.clock.now,
        sleep: async (ms) => {
          harness.sleeps.push(ms);
        },
        random: () => 0.5,
        onUpstreamCall: (event) => harness.calls.push(event),
        ...options,
      });
      adapters.push(adapter);
      return adapter;
    };
    harness.requestsTo = (route, method) =>
      harness.sandbox.requests.filter(
        (r) =>
          (route.endsWith('/') ? r.route.startsWith(route) : r.route === route) && (method === undefined || r.method === method),
      ).length;
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
