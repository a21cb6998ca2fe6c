/**
 * The claim-status simulator in sandbox mode (`npm start` without a config): the claim-status
 * connection of every sandbox ledger practice (`coverage.claimStatus`, clearinghouse
 * `office-ally`). `CLAIM_STATUS_SANDBOX_FAULTS` (JSON fault rules) injects faults from the start.
 */
import type { RunningSystemSandbox, SandboxModeStartOptions, SandboxPractice } from '../../adapters/system';
import { COVERAGE_SANDBOX_PRACTICES, SANDBOX_PAYER_IDS } from '../availity/mode';
import { faultRulesFromJson } from '../shared/fault-injection';
import { CLAIM_STATUS_SANDBOX_NPI, type ClaimStatusSandbox, startClaimStatusSandbox } from './index';

/** A practice's `coverage.claimStatus` entry: `connection` plus the service's own keys in `service`. */
export interface ClaimStatusSandboxPractice extends SandboxPractice {
  connection: { baseUrl: string; apiKey: string };
  /** The keys beside `connection` in `coverage.claimStatus` (with `clearinghouse: "office-ally"`). */
  service: { billingProvider: { npi: string; organizationName: string }; payerIds: Record<string, string> };
}

export function claimStatusSandboxPractices(sandbox: Pick<ClaimStatusSandbox, 'url' | 'apiKey'>): ClaimStatusSandboxPractice[] {
  return COVERAGE_SANDBOX_PRACTICES.map(({ id, name }) => ({
    id,
    name: `${name} (claim-status sandbox)`,
    connection: { baseUrl: sandbox.url, apiKey: sandbox.apiKey },
    service: { billingProvider: { npi: CLAIM_STATUS_SANDBOX_NPI, organizationName: name }, payerIds: { ...SANDBOX_PAYER_IDS } },
  }));
}

export async function startSandboxMode(options: SandboxModeStartOptions): Promise<RunningSystemSandbox> {
  const faults = process.env.CLAIM_STATUS_SANDBOX_FAULTS;
  const sandbox = await startClaimStatusSandbox({ port: options.port ?? 0, faults: faults ? faultRulesFromJson(faults) : [] });
  return { practices: claimStatusSandboxPractices(sandbox), close: () => sandbox.close() };
}
