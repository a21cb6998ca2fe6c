/**
 * NexHealth sandbox: an in-process HTTP simulator of the NexHealth Synchronizer API (v20240412)
 * exactly as the NexHealth spec gives its wire format, with seed data, asynchronous insertion,
 * signed webhooks, rate limits, fault injection and a request log.
 *
 * Usage (tests start it on port 0):
 *
 *     import { startNexhealthSandbox, NEX_SEED } from '../../src/sandbox/nexhealth';
 *
 *     const nex = await startNexhealthSandbox({ insertion: 'manual', webhookRetryDelaysMs: [10, 20] });
 *     const auth = await fetch(`${nex.url}/authenticates`, {
 *       method: 'POST',
 *       headers: { Authorization: nex.apiKey, 'Nex-Api-Version': 'v20240412' },
 *     });
 *     const { data: { token } } = await auth.json();
 *     await fetch(`${nex.url}/charges?subdomain=${nex.subdomain}&location_id=${nex.locations.openDental}` +
 *       `&patient_id=${NEX_SEED.largeLedger.patientId}&per_page=1000`,
 *       { headers: { Authorization: `Bearer ${token}`, 'Nex-Api-Version': 'v20240412' } });
 *
 *     nex.faults.add({ path: '/charges', status: 429, retryAfterSeconds: 1, times: 1 });
 *     nex.failNextInsertion('Patient is locked in the EHR');
 *     await nex.completePendingInsertions();   // manual mode: land (or fail) every accepted write
 *     await nex.webhooks.redeliver(nex.webhooks.deliveries[0]!.id);   // a duplicate
 *     await nex.close();
 */
import { type FaultControl, FaultInjector, type FaultRule } from '../shared/fault-injection';
import type { RecordedRequest } from '../shared/request-log';
import { DEFAULT_TOKEN_TTL_MS, TokenAuthority } from './auth';
import { DEFAULT_INSERTION_DELAY_MS, InsertionEngine, type InsertionMode, type InsertionOutcome } from './insertion';
import { RateLimiter, type RateLimits } from './rate-limit';
import { createNexSeed } from './seed';
import { createNexServer, listenOn } from './server';
import { NexStore } from './store';
import type { NexSeed } from './types';
import { DEFAULT_WEBHOOK_RETRY_DELAYS_MS, type WebhookControl, WebhookHub } from './webhooks';
import type { AcceptedWrite } from './writes';

export interface NexhealthSandboxOptions {
  /** TCP port; default 0 (any free port). */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** The api key `POST /authenticates` accepts; default the seed's (`NEX_SEED.apiKey`). */
  apiKey?: string;
  /** Delay between a 202 and the write landing, in `auto` mode; default 1500 ms. */
  insertionDelayMs?: number;
  /** `auto` (default): writes land after `insertionDelayMs`. `manual`: only on `completePendingInsertions()`. */
  insertion?: InsertionMode;
  /** Delays before each webhook retry; default spec-like 30 s, 1.5 min, … capped at 5 retries. */
  webhookRetryDelaysMs?: number[];
  /** Per-key rate limits (defaults per spec: 100/s, 1,000/min patients, 2,000/min others); `false` disables. */
  rateLimits?: RateLimits | false;
  /** Bearer token lifetime; default 24 h (the NexHealth sandbox's). */
  tokenTtlMs?: number;
  /** The clock token issue and expiry are judged by, in ms since the epoch; default `Date.now`. Tests pass a fake one to expire tokens without waiting. */
  now?: () => number;
  /** Seed data; default `createNexSeed()`. The sandbox works on its own copy. */
  seed?: NexSeed;
  /** Fault rules active from the start (e.g. from `faultRulesFromJson(process.env.…)`). */
  faults?: FaultRule[];
  /** Seed of the fault-probability RNG; default 1. */
  faultSeed?: number;
}

export interface NexhealthSandbox {
  /** Base URL, e.g. `http://127.0.0.1:53124` (no trailing slash). */
  url: string;
  apiKey: string;
  subdomain: string;
  institutionId: string;
  /** Location ids as strings. */
  locations: { openDental: string; dentrix: string };
  /** Every request received (except `/__sandbox/…`), oldest first. */
  readonly requests: ReadonlyArray<RecordedRequest>;
  resetRequestLog(): void;
  /** Fault injection rules (latency, forced status, malformed JSON, reset; N times or with a probability). */
  faults: FaultControl;
  /** Accepted writes not landed yet. */
  readonly pendingInsertions: ReadonlyArray<AcceptedWrite>;
  /** Every landing so far (complete or failed), oldest first. */
  readonly insertions: ReadonlyArray<InsertionOutcome>;
  /** Land every pending write now and wait for the first webhook attempts (any mode). */
  completePendingInsertions(): Promise<void>;
  /** The next landing fails with `reason` (a `*.failed` webhook with the reason in `delivery_errors`). */
  failNextInsertion(reason: string): void;
  /** Webhook endpoints and deliveries; redeliver (duplicates), hold/release (out of order), idle. */
  webhooks: WebhookControl;
  /** Make every issued token expired (the next call gets a 401). */
  expireTokens(): void;
  /** Wait until nothing is landing and no webhook attempt or retry is pending (timers in `auto` mode excluded). */
  settle(): Promise<void>;
  /** Stop the server and every timer. */
  close(): Promise<void>;
}

export async function startNexhealthSandbox(options: NexhealthSandboxOptions = {}): Promise<NexhealthSandbox> {
  const seed = options.seed ?? createNexSeed();
  const apiKey = options.apiKey ?? seed.apiKey;
  const store = new NexStore({ ...seed, apiKey });
  const auth = new TokenAuthority(apiKey, options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS, options.now ?? Date.now);
  const rateLimiter = options.rateLimits === false ? null : new RateLimiter(options.rateLimits ?? {});
  const faults = new FaultInjector(options.faultSeed ?? 1);
  for (const rule of options.faults ?? []) faults.add(rule);
  const webhooks = new WebhookHub(store, options.webhookRetryDelaysMs ?? DEFAULT_WEBHOOK_RETRY_DELAYS_MS);
  const insertion = new InsertionEngine(store, {
    mode: options.insertion ?? 'auto',
    delayMs: options.insertionDelayMs ?? DEFAULT_INSERTION_DELAY_MS,
    onOutcome: (outcome) => webhooks.dispatch(outcome),
  });
  const log: RecordedRequest[] = [];
  const server = createNexServer({ store, auth, rateLimiter, faults, insertion, webhooks, log });
  const url = await listenOn(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const dentrix = store.seed.locations.find((l) => l.ehr === 'dentrix');
  const openDental = store.seed.locations.find((l) => l.ehr === 'open_dental');

  return {
    url,
    apiKey,
    subdomain: store.institution.subdomain,
    institutionId: String(store.institution.id),
    locations: { openDental: String(openDental?.id ?? ''), dentrix: String(dentrix?.id ?? '') },
    get requests() {
      return log;
    },
    resetRequestLog: () => {
      log.length = 0;
    },
    faults,
    get pendingInsertions() {
      return insertion.pending;
    },
    get insertions() {
      return insertion.outcomes;
    },
    completePendingInsertions: () => insertion.completePending(),
    failNextInsertion: (reason) => insertion.failNext(reason),
    webhooks,
    expireTokens: () => auth.expireAll(),
    settle: async () => {
      await insertion.idle();
      await webhooks.idle();
    },
    close: async () => {
      insertion.close();
      webhooks.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export { NEX_SEED, createNexSeed, SEED_AS_OF } from './seed';
export { addScalePatients, type ScaleOptions } from './seed-scale';
export { signWebhook, type WebhookControl, type WebhookDelivery, type DeliveryAttempt, type RedeliverOptions } from './webhooks';
export { patientBalanceCents, resolvedGuarantorId, chargePatientAmount } from './balance';
export { API_VERSION } from './server';
export type { NexSeed } from './types';
export type { RateLimits } from './rate-limit';
export type { InsertionOutcome, InsertionMode } from './insertion';
export type { AcceptedWrite } from './writes';
export { faultRulesFromJson, type FaultRule, type FaultControl, type ActiveFault } from '../shared/fault-injection';
export type { RecordedRequest, ParsedQuery } from '../shared/request-log';
