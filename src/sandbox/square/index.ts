/**
 * Square sandbox: an in-process HTTP simulator of the Square API v2 endpoints the gateway uses
 * (payment links and their orders, payments, refunds, webhook subscriptions), the hosted payment
 * page with test cards, signed webhooks delivered at least once and unordered with retries, the
 * `/_sandbox/…` controls, fault injection and a request log. See `README.md` here.
 *
 *     import { startSquareSandbox, SQUARE_SELLERS } from '../../src/sandbox/square';
 *
 *     const square = await startSquareSandbox({ webhookRetryDelaysMs: [10, 20], refundCompleteDelayMs: 5 });
 *     // point the adapter at square.url with token SQUARE_SELLERS[0].token and location SQUARE_SELLERS[0].locationId
 *     await square.pay(linkId, { card: '4111 1111 1111 1111', cvv: '111', postalCode: '12345' });
 *     square.faults.add({ path: '/v2/refunds', method: 'POST', status: 500, times: 1 });
 *     square.webhooks.hold(); …; await square.webhooks.release({ order: 'reverse', duplicate: true });
 *     await square.webhooks.idle();
 *     await square.close();
 */
import http from 'node:http';
import { addressUrl, listen } from '../../server/listen';
import { type FaultControl, FaultInjector, type FaultRule } from '../shared/fault-injection';
import type { RecordedRequest } from '../shared/request-log';
import { faultRuleFromControl } from './controls';
import { createSquareServer } from './server';
import { type CardAttempt, type PayOutcome, type Seller, SQUARE_SELLERS } from './records';
import { SquareStore } from './store';
import { DEFAULT_WEBHOOK_RETRY_DELAYS_MS, SquareWebhookHub } from './webhooks';

export { SQUARE_SELLERS, type Seller } from './records';
export { CARD_DECLINE, CARD_SUCCESS } from './cards';
export { canonicalJson } from './idempotency';
export { signSquareDelivery, SIGNATURE_HEADER, DEFAULT_WEBHOOK_RETRY_DELAYS_MS, type SquareDelivery } from './webhooks';
export { SQUARE_VERSION } from './server';

export interface SquareSandboxOptions {
  /** TCP port; default 0 (any free port). */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Gaps before each webhook retry; default 1, 1, 2 and 4 s (attempts at 0, 1, 2, 4 and 8 s). */
  webhookRetryDelaysMs?: number[];
  /** How long a refund stays PENDING before it completes by itself; default 1000 ms. */
  refundCompleteDelayMs?: number;
  /** The sandbox clock (timestamps, idempotency retention, card expiry), ms since the epoch; default `Date.now`. */
  now?: () => number;
  /** Fault rules active from the start. */
  faults?: FaultRule[];
  /** Seed of the fault-probability RNG; default 1. */
  faultSeed?: number;
}

export interface SquareSandbox {
  /** Base URL, e.g. `http://127.0.0.1:53124` (no trailing slash). */
  url: string;
  sellers: readonly Seller[];
  /** Every request received (API and hosted page; not `/_sandbox/…`), oldest first. */
  readonly requests: ReadonlyArray<RecordedRequest>;
  resetRequestLog(): void;
  faults: FaultControl;
  /** What the control `POST /_sandbox/faults` does, from its JSON. */
  injectFault(json: Record<string, unknown>): string;
  /** Pay a link as the hosted page would (`null`: no such link). */
  pay(linkId: string, card: CardAttempt): PayOutcome | null;
  store: SquareStore;
  webhooks: SquareWebhookHub;
  /** Everything back to the seeded start (`POST /_sandbox/reset`). */
  reset(): void;
  close(): Promise<void>;
}

export async function startSquareSandbox(options: SquareSandboxOptions = {}): Promise<SquareSandbox> {
  const now = options.now ?? Date.now;
  const log: RecordedRequest[] = [];
  const faults = new FaultInjector(options.faultSeed ?? 1);
  for (const rule of options.faults ?? []) faults.add(rule);
  const faultBodies = new Map<string, unknown>();
  // The store needs the base URL (link urls) and the hub needs the store's subscriptions: wire late.
  const holder: { store: SquareStore | null } = { store: null };
  const hub = new SquareWebhookHub(
    () => holder.store?.subscriptions.values() ?? [],
    now,
    options.webhookRetryDelaysMs ?? DEFAULT_WEBHOOK_RETRY_DELAYS_MS,
  );
  const server = http.createServer();
  const address = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const url = addressUrl(address).replace(/\/+$/, '');
  const store = new SquareStore(url, now, (...args) => hub.emit(...args), options.refundCompleteDelayMs ?? 1_000);
  holder.store = store;
  const reset = () => {
    store.reset();
    hub.reset();
    faults.clear();
    faultBodies.clear();
    log.length = 0;
  };
  const handler = createSquareServer({ store, hub, faults, faultBodies, log, reset });
  for (const listener of handler.listeners('request')) server.on('request', listener as http.RequestListener);

  return {
    url,
    sellers: SQUARE_SELLERS,
    get requests() {
      return log;
    },
    resetRequestLog: () => {
      log.length = 0;
    },
    faults,
    injectFault(json) {
      const { rule, body } = faultRuleFromControl(json);
      const id = faults.add(rule);
      if (body !== undefined) faultBodies.set(id, body);
      return id;
    },
    pay: (linkId, card) => store.pay(linkId, card),
    store,
    webhooks: hub,
    reset,
    async close() {
      hub.close();
      store.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
