/**
 * The claim-status simulator (Stedi's Real-Time Claim Status v2 JSON, the `office-ally`
 * connection's wire format): `startClaimStatusSandbox({ port: 0 })` serves
 * `POST /change/medicalnetwork/claimstatus/v2` (also under `/2024-04-01`) with the spec's payers,
 * members and scripted claims, and the knobs. In process, tests also get them directly (faults,
 * advance/set a claim, add claims and members, request log). See `README.md` here.
 */
import type { AddressInfo } from 'node:net';
import { addressUrl, listen } from '../../server/listen';
import { FaultInjector, type FaultRule } from '../shared/fault-injection';
import { claimFromJson, claimStateJson, memberFromJson, resetAll, stepFromJson } from './knobs';
import { CLAIM_STATUS_SEED } from './seed';
import { type ClaimStatusRecordedRequest, createClaimStatusServer, type ServerParts } from './server';
import { ClaimStatusSim, type SimClaim } from './sim';

export { isValidNpi } from '../availity/validate';
export { CATEGORY_TEXT, CLAIM_STATUS_SEED, type ClaimStep, PAYERS, STATUS_TEXT } from './seed';
export { CLAIM_STATUS_PATH, type ClaimStatusRecordedRequest } from './server';
export type { SimClaim } from './sim';

/** The billing provider NPI the sandbox practices use (10 digits, valid check digit). */
export const CLAIM_STATUS_SANDBOX_NPI = '1234567893';

export interface ClaimStatusSandboxOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** The clock of `effectiveDate`/`paidDate`, the seeded service dates and the request log. Default `Date.now`. */
  now?: () => number;
  /** Fault rules active from the start (a 429 sends `Retry-After: 1` unless its rule sets `retryAfterSeconds`, `null` for none). */
  faults?: FaultRule[];
  /** Default `sandbox-claim-status-key` (the spec's). */
  apiKey?: string;
}

export type ClaimState = ReturnType<typeof claimStateJson>;

export interface ClaimStatusSandbox {
  /** e.g. `http://127.0.0.1:40123`: a connection's `baseUrl`; the controls are under `/_sandbox/…`. */
  url: string;
  apiKey: string;
  /** Every inquiry (and stray request), oldest first, bodies without `x12` (controls are not logged). */
  requests: ClaimStatusRecordedRequest[];
  /** Shared fault rules (429 with or without Retry-After, 500, 503, 504, latency for timeouts, resets). */
  faults: FaultInjector;
  /** Skip one step of the claim's script (by patient account number). */
  advance(patientAccountNumber: string): ClaimState;
  /** The claim answers this step from now on: `{statusCategoryCode, statusCode, amountPaid?: "96.00", paidDate?, checkNumber?}`. */
  set(patientAccountNumber: string, step: Record<string, unknown>): ClaimState;
  /** Add a claim with its script (the `/_sandbox/claims` JSON). */
  addClaim(json: Record<string, unknown>): ClaimState;
  /** Add a member (the `/_sandbox/members` JSON; `rejection: {code}` rejects every inquiry about her). */
  addMember(json: Record<string, unknown>): void;
  /** The claim with this patient account number, with its position and inquiry count. */
  claim(patientAccountNumber: string): SimClaim | undefined;
  /** Back to the seed: claims and their positions, members, faults, log. */
  reset(): void;
  close(): Promise<void>;
}

export async function startClaimStatusSandbox(options: ClaimStatusSandboxOptions = {}): Promise<ClaimStatusSandbox> {
  const sim = new ClaimStatusSim(options.now ?? Date.now);
  const faults = new FaultInjector();
  for (const rule of options.faults ?? []) faults.add(rule);
  const apiKey = options.apiKey ?? CLAIM_STATUS_SEED.apiKey;
  const parts: ServerParts = { sim, faults, log: [], apiKey };
  const { server, close } = createClaimStatusServer(parts);
  const address: AddressInfo = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const only = (account: string): SimClaim => {
    const found = sim.claimsByAccount(account);
    if (found.length !== 1) throw new Error(`expected one claim with account ${account}, found ${found.length}`);
    return found[0]!;
  };
  return {
    url: addressUrl(address),
    apiKey,
    requests: parts.log,
    faults,
    advance: (account) => {
      const claim = only(account);
      sim.advance(claim);
      return claimStateJson(claim);
    },
    set: (account, step) => {
      const claim = only(account);
      sim.set(claim, stepFromJson(step));
      return claimStateJson(claim);
    },
    addClaim: (json) => claimStateJson(sim.addClaim(claimFromJson(parts, json))),
    addMember: (json) => sim.addMember(memberFromJson(json)),
    claim: (account) => sim.claimsByAccount(account)[0],
    reset: () => resetAll(parts),
    close,
  };
}
