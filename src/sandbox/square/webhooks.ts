/**
 * Signed webhook deliveries, at least once and unordered, with retries, and the knobs tests need.
 *
 * One event fans out to every enabled subscription of its seller that lists its type. A delivery is
 * `POST notification_url` with `x-square-hmacsha256-signature` = base64(HMAC-SHA256(signature_key,
 * notification_url + body)); the body and signature are byte-identical on every attempt. A non-2xx
 * answer, a network error or no answer within 10 s is retried after each of `retryDelaysMs`
 * (default: attempts at 0 s, 1 s, 2 s, 4 s and 8 s after the event), then the delivery is dropped.
 *
 * `hold()` keeps new deliveries back; `release({ order, duplicate, seed })` sends them first-in-first-out,
 * newest first or shuffled by `seed`, each twice when `duplicate`; `resend(eventId)` sends an event's deliveries again.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { DeliveryTracker, isAcknowledged, type ReleaseOptions, takeHeld } from '../shared/delivery-tracker';
import { postWebhook } from '../shared/post-webhook';
import type { Subscription } from './records';

/** Attempts at 0 s, 1 s, 2 s, 4 s and 8 s after the event: the gaps between them. */
export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS = [1_000, 1_000, 2_000, 4_000];
export const SIGNATURE_HEADER = 'x-square-hmacsha256-signature';

export function signSquareDelivery(signatureKey: string, notificationUrl: string, body: string): string {
  return createHmac('sha256', signatureKey)
    .update(notificationUrl + body)
    .digest('base64');
}

export interface DeliveryAttempt {
  at: number;
  /** The receiver's status; `null` on a network error or timeout. */
  status: number | null;
  error: string | null;
  trigger: 'first' | 'retry' | 'manual' | 'duplicate';
}

export interface SquareDelivery {
  id: string;
  eventId: string;
  type: string;
  subscriptionId: string;
  notificationUrl: string;
  /** The exact bytes signed and sent. */
  rawBody: string;
  signature: string;
  /** `held` while holding, `pending` while retrying, then `delivered` or `dropped`. */
  state: 'held' | 'pending' | 'delivered' | 'dropped';
  attempts: DeliveryAttempt[];
}

export interface SquareEventRecord {
  eventId: string;
  merchantId: string;
  type: string;
  rawBody: string;
}

export class SquareWebhookHub {
  readonly events: SquareEventRecord[] = [];
  private readonly tracker = new DeliveryTracker<SquareDelivery, DeliveryAttempt>({ idPrefix: 'delivery-' });
  private holding = false;
  private closed = false;

  constructor(
    private readonly subscriptions: () => Iterable<Subscription>,
    private readonly now: () => number,
    readonly retryDelaysMs: readonly number[] = DEFAULT_WEBHOOK_RETRY_DELAYS_MS,
  ) {}

  get deliveries(): ReadonlyArray<SquareDelivery> {
    return this.tracker.deliveries;
  }

  get isHolding(): boolean {
    return this.holding;
  }

  /** Fan one event out to its subscriptions. */
  emit(merchantId: string, type: string, dataType: string, id: string, object: Record<string, unknown>): void {
    const eventId = randomUUID();
    const rawBody = JSON.stringify({
      merchant_id: merchantId,
      type,
      event_id: eventId,
      created_at: new Date(this.now()).toISOString(),
      data: { type: dataType, id, object },
    });
    this.events.push({ eventId, merchantId, type, rawBody });
    for (const subscription of this.subscriptions()) {
      if (!subscription.enabled || subscription.merchantId !== merchantId || !subscription.event_types.includes(type)) continue;
      const delivery = this.tracker.add({
        id: this.tracker.nextId(),
        eventId,
        type,
        subscriptionId: subscription.id,
        notificationUrl: subscription.notification_url,
        rawBody,
        signature: signSquareDelivery(subscription.signature_key, subscription.notification_url, rawBody),
        state: this.holding ? 'held' : 'pending',
        attempts: [],
      });
      if (!this.holding) void this.tracker.track(this.attempt(delivery, 'first'));
    }
  }

  hold(): void {
    this.holding = true;
  }

  /**
   * Send the held deliveries (`reverse`: newest first; `shuffle`: an order only `seed` decides, the
   * duplicates shuffled in too), each twice with `duplicate`, and stop holding. All are sent at once.
   */
  async release(options: ReleaseOptions = {}): Promise<number> {
    this.holding = false;
    const plan = takeHeld(this.tracker.deliveries, options);
    const sends = plan.map(({ delivery, copy }) => (copy ? this.send(delivery, 'duplicate') : this.attempt(delivery, 'first')));
    await Promise.allSettled(sends);
    return plan.filter((send) => !send.copy).length;
  }

  /** Send every delivery of an event once more (a duplicate); the number sent. */
  async resend(eventId: string): Promise<number> {
    const list = this.tracker.deliveries.filter((d) => d.eventId === eventId);
    await Promise.allSettled(list.map((d) => this.send(d, 'manual')));
    return list.length;
  }

  /** Resolves when no attempt is in flight and no retry is scheduled. */
  idle(): Promise<void> {
    return this.tracker.idle();
  }

  reset(): void {
    this.tracker.reset();
    this.events.length = 0;
    this.holding = false;
  }

  close(): void {
    this.closed = true;
    this.tracker.cancelTimers();
  }

  /** One scheduled attempt; on failure, the next retry (tracked for `idle()`), or the drop. */
  private async attempt(delivery: SquareDelivery, trigger: 'first' | 'retry'): Promise<void> {
    const result = await this.send(delivery, trigger);
    if (this.closed || delivery.state !== 'pending') return;
    if (isAcknowledged(result.status)) return;
    const retries = delivery.attempts.filter((a) => a.trigger === 'first' || a.trigger === 'retry').length - 1;
    const delay = this.retryDelaysMs[retries];
    if (delay === undefined) {
      delivery.state = 'dropped';
      return;
    }
    this.tracker.schedule(delay, () => {
      if (!this.closed && delivery.state === 'pending') void this.tracker.track(this.attempt(delivery, 'retry'));
    });
  }

  private async send(delivery: SquareDelivery, trigger: DeliveryAttempt['trigger']): Promise<DeliveryAttempt> {
    const attempt: DeliveryAttempt = { at: Date.now(), status: null, error: null, trigger };
    try {
      attempt.status = await postWebhook(delivery.notificationUrl, delivery.rawBody, {
        headers: { 'user-agent': 'Square Connect v2 (sandbox)', [SIGNATURE_HEADER]: delivery.signature },
        timeoutMessage: 'webhook delivery timed out',
        // Nothing lingers after close.
        reuseConnections: false,
      });
    } catch (error) {
      attempt.error = error instanceof Error ? error.message : String(error);
    }
    this.tracker.record(delivery, attempt);
    if (isAcknowledged(attempt.status) && delivery.state !== 'held') delivery.state = 'delivered';
    return attempt;
  }
}
