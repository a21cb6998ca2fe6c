/**
 * Event Webhook deliveries: every event an account produces within one batch window (500 ms) goes
 * in one `POST` to the account's webhook URL, a JSON array signed with the fixed test key:
 * `X-Twilio-Email-Event-Webhook-Timestamp: <unix s>` and `X-Twilio-Email-Event-Webhook-Signature:
 * base64(DER ECDSA-P256-SHA256(timestamp + body))`. A non-2xx answer or a network error is retried
 * at 1, 2, 4 and 8 s after the first attempt, re-signed each time (same bytes, fresh timestamp),
 * then dropped. At least once, and (with the knobs) in any order.
 *
 * Knobs: `hold()` keeps every new event back; `release({ order, duplicate })` posts each held event
 * in a delivery of its own, one after another, oldest first or newest first (`reverse`), twice
 * with `duplicate`. `flush()` closes the current window now; `idle()` waits until nothing is in
 * flight or scheduled; `waitFor()` resolves on a matching attempt (no sleeping in tests).
 */
import { createPrivateKey, sign } from 'node:crypto';
import { DeliveryTracker, isAcknowledged, type ScheduledRetry } from '../shared/delivery-tracker';
import { postWebhook } from '../shared/post-webhook';
import { EVENT_WEBHOOK_PRIVATE_KEY } from './accounts';
import type { SendgridEventJson } from './mailbox';

export const SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';
/** Gaps before each retry: attempts at 0, 1, 2, 4 and 8 s. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 1_000, 2_000, 4_000];
export const DEFAULT_BATCH_WINDOW_MS = 500;

const signingKey = createPrivateKey({ key: Buffer.from(EVENT_WEBHOOK_PRIVATE_KEY, 'base64'), format: 'der', type: 'pkcs8' });

/** The signature header's value for `timestamp` + `body` (randomized: each call differs, each verifies). */
export function signEventBatch(timestamp: string, body: string): string {
  return sign('sha256', Buffer.from(timestamp + body, 'utf8'), signingKey).toString('base64');
}

export interface WebhookAttempt {
  at: number;
  timestamp: string;
  signature: string;
  /** The receiver's status; `null` on a network error or timeout. */
  status: number | null;
  error: string | null;
  trigger: 'first' | 'retry' | 'release' | 'duplicate';
}

export interface WebhookDeliveryRecord {
  id: string;
  account: string;
  url: string;
  /** The exact bytes sent and signed on every attempt. */
  body: string;
  events: SendgridEventJson[];
  state: 'pending' | 'delivered' | 'dropped';
  attempts: WebhookAttempt[];
}

export interface WebhookHubOptions {
  retryDelaysMs?: readonly number[];
  batchWindowMs?: number;
  now?: () => number;
}

export class SendgridWebhookHub {
  private readonly tracker = new DeliveryTracker<WebhookDeliveryRecord, WebhookAttempt>({ idPrefix: 'wh_' });
  /** Events produced with no webhook URL set for their account: kept, never posted. */
  readonly undeliverable: SendgridEventJson[] = [];
  private readonly urls = new Map<string, string>();
  /** Open batch windows; their timers are the tracker's, so `idle()` waits for them to close. */
  private readonly windows = new Map<string, { events: SendgridEventJson[]; timer: ScheduledRetry }>();
  private held: Array<{ account: string; event: SendgridEventJson }> = [];
  private holding = false;
  private readonly retryDelaysMs: readonly number[];
  private readonly batchWindowMs: number;
  private readonly now: () => number;

  constructor(options: WebhookHubOptions = {}) {
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.batchWindowMs = options.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS;
    this.now = options.now ?? Date.now;
  }

  get deliveries(): ReadonlyArray<WebhookDeliveryRecord> {
    return this.tracker.deliveries;
  }

  setUrl(account: string, url: string): void {
    this.urls.set(account, url);
  }

  urlOf(account: string): string | undefined {
    return this.urls.get(account);
  }

  /** One produced event: into the account's open window (opened now if none), or held. */
  push(account: string, event: SendgridEventJson): void {
    if (this.holding) {
      this.held.push({ account, event });
      return;
    }
    const open = this.windows.get(account);
    if (open) {
      open.events.push(event);
      return;
    }
    const timer = this.tracker.schedule(this.batchWindowMs, () => this.closeWindow(account));
    this.windows.set(account, { events: [event], timer });
  }

  /** Close every open window now (tests: no waiting for the 500 ms). */
  flush(): void {
    for (const account of [...this.windows.keys()]) this.closeWindow(account);
  }

  hold(on = true): void {
    this.holding = on;
  }

  get isHolding(): boolean {
    return this.holding;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Post each held event in its own delivery, in order (`reverse`: newest first), twice when `duplicate`. */
  async release({
    order = 'fifo',
    duplicate = false,
  }: {
    order?: 'fifo' | 'reverse';
    duplicate?: boolean;
  } = {}): Promise<number> {
    this.holding = false;
    const held = order === 'reverse' ? [...this.held].reverse() : [...this.held];
    this.held = [];
    for (const { account, event } of held) {
      const delivery = this.record(account, [event]);
      if (!delivery) continue;
      await this.tracker.track(this.attempt(delivery, 'release', 0));
      if (duplicate) await this.tracker.track(this.send(delivery, 'duplicate'));
    }
    return held.length;
  }

  /** Resolves once an attempt matching `match` is recorded (already, or later). */
  waitFor(match: (d: WebhookDeliveryRecord, a: WebhookAttempt) => boolean): Promise<WebhookDeliveryRecord> {
    return this.tracker.waitFor(match);
  }

  /** Resolves when no window is open, no attempt is in flight and no retry is scheduled. */
  idle(): Promise<void> {
    return this.tracker.idle();
  }

  /** Forget every event and delivery; the webhook URLs stay (they are the accounts' settings). */
  reset(): void {
    this.tracker.reset();
    this.windows.clear();
    this.undeliverable.length = 0;
    this.held = [];
    this.holding = false;
  }

  close(): void {
    this.reset();
    this.tracker.close();
    this.urls.clear();
  }

  private closeWindow(account: string): void {
    const open = this.windows.get(account);
    if (!open) return;
    this.tracker.cancel(open.timer);
    this.windows.delete(account);
    const delivery = this.record(account, open.events);
    if (delivery) void this.tracker.track(this.attempt(delivery, 'first', 0));
  }

  private record(account: string, events: SendgridEventJson[]): WebhookDeliveryRecord | null {
    const url = this.urls.get(account);
    if (!url) {
      this.undeliverable.push(...events);
      return null;
    }
    return this.tracker.add({
      id: this.tracker.nextId(),
      account,
      url,
      body: JSON.stringify(events),
      events,
      state: 'pending',
      attempts: [],
    });
  }

  private async attempt(delivery: WebhookDeliveryRecord, trigger: WebhookAttempt['trigger'], retryIndex: number): Promise<void> {
    const result = await this.send(delivery, retryIndex === 0 ? trigger : 'retry');
    if (isAcknowledged(result.status)) return;
    if (delivery.state === 'delivered') return;
    const delay = this.retryDelaysMs[retryIndex];
    if (delay === undefined) {
      delivery.state = 'dropped';
      return;
    }
    this.tracker.schedule(delay, () => void this.tracker.track(this.attempt(delivery, 'retry', retryIndex + 1)));
  }

  private async send(delivery: WebhookDeliveryRecord, trigger: WebhookAttempt['trigger']): Promise<WebhookAttempt> {
    const timestamp = String(Math.floor(this.now() / 1000));
    const signature = signEventBatch(timestamp, delivery.body);
    const attempt: WebhookAttempt = { at: this.now(), timestamp, signature, status: null, error: null, trigger };
    try {
      attempt.status = await postWebhook(delivery.url, delivery.body, {
        headers: { 'user-agent': 'SendGrid Event API', [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signature },
      });
      if (isAcknowledged(attempt.status)) delivery.state = 'delivered';
    } catch (error) {
      attempt.error = (error as Error).message;
    }
    this.tracker.record(delivery, attempt);
    return attempt;
  }
}
