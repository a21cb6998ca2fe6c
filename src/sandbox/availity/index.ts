/**
 * The Availity Coverages simulator: `startAvailitySandbox({ port: 0 })` serves the OAuth2 token
 * endpoint and `POST /coverages`, `GET|DELETE /coverages/{id}` under `/availity/v1` and `/v1`, with
 * the spec's seeded members, demo scenarios and knobs. In process, tests also get the knobs
 * directly (faults, clock, tokens, rate limit, members, request log). See `README.md` here.
 */
import type { AddressInfo } from 'node:net';
import { addressUrl, listen } from '../../server/listen';
import { type FaultControl, FaultInjector, type FaultRule } from '../shared/fault-injection';
import { SandboxClock } from './clock';
import { addAvailityFault, memberFromJson, resetAll } from './knobs';
import type { SeededMember } from './members';
import { type AvailityRecordedRequest, createAvailityServer, type ServerParts } from './server';
import { AVAILITY_SANDBOX_CLIENTS, type AvailityClient, AvailitySim, type RateLimit, type SimCoverage } from './sim';

export { SandboxClock } from './clock';
export {
  AVAILITY_MEMBERS,
  COVERAGE_STATUS,
  type CoverageStep,
  type SeededMember,
  type ValidationMessage,
  type WirePlan,
} from './members';
export type { AvailityRecordedRequest } from './server';
export {
  AVAILITY_PAYER,
  AVAILITY_SANDBOX_CLIENTS,
  type AvailityClient,
  DEFAULT_SCOPE,
  type RateLimit,
  type SimCoverage,
  TOKEN_LIFETIME_SECONDS,
} from './sim';
export { isValidNpi } from './validate';

/** The provider NPI the sandbox practices use (10 digits, valid check digit). */
export const AVAILITY_SANDBOX_NPI = '1234567893';

export interface AvailitySandboxOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** The time source under the sandbox clock (which tests move with `clock.advance`). Default `Date.now`. */
  now?: () => number;
  /** Fault rules active from the start (a 429 without `retryAfterSeconds` sends no `Retry-After`). Default none. */
  faults?: FaultRule[];
  /** Registered applications. Default {@link AVAILITY_SANDBOX_CLIENTS} (one subscribed, one not). */
  clients?: AvailityClient[];
  /** Per client. Default 100 per second and 100,000 per day (Availity's Standard plan). */
  rateLimit?: Partial<RateLimit>;
  /** How long a coverage id can be polled (`expirationDate`). Default 24 h. */
  coverageTtlMs?: number;
}

export interface AvailitySandbox {
  /** e.g. `http://127.0.0.1:40123`: the API (below) and the controls (`/_sandbox/…`). */
  url: string;
  /** `{url}/availity/v1`: a connection's `baseUrl` (`{url}/v1` answers identically). */
  baseUrl: string;
  /** `{baseUrl}/token`: a connection's `tokenUrl`. */
  tokenUrl: string;
  clients: typeof AVAILITY_SANDBOX_CLIENTS;
  /** Every API request, token requests included, oldest first (controls are not logged). */
  requests: AvailityRecordedRequest[];
  /** Fault rules; a forced 429 has no `Retry-After` unless the rule sets `retryAfterSeconds`. */
  faults: FaultControl;
  /** The simulator's time: `clock.advance(ms)` expires tokens and coverages and moves rate windows without sleeping. */
  clock: SandboxClock;
  /** Expire one token, or every token now; returns how many were live. */
  expireTokens(accessToken?: string): number;
  /** Per client; omitted fields keep their value. */
  setRateLimit(limit: Partial<RateLimit>): RateLimit;
  /** Add (or replace) a member and its script: the `/_sandbox/members` JSON, or a {@link SeededMember}. */
  addMember(member: SeededMember | Record<string, unknown>): void;
  /** The coverage with this id (whatever its client), with its current step and how many answers it gave. */
  coverage(id: string): SimCoverage | undefined;
  /** Back to the seed: members, coverages, tokens, rate limit, faults, log and clock. */
  reset(): void;
  close(): Promise<void>;
}

export async function startAvailitySandbox(options: AvailitySandboxOptions = {}): Promise<AvailitySandbox> {
  const clock = new SandboxClock(options.now ?? Date.now);
  const rateLimit: RateLimit = { perSecond: 100, perDay: 100_000, ...options.rateLimit };
  const sim = new AvailitySim(
    clock,
    options.clients ?? Object.values(AVAILITY_SANDBOX_CLIENTS),
    rateLimit,
    options.coverageTtlMs ?? 86_400_000,
  );
  const injector = new FaultInjector();
  for (const rule of options.faults ?? []) addAvailityFault(injector, rule);
  const parts: ServerParts = { sim, faults: injector, log: [] };
  const { server, close } = createAvailityServer(parts);
  const address: AddressInfo = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const url = addressUrl(address);
  const faults: FaultControl = {
    add: (rule) => addAvailityFault(injector, rule),
    remove: (id) => injector.remove(id),
    clear: () => injector.clear(),
    list: () => injector.list(),
    reseed: (seed) => injector.reseed(seed),
  };
  return {
    url,
    baseUrl: `${url}/availity/v1`,
    tokenUrl: `${url}/availity/v1/token`,
    clients: AVAILITY_SANDBOX_CLIENTS,
    requests: parts.log,
    faults,
    clock,
    expireTokens: (accessToken) => sim.expireTokens(accessToken),
    setRateLimit: (limit) => {
      sim.rateLimit = { ...sim.rateLimit, ...limit };
      return sim.rateLimit;
    },
    addMember: (member) => sim.addMember(memberFromJson(sim, member)),
    coverage: (id) => sim.coverages.get(id),
    reset: () => resetAll(parts),
    close,
  };
}
