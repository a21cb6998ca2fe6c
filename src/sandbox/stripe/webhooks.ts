/**
 * Signed webhook deliveries: one per (event, subscribed endpoint), at least once and in no promised
 * order. A delivery is `POST <endpoint url>` with the event's JSON (the same bytes on every attempt)
 * and `Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, re-signed with a
 * fresh `t` (the sandbox clock) on each attempt. A non-2xx answer or a network error is retried
 * after each of `retryDelaysMs` (by default attempts at 0, 1, 2, 4 and 8 s), then dropped.
 *
 * Test knobs: hold deliveries and release them in order, reversed or shuffled by a seed, each once or twice; resend an
 * event; wait (a promise, no sleeping) until an attempt matching a predicate is recorded.
 */
import { createHmac } from 'node:crypto';
import { DeliveryTracker, isAcknowledged, takeHeld } from '../shared/delivery-tracker';
import { postWebhook } from '../shared/post-webhook';
import type { SandboxClock, StripeEvent } from './sim';

/** Delays before the 2nd…5th attempt: attempts at 0 s, 1 s, 2 s, 4 s and 8 s. */
export const DEFAULT_RETRY_DELAYS_MS = [1_000, 1_000, 2_000, 4_000];

export interface DeliveryAttempt {
  /** Sandbox clock (ms) when sent. */
  at: number;
  /** The signed timestamp (unix s). */
  t: number;
  signature: string;
  /** The receiver's status; `null` on a network error or a timeout. */
  status: number | null;
  error: string | null;
  trigger: 'first' | 'retry' | 'release' | 'duplicate' | 'resend';
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  endpointId: string;
  url: string;
  /** The exact bytes sent (and signed) on every attempt. */
  body: string;
  state: 'held' | 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
}

export interface EndpointTarget {
  id: string;
  url: string;
  secret: string;
}

export function signPayload(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
}

export class WebhookHub {
  private readonly tracker = new DeliveryTracker<Delivery, DeliveryAttempt>({ idPrefix: 'dlv_' });
  private readonly secrets = new Map<string, string>();
  private holding = false;

  constructor(
    private readonly clock: SandboxClock,
    private readonly retryDelaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS,
  ) {}

  get deliveries(): ReadonlyArray<Delivery> {
    return this.tracker.deliveries;
  }

  get isHolding(): boolean {
    return this.holding;
  }

  /** One event to every endpoint that subscribes to it. */
  enqueue(event: StripeEvent, endpoints: EndpointTarget[]): void {
    const body = JSON.stringify(event, null, 2);
    for (const endpoint of endpoints) {
      this.secrets.set(endpoint.id, endpoint.secret);
      const delivery = this.tracker.add({
        id: this.tracker.nextId(),
        eventId: event.id,
        eventType: event.type,
        endpointId: endpoint.id,
        url: endpoint.url,
        body,
        state: this.holding ? 'held' : 'pending',
        attempts: [],
      });
      if (!this.holding) void this.tracker.track(this.attempt(delivery, 'first', 0));
    }
  }

  hold(on = true): void {
    this.holding = on;
  }

  /**
   * Send the held deliveries (`reverse`: newest first; `shuffle`: an order only `seed` decides, the
   * duplicates shuffled in too), each twice when `duplicate`; stop holding. All are sent at once.
   */
  async release({
    order = 'fifo',
    duplicate = false,
    seed = 1,
  }: {
    order?: 'fifo' | 'reverse' | 'shuffle';
    duplicate?: boolean;
    seed?: number;
  } = {}): Promise<number> {
    this.holding = false;
    const plan = takeHeld(this.tracker.deliveries, { order, duplicate, seed });
    const sends = plan.map(({ delivery, copy }) =>
      copy ? this.tracker.track(this.send(delivery, 'duplicate')) : this.tracker.track(this.attempt(delivery, 'release', 0)),
    );
    await Promise.all(sends);
    return plan.filter((send) => !send.copy).length;
  }

  /** Send an event once more to each endpoint it was delivered to (a duplicate; no retries). */
  async resend(eventId: string): Promise<number> {
    const targets = this.tracker.deliveries.filter((d) => d.eventId === eventId);
    await Promise.all(targets.map((d) => this.tracker.track(this.send(d, 'resend'))));
    return targets.length;
  }

  /** Resolves with the delivery once an attempt matching `match` is recorded (already, or later). */
  waitFor(match: (delivery: Delivery, attempt: DeliveryAttempt) => boolean): Promise<Delivery> {
    return this.tracker.waitFor(match);
  }

  /** Resolves when no attempt is in flight and no retry is scheduled. */
  idle(): Promise<void> {
    return this.tracker.idle();
  }

  reset(): void {
    this.tracker.reset();
    this.holding = false;
  }

  close(): void {
    this.tracker.close();
    this.holding = false;
  }

  /** A scheduled attempt (first, or the n-th retry): on failure, the next retry or `failed`. */
  private async attempt(delivery: Delivery, trigger: DeliveryAttempt['trigger'], retryIndex: number): Promise<void> {
    const result = await this.send(delivery, retryIndex === 0 ? trigger : 'retry');
    if (isAcknowledged(result.status)) {
      delivery.state = 'delivered';
      return;
    }
    if (delivery.state === 'delivered') return; // a duplicate already got through
    const delay = this.retryDelaysMs[retryIndex];
    if (delay === undefined) {
      delivery.state = 'failed';
      return;
    }
    this.tracker.schedule(delay, () => void this.tracker.track(this.attempt(delivery, 'retry', retryIndex + 1)));
  }

  private async send(delivery: Delivery, trigger: DeliveryAttempt['trigger']): Promise<DeliveryAttempt> {
    const secret = this.secrets.get(delivery.endpointId) ?? '';
    const t = this.clock.nowSeconds();
    const signature = `t=${t},v1=${signPayload(secret, t, delivery.body)}`;
    const attempt: DeliveryAttempt = { at: this.clock.nowMs(), t, signature, status: null, error: null, trigger };
    try {
      attempt.status = await postWebhook(delivery.url, delivery.body, {
        contentType: 'application/json; charset=utf-8',
        headers: { 'stripe-signature': signature, 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' },
      });
      if (isAcknowledged(attempt.status)) delivery.state = 'delivered';
    } catch (error) {
      attempt.error = (error as Error).message;
    }
    this.tracker.record(delivery, attempt);
    return attempt;
  }
}
