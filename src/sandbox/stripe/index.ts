/**
 * The Stripe simulator: `startStripeSandbox({ port: 0 })` serves the spec's `/v1/…` endpoints, the
 * hosted page and the `/_sandbox/…` controls on one port, with two seeded accounts. In process, tests
 * also get the knobs directly (clock, faults, webhook hub, request log). See `README.md` here.
 */
import type { AddressInfo } from 'node:net';
import { addressUrl, listen } from '../../server/listen';
import { FaultInjector, type FaultRule } from '../shared/fault-injection';
import { addFaultFromJson, createStripeServer, resetAll, type ServerParts, type StripeRecordedRequest } from './server';
import { SandboxClock, StripeSim } from './sim';
import { DEFAULT_RETRY_DELAYS_MS, WebhookHub } from './webhooks';

export { API_VERSION, TEST_CARDS, SandboxClock, type StripeEvent } from './sim';
export { signPayload, type Delivery, type DeliveryAttempt, DEFAULT_RETRY_DELAYS_MS, WebhookHub } from './webhooks';
export type { StripeRecordedRequest } from './server';
export { decodeForm, flatten } from './form';

/** The seeded accounts: their secret keys are the only ones the sandbox accepts. */
export const STRIPE_SANDBOX_ACCOUNTS = {
  smileDental: { id: 'acct_sandboxsmile01', secretKey: 'sk_test_sandbox_smile_dental' },
  northside: { id: 'acct_sandboxnorth01', secretKey: 'sk_test_sandbox_northside' },
} as const;

export interface StripeSandboxOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  host?: string;
  /** Delays before each webhook retry (default: attempts at 0, 1, 2, 4 and 8 s). */
  retryDelaysMs?: readonly number[];
  /** The real-time source of the sandbox clock (default `Date.now`); `/_sandbox/clock` adds to it. */
  now?: () => number;
  faults?: FaultRule[];
}

export interface StripeSandbox {
  /** e.g. `http://127.0.0.1:40123`: the API, the hosted pages and the controls. */
  url: string;
  accounts: typeof STRIPE_SANDBOX_ACCOUNTS;
  /** Every request to `/v1/…` and `/c/pay/…`, oldest first (controls are not logged). */
  requests: StripeRecordedRequest[];
  faults: FaultInjector;
  /** `/_sandbox/faults`' JSON form: `{ method, path, status, body?, delayMs?, times?, drop? }`. */
  addFault(json: Record<string, unknown>): string;
  clock: SandboxClock;
  webhooks: WebhookHub;
  sim: StripeSim;
  reset(): void;
  close(): Promise<void>;
}

export async function startStripeSandbox(options: StripeSandboxOptions = {}): Promise<StripeSandbox> {
  const clock = new SandboxClock(options.now);
  const sim = new StripeSim(clock, Object.values(STRIPE_SANDBOX_ACCOUNTS));
  const faults = new FaultInjector();
  for (const rule of options.faults ?? []) faults.add(rule);
  let baseUrl = '';
  const parts: ServerParts = {
    sim,
    webhooks: new WebhookHub(clock, options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS),
    faults,
    faultBodies: new Map(),
    log: [],
    idempotency: new Map(),
    baseUrl: () => baseUrl,
  };
  const server = createStripeServer(parts);
  const address: AddressInfo = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  baseUrl = addressUrl(address);
  return {
    url: baseUrl,
    accounts: STRIPE_SANDBOX_ACCOUNTS,
    requests: parts.log,
    faults,
    addFault: (json) => addFaultFromJson(parts, json),
    clock,
    webhooks: parts.webhooks,
    sim,
    reset: () => resetAll(parts),
    close: async () => {
      parts.webhooks.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
