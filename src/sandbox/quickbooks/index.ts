/**
 * The QuickBooks Online simulator: `startQuickBooksSandbox({ port: 0 })` serves the Accounting API
 * v3 paths (`/v3/company/{realmId}/…`), the OAuth 2 token endpoint (`/oauth2/v1/tokens/bearer`) and
 * the `/_sandbox/…` controls on one port, with the seeded realms, and posts signed webhooks to the
 * URL a test gives. In process, tests also get the knobs directly (clock, books and the
 * accountant, faults, webhooks, request log). See `README.md` here.
 */
import type { AddressInfo } from 'node:net';
import { addressUrl, listen } from '../../server/listen';
import { FaultInjector, type FaultRule } from '../shared/fault-injection';
import { TokenAuthority } from './auth';
import { type AccountantEdit, QboBooks } from './books';
import { SandboxClock, type SandboxClockOptions } from './clock';
import { addFaultFromJson, createControl } from './controls';
import { DEFAULT_RATE_LIMITS, type RateLimits, RealmThrottle } from './rate-limit';
import {
  QBO_CLIENT,
  QBO_SANDBOX_REALMS,
  QBO_SEEDED_IDS,
  QBO_VERIFIER_TOKEN,
  type QuickBooksConnection,
  qboConnection,
  type SeededRealm,
} from './realms';
import { createQboServer, type FaultExtras, type QboRecordedRequest } from './server';
import { type EntityType, entityType, type StoredEntity } from './store';
import { type WebhookFormat, WebhookHub } from './webhooks';

export type { AccountantEdit } from './books';
export { SandboxClock } from './clock';
export {
  QBO_CLIENT,
  QBO_SANDBOX_REALMS,
  QBO_SEEDED_IDS,
  QBO_VERIFIER_TOKEN,
  type QuickBooksConnection,
  qboConnection,
  type SeededRealm,
} from './realms';
export type { QboRecordedRequest } from './server';
export type { EntityType, Operation } from './store';
export {
  intuitSignature,
  RETRY_DELAYS_MS,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookFormat,
  webhookPayload,
} from './webhooks';

export interface QuickBooksSandboxOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** The sandbox clock's start and mode. Default: real time, movable with `clock.advance`. */
  clock?: SandboxClockOptions;
  /** Access-token life in seconds of sandbox time. Default 3,600, as Intuit. */
  accessTokenTtlSeconds?: number;
  /** Per-realm throttles. Default 500 requests per minute and 10 in flight, as Intuit. */
  rateLimits?: Partial<RateLimits>;
  /**
   * Sandbox-time waits before each retry of an unacknowledged webhook. Default 1 s, 2 s, 4 s, 8 s,
   * as the spec decides; an end-to-end test that does not move the clock may shorten them.
   */
  webhookRetryDelaysMs?: readonly number[];
  /** Where webhooks go from the start. Default: nowhere until set. */
  webhookUrl?: string | null;
  /** Default `cloudevents`. */
  webhookFormat?: WebhookFormat;
  faults?: FaultRule[];
}

export interface QuickBooksSandbox {
  /** e.g. `http://127.0.0.1:40123`: the API base (`/v3/company/…`) and the controls. */
  url: string;
  /** `<url>/oauth2/v1/tokens/bearer`. */
  tokenUrl: string;
  client: typeof QBO_CLIENT;
  verifierToken: string;
  realms: typeof QBO_SANDBOX_REALMS;
  seededIds: typeof QBO_SEEDED_IDS;
  /** A seeded realm's `accounting.connection` (`baseUrl`, `tokenUrl`, client, first refresh token, realm, verifier token). */
  connection(realmId: string): QuickBooksConnection;
  clock: SandboxClock;
  /** Every API and token request, oldest first (controls are not logged). */
  requests: QboRecordedRequest[];
  /** The requests of one realm's API (token requests excluded). */
  requestsFor(realmId: string): QboRecordedRequest[];
  /** A realm's live entities of a type, as the API would answer them. */
  entities(realmId: string, type: EntityType | string): Array<Record<string, unknown>>;
  /** An access token for a realm without the token endpoint (tests of the API alone). */
  issueAccessToken(realmId: string): string;
  /** How many refreshes the token endpoint granted. */
  readonly tokenGrants: number;
  knobs: {
    /** `false`: the subscription ended, writes answer 6190 (reads still work). */
    setRealmActive(realmId: string, active: boolean): void;
    /** `false`: the connecting user lost access, every call answers 401 `120`. */
    setRealmAuthorized(realmId: string, authorized: boolean): void;
    /** Writes dated on or before `date` answer 6210; `null` opens the books again. */
    setClosingDate(realmId: string, date: string | null): void;
    /** Expire the access tokens (of one realm, or all) now: the next call answers 401 `3200`. */
    expireAccessTokens(realmId?: string): number;
    /** A 429 burst: the realm's next `times` API calls answer 429 `3001` (nothing written). Returns the fault id. */
    throttleNext(realmId: string, times?: number): string;
    /** The realm's next `times` API calls answer `status` (5xx: `10000` SystemFault), nothing written. */
    failNext(realmId: string, status: number, times?: number): string;
    /**
     * The timeout after commit: the realm's next create of `entity` (e.g. `SalesReceipt`) is written,
     * then its connection is reset, so the client sees no answer; a retry with the same `requestid`
     * gets the first answer and no second entity.
     */
    loseNextAnswer(realmId: string, entity: EntityType | string): string;
  };
  /** The most API calls of a realm ever in flight at once (Intuit's limit is 10). */
  peakInFlight(realmId: string): number;
  /** The accountant's actions in the QuickBooks UI: each changes `SyncToken`, shows in CDC and fires a webhook. */
  accountant: {
    edit(realmId: string, type: EntityType, id: string, edit: AccountantEdit): Record<string, unknown>;
    touch(realmId: string, type: EntityType, id: string): Record<string, unknown>;
    void(realmId: string, type: EntityType, id: string): Record<string, unknown>;
    delete(realmId: string, type: EntityType, id: string): Record<string, unknown>;
    mergeCustomers(realmId: string, fromId: string, intoId: string): Record<string, unknown>;
  };
  webhooks: WebhookHub;
  faults: FaultInjector;
  /** `/_sandbox/faults`' JSON form: `{ method, path, status, body?, delayMs?, times?, drop?, afterCommit? }`. */
  addFault(json: Record<string, unknown>): string;
  reset(): void;
  close(): Promise<void>;
}

export async function startQuickBooksSandbox(options: QuickBooksSandboxOptions = {}): Promise<QuickBooksSandbox> {
  const seeds: SeededRealm[] = Object.values(QBO_SANDBOX_REALMS);
  const clock = new SandboxClock(options.clock);
  const now = () => clock.now();
  const hub = new WebhookHub(clock, QBO_VERIFIER_TOKEN, options.webhookRetryDelaysMs);
  const books = new QboBooks(seeds, clock, (change) => hub.emit(change));
  const auth = new TokenAuthority(seeds, now, options.accessTokenTtlSeconds);
  const throttle = new RealmThrottle(now, { ...DEFAULT_RATE_LIMITS, ...options.rateLimits });
  const faults = new FaultInjector();
  const faultExtras = new Map<string, FaultExtras>();
  const log: QboRecordedRequest[] = [];
  const initialHook = () => {
    hub.url = options.webhookUrl ?? null;
    hub.format = options.webhookFormat ?? 'cloudevents';
  };
  initialHook();
  for (const rule of options.faults ?? []) faults.add(rule);
  const reset = () => {
    books.reset();
    auth.reset();
    throttle.reset();
    hub.reset();
    initialHook();
    faults.clear();
    faultExtras.clear();
    log.length = 0;
  };
  const base = { books, auth, throttle, hub, clock, faults, faultExtras, log };
  const server = createQboServer({ ...base, control: createControl({ ...base, reset }) });
  const address: AddressInfo = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const url = addressUrl(address);
  const typeOf = (word: string): EntityType => {
    const type = entityType(word);
    if (!type) throw new Error(`unknown QuickBooks entity ${word}`);
    return type;
  };
  const data = (stored: StoredEntity) => stored.data;
  const addFault = (json: Record<string, unknown>) => addFaultFromJson({ faults, faultExtras }, json);
  return {
    url,
    tokenUrl: `${url}/oauth2/v1/tokens/bearer`,
    client: QBO_CLIENT,
    verifierToken: QBO_VERIFIER_TOKEN,
    realms: QBO_SANDBOX_REALMS,
    seededIds: QBO_SEEDED_IDS,
    connection: (realmId) => {
      const realm = seeds.find((s) => s.realmId === realmId);
      if (!realm) throw new Error(`no sandbox realm ${realmId}; seeded: ${seeds.map((s) => s.realmId).join(', ')}`);
      return qboConnection(url, realm);
    },
    clock,
    requests: log,
    requestsFor: (realmId) => log.filter((r) => r.realmId === realmId),
    entities: (realmId, type) => books.must(realmId).list(typeOf(type)).map(data),
    issueAccessToken: (realmId) => {
      books.must(realmId);
      return auth.issue(realmId);
    },
    get tokenGrants() {
      return auth.grants;
    },
    knobs: {
      setRealmActive: (realmId, active) => {
        books.must(realmId).active = active;
      },
      setRealmAuthorized: (realmId, authorized) => {
        books.must(realmId).authorized = authorized;
      },
      setClosingDate: (realmId, date) => {
        books.must(realmId).closingDate = date;
      },
      expireAccessTokens: (realmId) => auth.expireAccessTokens(realmId),
      throttleNext: (realmId, times = 1) => {
        books.must(realmId);
        return addFault({ path: `/v3/company/${realmId}/*`, status: 429, times });
      },
      failNext: (realmId, status, times = 1) => {
        books.must(realmId);
        return addFault({ path: `/v3/company/${realmId}/*`, status, times });
      },
      loseNextAnswer: (realmId, entity) => {
        books.must(realmId);
        const path = `/v3/company/${realmId}/${typeOf(entity).toLowerCase()}`;
        return addFault({ method: 'POST', path, drop: true, afterCommit: true });
      },
    },
    peakInFlight: (realmId) => throttle.peak(realmId),
    accountant: {
      edit: (realmId, type, id, edit) => data(books.accountant.edit(realmId, type, id, edit)),
      touch: (realmId, type, id) => data(books.accountant.touch(realmId, type, id)),
      void: (realmId, type, id) => data(books.accountant.void(realmId, type, id)),
      delete: (realmId, type, id) => data(books.accountant.delete(realmId, type, id)),
      mergeCustomers: (realmId, fromId, intoId) => data(books.accountant.mergeCustomers(realmId, fromId, intoId)),
    },
    webhooks: hub,
    faults,
    addFault,
    reset,
    close: async () => {
      hub.close();
      clock.cancelAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
