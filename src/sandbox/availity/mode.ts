/**
 * The Availity simulator in sandbox mode (`npm start` without a config): the eligibility connection
 * of every sandbox ledger practice (`coverage.eligibility`), all on the one subscribed client.
 * `AVAILITY_SANDBOX_FAULTS` (JSON fault rules) injects faults from the start.
 *
 * The shapes mirror the gateway's sandbox-mode types structurally: a simulator imports nothing
 * from the code it checks beyond those types.
 */
import type { RunningSystemSandbox, SandboxModeStartOptions, SandboxPractice } from '../../adapters/system';
import { faultRulesFromJson } from '../shared/fault-injection';
import { AVAILITY_PAYER, AVAILITY_SANDBOX_NPI, type AvailitySandbox, startAvailitySandbox } from './index';

/** The ledger sandbox practices that carry coverage, with their display names for `providerName`. */
export const COVERAGE_SANDBOX_PRACTICES = [
  { id: 'smile-dental', name: 'Smile Dental' },
  { id: 'bright-dentrix', name: 'Bright Family Dentistry' },
  { id: 'northside', name: 'Northside Clinic' },
  { id: 'lakeside', name: 'Lakeside Family Practice' },
  { id: 'summit-health', name: 'Summit Health' },
  { id: 'lakeview-epic', name: 'Lakeview Clinics' },
  { id: 'open-fhir', name: 'Open FHIR Family Practice' },
] as const;

/**
 * Every payor the sandbox ledgers' coverages name (FHIR `Coverage.payor` references and displays),
 * mapped to the sandbox's one payer, so any seeded coverage can be checked.
 */
export const SANDBOX_PAYER_IDS: Readonly<Record<string, string>> = {
  'Organization/490016987': AVAILITY_PAYER.payerId,
  'Organization/eAetna': AVAILITY_PAYER.payerId,
  Aetna: AVAILITY_PAYER.payerId,
  'Organization/org-bcbs': AVAILITY_PAYER.payerId,
  'Blue Cross Blue Shield': AVAILITY_PAYER.payerId,
  'Organization/org-cms': AVAILITY_PAYER.payerId,
  Medicare: AVAILITY_PAYER.payerId,
  'ACME HEALTH PPO': AVAILITY_PAYER.payerId,
};

/** A practice's `coverage.eligibility` entry: `connection` plus the service's own keys in `service`. */
export interface AvailitySandboxPractice extends SandboxPractice {
  connection: { baseUrl: string; tokenUrl: string; clientId: string; clientSecret: string; scope: string };
  /** The keys beside `connection` in `coverage.eligibility` (with `clearinghouse: "availity"`). */
  service: { providerNpi: string; providerName: string; payerIds: Record<string, string>; inNetwork: boolean };
}

/** The sandbox's client as every coverage practice's eligibility connection. */
export function availitySandboxPractices(
  availity: Pick<AvailitySandbox, 'baseUrl' | 'tokenUrl' | 'clients'>,
): AvailitySandboxPractice[] {
  const { clientId, clientSecret } = availity.clients.main;
  return COVERAGE_SANDBOX_PRACTICES.map(({ id, name }) => ({
    id,
    name: `${name} (Availity sandbox)`,
    connection: {
      baseUrl: availity.baseUrl,
      tokenUrl: availity.tokenUrl,
      clientId,
      clientSecret,
      scope: 'healthcare-hipaa-transactions',
    },
    service: { providerNpi: AVAILITY_SANDBOX_NPI, providerName: name, payerIds: { ...SANDBOX_PAYER_IDS }, inNetwork: true },
  }));
}

export async function startSandboxMode(options: SandboxModeStartOptions): Promise<RunningSystemSandbox> {
  const faults = process.env.AVAILITY_SANDBOX_FAULTS;
  const availity = await startAvailitySandbox({ port: options.port ?? 0, faults: faults ? faultRulesFromJson(faults) : [] });
  return { practices: availitySandboxPractices(availity), close: () => availity.close() };
}
