/**
 * FHIR R4 sandbox: one in-process simulator, three mounts (`oracle-health`, `epic`, `generic`), as the
 * FHIR spec's sandbox decisions give them: SMART Backend Services (RS384 client assertions checked
 * against registered keys; Basic on the oracle mount only), per-profile search combinations, paging
 * at 20, generic batch, Oracle FinancialTransaction and generic PaymentReconciliation writes, faults,
 * knobs and a request log. See README.md.
 *
 *     const fhir = await startFhirSandbox();
 *     fhir.mounts.generic;                 // http://127.0.0.1:PORT/generic/fhir
 *     fhir.clients.generic;                // { clientId, privateKeyPem, keyId, tokenUrl }
 *     fhir.faults.add({ path: '/generic/fhir/Patient', status: 429, retryAfterSeconds: 2, times: 1 });
 *     await fhir.close();
 */
import { type FaultControl, FaultInjector, type FaultRule } from '../shared/fault-injection';
import { TokenAuthority } from './auth';
import { ClientRegistry, FHIR_SANDBOX_CLIENT_IDS, generateSandboxKeyPair, newClientSecret, type SandboxKeyPair } from './clients';
import type { FhirRecordedRequest, FtFailure, MountState, SandboxParts, SandboxSettings } from './context';
import { postedList, type PostedFinancialTransaction } from './financial-transaction';
import type { OperationOutcome } from './outcome';
import { Pager } from './paging';
import { FHIR_PROFILES, type FhirProfile, MOUNTS } from './profiles';
import { seedClock } from './seed-dates';
import { createEpicSeed } from './seed-epic';
import { createGenericSeed } from './seed-generic';
import { createOracleSeed } from './seed-oracle';
import { createFhirServer, listenOn } from './server';
import { type FhirSeed, MountStore, type Resource } from './store';

export interface FhirSandboxOptions {
  /** TCP port; default 0 (any free port). */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** The key pair registered for the three default clients; default a fresh one generated at start. */
  keyPair?: SandboxKeyPair;
  /** Clock (ms since the epoch) for token and assertion expiry and seed dates; default `Date.now`. */
  now?: () => number;
  /** Seed data per mount; default the spec's seeds (`createFhirSeed(now())`). The sandbox works on a copy. */
  seed?: FhirSeed;
  /** Fault rules active from the start. */
  faults?: FaultRule[];
  /** Seed of the fault-probability RNG; default 1. */
  faultSeed?: number;
}

/** What a connection needs to reach one mount. */
export interface FhirSandboxClient {
  clientId: string;
  privateKeyPem: string;
  keyId: string;
  /** The mount's token URL (what an assertion's `aud` must be). */
  tokenUrl: string;
  /** Oracle only: the system-account secret for Basic auth. */
  clientSecret?: string;
}

export interface FhirSandbox {
  /** Sandbox root, e.g. `http://127.0.0.1:53124` (knobs at `{url}/_sandbox/…`). */
  url: string;
  /** Each mount's service root (no trailing `/`): a connection's `baseUrl`. */
  mounts: Record<FhirProfile, string>;
  clients: Record<FhirProfile, FhirSandboxClient>;
  keyPair: SandboxKeyPair;
  /** Every request received (except `/_sandbox/…`), oldest first, with the mount it went to. */
  readonly requests: ReadonlyArray<FhirRecordedRequest>;
  resetRequestLog(): void;
  faults: FaultControl;
  /** Every issued token expires now (the next call with one answers 401). */
  expireTokens(): void;
  /** Lifetime of tokens issued from now on (default 300 s). */
  setTokenTtlSeconds(seconds: number): void;
  /** The next FinancialTransaction POST answers this instead of being handled. */
  failNextFinancialTransaction(failure: FtFailure): void;
  /** Forces every page's size (`null`: `_count`, else 20). */
  setPageSize(n: number | null): void;
  setBatchEnabled(enabled: boolean): void;
  /** Epic's per-page `search.mode: "outcome"` entry severity (`null`: none). Default `information`. */
  setOutcomeSeverity(severity: OperationOutcome['issue'][number]['severity'] | null): void;
  /** The last page of every search links to itself again, forever. */
  setEndlessPages(enabled: boolean): void;
  registerClient(input: { clientId: string; publicKeyPem: string; kid: string; profile?: FhirProfile }): Promise<void>;
  /** FinancialTransactions the oracle mount accepted, oldest first. */
  readonly financialTransactions: ReadonlyArray<PostedFinancialTransaction>;
  /** A resource as the mount currently serves it. */
  resource(profile: FhirProfile, type: string, id: string): Resource | undefined;
  /** Every resource of a type on a mount. */
  resources(profile: FhirProfile, type: string): Resource[];
  close(): Promise<void>;
}

/** The spec's seeds, dated relative to `nowMs`. */
export function createFhirSeed(nowMs: number = Date.now()): FhirSeed {
  const clock = seedClock(nowMs);
  return { 'oracle-health': createOracleSeed(clock), epic: createEpicSeed(clock), generic: createGenericSeed(clock) };
}

export async function startFhirSandbox(options: FhirSandboxOptions = {}): Promise<FhirSandbox> {
  const now = options.now ?? Date.now;
  const seed = options.seed ?? createFhirSeed(now());
  const keyPair = options.keyPair ?? (await generateSandboxKeyPair());
  const clients = new ClientRegistry();
  const oracleSecret = newClientSecret();
  for (const profile of FHIR_PROFILES)
    await clients.register({
      clientId: FHIR_SANDBOX_CLIENT_IDS[profile],
      publicKeyPem: keyPair.publicKeyPem,
      kid: keyPair.keyId,
      profile,
      ...(profile === 'oracle-health' ? { secret: oracleSecret } : {}),
    });
  const settings: SandboxSettings = {
    forcedPageSize: null,
    endless: false,
    outcomeSeverity: 'information',
    batchEnabled: true,
    ftFailNext: null,
  };
  const faults = new FaultInjector(options.faultSeed ?? 1);
  for (const rule of options.faults ?? []) faults.add(rule);
  const auth = new TokenAuthority(clients, now);
  const mounts: MountState[] = FHIR_PROFILES.map((profile) => ({
    mount: MOUNTS[profile],
    store: new MountStore(seed[profile]),
    pager: new Pager(profile, settings),
    baseUrl: '',
    tokenUrl: '',
  }));
  const log: FhirRecordedRequest[] = [];
  const parts: SandboxParts = { mounts, auth, clients, faults, settings, log };
  const server = createFhirServer(parts);
  const url = await listenOn(server, options.port ?? 0, options.host ?? '127.0.0.1');
  // The absolute URLs exist only once the port is known; discovery and `aud` checks use them.
  for (const state of mounts) {
    state.baseUrl = `${url}${state.mount.basePath}`;
    state.tokenUrl = `${url}${state.mount.tokenPath}`;
  }
  const byProfile = (profile: FhirProfile) => mounts.find((m) => m.mount.profile === profile) as MountState;
  const record = <T>(make: (profile: FhirProfile) => T) =>
    Object.fromEntries(FHIR_PROFILES.map((p) => [p, make(p)])) as Record<FhirProfile, T>;

  return {
    url,
    mounts: record((p) => byProfile(p).baseUrl),
    clients: record((p) => ({
      clientId: FHIR_SANDBOX_CLIENT_IDS[p],
      privateKeyPem: keyPair.privateKeyPem,
      keyId: keyPair.keyId,
      tokenUrl: byProfile(p).tokenUrl,
      ...(p === 'oracle-health' ? { clientSecret: oracleSecret } : {}),
    })),
    keyPair,
    get requests() {
      return log;
    },
    resetRequestLog: () => {
      log.length = 0;
    },
    faults,
    expireTokens: () => auth.expireAll(),
    setTokenTtlSeconds: (seconds) => {
      auth.ttlSeconds = seconds;
    },
    failNextFinancialTransaction: (failure) => {
      settings.ftFailNext = failure;
    },
    setPageSize: (n) => {
      settings.forcedPageSize = n;
    },
    setBatchEnabled: (enabled) => {
      settings.batchEnabled = enabled;
    },
    setOutcomeSeverity: (severity) => {
      settings.outcomeSeverity = severity;
    },
    setEndlessPages: (enabled) => {
      settings.endless = enabled;
    },
    registerClient: (input) => clients.register({ ...input, profile: input.profile ?? null }),
    get financialTransactions() {
      return postedList(byProfile('oracle-health'));
    },
    resource: (profile, type, id) => byProfile(profile).store.get(type, id),
    resources: (profile, type) => byProfile(profile).store.all(type),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { FHIR_SANDBOX_CLIENT_IDS, FHIR_SANDBOX_KEY_ID, generateSandboxKeyPair, type SandboxKeyPair } from './clients';
export { FHIR_PROFILES, MOUNTS, ORACLE_TENANT, type FhirProfile } from './profiles';
export { ORACLE_SEED, ORACLE_EXTENSION_BASE } from './seed-oracle';
export { EPIC_SEED } from './seed-epic';
export { GENERIC_SEED } from './seed-generic';
export { ORACLE_ALIASES, type PostedFinancialTransaction } from './financial-transaction';
export { PATIENT_TAG_SYSTEM, TRANSACTION_ID_SYSTEM } from './payment-reconciliation';
export { DEFAULT_PAGE_SIZE } from './paging';
export type { FhirRecordedRequest, FtFailure } from './context';
export type { FhirSeed, Resource } from './store';
export { faultRulesFromJson, type FaultRule, type FaultControl } from '../shared/fault-injection';
