/**
 * Webhooks: endpoints, subscriptions, signed deliveries with retries, and the knobs tests need
 * (re-deliver a past delivery, hold deliveries and release them out of order).
 *
 * A delivery is `POST target_url` with headers `timestamp` (ISO 8601, fresh on every attempt) and
 * `signature` = hex(HMAC-SHA256(secret_key, `<timestamp>.<base64 of the raw body>`)). The raw body is
 * the same bytes on every attempt:
 *
 *     { institution_id, webhook_subscription_id, resource_type, event_name, event_time, delivery_errors, data }
 *
 * `data` is `{ transaction_id, payments: [rows] }` (or `adjustments`) on `*.complete`, and
 * `{ transaction_id }` on `*.failed` with the reason in `delivery_errors`. A non-2xx reply (or a
 * network error) is retried after each of `retryDelaysMs`, then the delivery is marked failed.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { postWebhook } from '../shared/post-webhook';
import type { RequestContext } from './context';
import { badRequest, notFound, ok, type Reply } from './envelope';
import type { InsertionOutcome } from './insertion';
import { adjustmentJson, paymentJson } from './serialize';
import type { NexStore } from './store';

/** Spec-like (30 s, 1.5 min, ×3 each time) but capped at five retries. */
export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS = [30_000, 90_000, 270_000, 810_000, 2_430_000];

export interface WebhookEndpoint {
  id: number;
  target_url: string;
  secret_key: string;
  active: boolean;
  created_at: string;
}

export interface WebhookSubscription {
  id: number;
  webhook_endpoint_id: number;
  resource_type: string;
  event: string;
  active: boolean;
  subdomain: string;
}

export interface DeliveryAttempt {
  /** `Date.now()` when sent. */
  at: number;
  timestamp: string;
  signature: string;
  /** The receiver's status, `null` on a network error. */
  status: number | null;
  error: string | null;
  /** `retry` for scheduled attempts, `manual` for `redeliver`. */
  trigger: 'first' | 'retry' | 'manual';
}

export interface WebhookDelivery {
  id: string;
  endpointId: number;
  subscriptionId: number;
  targetUrl: string;
  eventName: string;
  transactionId: string;
  /** The exact body bytes signed and sent. */
  rawBody: string;
  /** `held` while deliveries are paused, `pending` while retrying, then `delivered` or `failed`. */
  state: 'held' | 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
}

export interface RedeliverOptions {
  /** Send this `timestamp` header instead of now (e.g. a stale one), signed consistently. */
  timestamp?: string;
  /** Sign with a wrong key (the receiver must answer 401). */
  badSignature?: boolean;
}

/** The webhook knobs of a sandbox. */
export interface WebhookControl {
  readonly deliveries: ReadonlyArray<WebhookDelivery>;
  readonly endpoints: ReadonlyArray<WebhookEndpoint>;
  /** Send a past delivery once more (a duplicate); returns the attempt. */
  redeliver(deliveryId: string, options?: RedeliverOptions): Promise<DeliveryAttempt>;
  /** Hold new deliveries instead of sending them. */
  hold(): void;
  /** Send the held deliveries (`reverse`: newest first, i.e. out of order) and stop holding. */
  release(options?: { order?: 'fifo' | 'reverse' }): Promise<void>;
  /** Wait until no attempt is in flight and no retry is scheduled. */
  idle(): Promise<void>;
}

export function signWebhook(secret: string, timestamp: string, rawBody: string): string {
  return createHmac('sha256', secret)
    .update(`${timestamp}.${Buffer.from(rawBody, 'utf8').toString('base64')}`)
    .digest('hex');
}

export class WebhookHub implements WebhookControl {
  private readonly endpointList: WebhookEndpoint[] = [];
  private readonly subscriptions: WebhookSubscription[] = [];
  private readonly deliveryList: WebhookDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private holding = false;
  private readonly onClose: Array<() => void> = [];
  private closed = false;
  private nextEndpointId = 1;
  private nextSubscriptionId = 1;
  private nextDeliveryId = 1;

  constructor(
    private readonly store: NexStore,
    private readonly retryDelaysMs: readonly number[] = DEFAULT_WEBHOOK_RETRY_DELAYS_MS,
  ) {}

  get deliveries(): ReadonlyArray<WebhookDelivery> {
    return this.deliveryList;
  }

  get endpoints(): ReadonlyArray<WebhookEndpoint> {
    return this.endpointList;
  }

  // --- HTTP handlers --------------------------------------------------------------------------

  createEndpoint(ctx: RequestContext): Reply {
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    const target = body['target_url'];
    if (typeof target !== 'string' || !isHttpUrl(target)) throw badRequest('target_url must be an http(s) URL');
    const active = body['active'] ?? true;
    if (typeof active !== 'boolean') throw badRequest('active must be a boolean');
    const endpoint: WebhookEndpoint = {
      id: this.nextEndpointId++,
      target_url: target,
      secret_key: randomBytes(24).toString('hex'),
      active,
      created_at: new Date().toISOString(),
    };
    this.endpointList.push(endpoint);
    return ok(endpointJson(endpoint), 201);
  }

  listEndpoints(): Reply {
    const reply = ok(this.endpointList.map(endpointJson));
    reply.body.count = this.endpointList.length;
    return reply;
  }

  createSubscription(ctx: RequestContext): Reply {
    const endpoint = this.endpointList.find((e) => String(e.id) === ctx.params[0]);
    if (!endpoint) throw notFound(`Webhook endpoint with ID ${ctx.params[0]} not found`);
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    const resourceType = body['resource_type'];
    const event = body['event'];
    if (typeof resourceType !== 'string' || !resourceType) throw badRequest('resource_type is required');
    if (typeof event !== 'string' || !event) throw badRequest('event is required');
    const active = body['active'] ?? true;
    if (typeof active !== 'boolean') throw badRequest('active must be a boolean');
    let subscription = this.subscriptions.find(
      (s) => s.webhook_endpoint_id === endpoint.id && s.resource_type === resourceType && s.event === event,
    );
    if (subscription) subscription.active = active;
    else {
      subscription = {
        id: this.nextSubscriptionId++,
        webhook_endpoint_id: endpoint.id,
        resource_type: resourceType,
        event,
        active,
        subdomain: this.store.institution.subdomain,
      };
      this.subscriptions.push(subscription);
    }
    return ok({ ...subscription }, 201);
  }

  // --- Deliveries -----------------------------------------------------------------------------

  /** Fan an insertion outcome out to every active subscription; resolves after first attempts. */
  async dispatch(outcome: InsertionOutcome): Promise<void> {
    const resourceType = outcome.write.kind === 'payment' ? 'Payment' : 'Adjustment';
    const event = `${outcome.write.kind}_insertion`;
    const eventName = `${event}.${outcome.state}`;
    const data: Record<string, unknown> = { transaction_id: outcome.write.transactionId };
    if (outcome.state === 'complete') {
      if (outcome.payments.length) data['payments'] = outcome.payments.map((p) => paymentJson(this.store, p));
      if (outcome.adjustments.length || !outcome.payments.length) {
        data['adjustments'] = outcome.adjustments.map((a) => adjustmentJson(this.store, a));
      }
    }
    const first: Array<Promise<unknown>> = [];
    for (const subscription of this.subscriptions) {
      const endpoint = this.endpointList.find((e) => e.id === subscription.webhook_endpoint_id);
      if (
        !endpoint?.active ||
        !subscription.active ||
        subscription.resource_type !== resourceType ||
        subscription.event !== event
      )
        continue;
      const rawBody = JSON.stringify({
        institution_id: this.store.institution.id,
        webhook_subscription_id: subscription.id,
        resource_type: resourceType,
        event_name: eventName,
        event_time: outcome.at,
        delivery_errors: outcome.reason === null ? [] : [outcome.reason],
        data,
      });
      const delivery: WebhookDelivery = {
        id: `delivery-${this.nextDeliveryId++}`,
        endpointId: endpoint.id,
        subscriptionId: subscription.id,
        targetUrl: endpoint.target_url,
        eventName,
        transactionId: outcome.write.transactionId,
        rawBody,
        state: this.holding ? 'held' : 'pending',
        attempts: [],
      };
      this.deliveryList.push(delivery);
      if (!this.holding) first.push(this.attempt(delivery, 'first'));
    }
    await Promise.allSettled(first);
  }

  async redeliver(deliveryId: string, options: RedeliverOptions = {}): Promise<DeliveryAttempt> {
    const delivery = this.deliveryList.find((d) => d.id === deliveryId);
    if (!delivery) throw new Error(`unknown delivery ${deliveryId}`);
    return this.send(delivery, 'manual', options);
  }

  hold(): void {
    this.holding = true;
  }

  async release(options: { order?: 'fifo' | 'reverse' } = {}): Promise<void> {
    this.holding = false;
    const held = this.deliveryList.filter((d) => d.state === 'held');
    if (options.order === 'reverse') held.reverse();
    for (const delivery of held) {
      delivery.state = 'pending';
      await this.attempt(delivery, 'first');
    }
  }

  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const resolve of this.onClose.splice(0)) resolve();
  }

  /**
   * A scheduled attempt; on failure the next retry is scheduled (or the delivery gives up).
   * Resolves after this attempt; the retries run on, tracked for `idle()`.
   */
  private attempt(delivery: WebhookDelivery, trigger: 'first' | 'retry'): Promise<void> {
    const sent = this.send(delivery, trigger);
    const followUp = sent.then(async (result) => {
      if (this.closed || delivery.state !== 'pending') return;
      if (result.status !== null && result.status >= 200 && result.status < 300) return;
      const retryIndex = delivery.attempts.filter((a) => a.trigger !== 'manual').length - 1;
      const delay = this.retryDelaysMs[retryIndex];
      if (delay === undefined) {
        delivery.state = 'failed';
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          resolve();
        }, delay);
        this.timers.add(timer);
        // close() clears the timer; resolve anyway so idle() never hangs.
        this.onClose.push(resolve);
      });
      if (!this.closed && delivery.state === 'pending') await this.attempt(delivery, 'retry');
    });
    this.inFlight.add(followUp);
    void followUp.finally(() => this.inFlight.delete(followUp));
    return sent.then(() => undefined);
  }

  private async send(
    delivery: WebhookDelivery,
    trigger: DeliveryAttempt['trigger'],
    options: RedeliverOptions = {},
  ): Promise<DeliveryAttempt> {
    const endpoint = this.endpointList.find((e) => e.id === delivery.endpointId)!;
    const timestamp = options.timestamp ?? new Date().toISOString();
    const secret = options.badSignature ? `${endpoint.secret_key}-wrong` : endpoint.secret_key;
    const signature = signWebhook(secret, timestamp, delivery.rawBody);
    const attempt: DeliveryAttempt = { at: Date.now(), timestamp, signature, status: null, error: null, trigger };
    try {
      attempt.status = await postWebhook(delivery.targetUrl, delivery.rawBody, {
        headers: { 'user-agent': 'NexHealth-Webhooks (sandbox)', timestamp, signature },
        timeoutMessage: 'webhook delivery timed out',
        // Nothing lingers after close.
        reuseConnections: false,
      });
    } catch (error) {
      attempt.error = error instanceof Error ? error.message : String(error);
    }
    delivery.attempts.push(attempt);
    // A manual re-delivery of a held delivery does not release it; any other 2xx settles it.
    const success = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
    if (success && delivery.state !== 'held') delivery.state = 'delivered';
    return attempt;
  }
}

function endpointJson(e: WebhookEndpoint): Record<string, unknown> {
  return { id: e.id, target_url: e.target_url, secret_key: e.secret_key, active: e.active, created_at: e.created_at };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
