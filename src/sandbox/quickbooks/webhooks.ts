/**
 * Webhooks as Intuit sends them: one POST per change done through the API or by the accountant,
 * to the app's one URL (`PUT /_sandbox/webhook-url`), signed
 *
 *     intuit-signature = base64(HMAC-SHA256(key = verifier token (UTF-8), message = raw body))
 *
 * in either payload format: CloudEvents (the default, a JSON array) or the legacy
 * `{"eventNotifications":[…]}`. A non-2xx answer or a failed connection is retried 1 s, 2 s, 4 s and
 * 8 s of sandbox time later, then dropped. Test knobs: hold deliveries and release them in order or
 * reversed, each once or twice; wait (a promise, no sleeping) for an attempt matching a predicate,
 * or until nothing is in flight or scheduled.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { DeliveryTracker, isAcknowledged, takeHeld } from '../shared/delivery-tracker';
import { postWebhook } from '../shared/post-webhook';
import type { SandboxClock } from './clock';
import type { Change } from './store';

export type WebhookFormat = 'cloudevents' | 'legacy';

/** Sandbox-time waits before each retry of an unacknowledged delivery: 1 s, 2 s, 4 s, 8 s. */
export const RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000];

const CLOUD_OPERATIONS: Record<Change['operation'], string> = {
  Create: 'created',
  Update: 'updated',
  Delete: 'deleted',
  Merge: 'merged',
  Void: 'voided',
};

/** The `intuit-signature` of a body. */
export function intuitSignature(verifierToken: string, rawBody: string | Buffer): string {
  return createHmac('sha256', Buffer.from(verifierToken, 'utf8')).update(rawBody).digest('base64');
}

/** The body of one change in a format. */
export function webhookPayload(change: Change, format: WebhookFormat): unknown {
  const time = new Date(change.at).toISOString();
  if (format === 'legacy') {
    const entity: Record<string, string> = { name: change.type, id: change.id, operation: change.operation, lastUpdated: time };
    if (change.deletedId) entity.deletedId = change.deletedId;
    return { eventNotifications: [{ realmId: change.realmId, dataChangeEvent: { entities: [entity] } }] };
  }
  const event: Record<string, unknown> = {
    specversion: '1.0',
    id: randomUUID(),
    source: `/quickbooks/${change.realmId}`,
    type: `qbo.${change.type.toLowerCase()}.${CLOUD_OPERATIONS[change.operation]}.v1`,
    datacontenttype: 'application/json',
    time,
    intuitentityid: change.id,
    intuitaccountid: change.realmId,
  };
  if (change.deletedId) event.data = { deletedId: change.deletedId };
  return [event];
}

export interface WebhookAttempt {
  /** Sandbox ms. */
  at: number;
  /** The receiver's status; `null` on a connection failure or a timeout. */
  status: number | null;
  error: string | null;
  trigger: 'first' | 'retry' | 'release' | 'duplicate';
}

export interface WebhookDelivery {
  id: string;
  change: Change;
  format: WebhookFormat;
  /** The exact bytes sent (and signed). */
  body: string;
  signature: string;
  /** `null` when no URL was set: the event is recorded, never sent. */
  url: string | null;
  state: 'held' | 'pending' | 'delivered' | 'dropped' | 'unsent';
  attempts: WebhookAttempt[];
}

export class WebhookHub {
  url: string | null = null;
  format: WebhookFormat = 'cloudevents';
  private readonly tracker = new DeliveryTracker<WebhookDelivery, WebhookAttempt>({ idPrefix: 'wh_' });
  private holding = false;
  /** Retries on the sandbox clock: kept out of the tracker, whose `idle()` would wait for a clock nobody advances. */
  private readonly timers = new Set<number>();

  constructor(
    private readonly clock: SandboxClock,
    readonly verifierToken: string,
    private readonly retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
  ) {}

  get deliveries(): ReadonlyArray<WebhookDelivery> {
    return this.tracker.deliveries;
  }

  get isHolding(): boolean {
    return this.holding;
  }

  /** Announce one change: signed now, sent on the next turn (after the API's answer) unless held. */
  emit(change: Change): WebhookDelivery {
    const body = JSON.stringify(webhookPayload(change, this.format));
    const delivery = this.tracker.add({
      id: this.tracker.nextId(),
      change,
      format: this.format,
      body,
      signature: intuitSignature(this.verifierToken, body),
      url: this.url,
      state: this.url === null ? 'unsent' : this.holding ? 'held' : 'pending',
      attempts: [],
    });
    if (delivery.state === 'pending') {
      void this.tracker.track(
        new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.attempt(delivery, 'first', 0)),
      );
    }
    return delivery;
  }

  hold(on = true): void {
    this.holding = on;
  }

  /** Send the held deliveries (`reverse`: newest first), each twice with `duplicate`; stop holding. */
  async release({
    order = 'fifo',
    duplicate = false,
  }: {
    order?: 'fifo' | 'reverse';
    duplicate?: boolean;
  } = {}): Promise<number> {
    this.holding = false;
    const plan = takeHeld(this.tracker.deliveries, { order, duplicate });
    await Promise.all(
      plan.map(({ delivery, copy }) =>
        this.tracker.track<unknown>(copy ? this.send(delivery, 'duplicate') : this.attempt(delivery, 'release', 0)),
      ),
    );
    return plan.filter((send) => !send.copy).length;
  }

  /** Resolves with the delivery once an attempt matching `match` is recorded (already, or later). */
  waitFor(match: (d: WebhookDelivery, a: WebhookAttempt) => boolean): Promise<WebhookDelivery> {
    return this.tracker.waitFor(match);
  }

  /** Resolves when no attempt is in flight (scheduled retries wait for the clock: see `retriesPending`). */
  idle(): Promise<void> {
    return this.tracker.idle();
  }

  /** Retries waiting for the sandbox clock. */
  get retriesPending(): number {
    return this.timers.size;
  }

  reset(): void {
    for (const id of this.timers) this.clock.cancel(id);
    this.timers.clear();
    this.tracker.reset();
    this.holding = false;
    this.url = null;
    this.format = 'cloudevents';
  }

  close(): void {
    this.reset();
    this.tracker.close();
  }

  /** One attempt; unacknowledged → the next retry on the clock, or dropped after the last. */
  private async attempt(delivery: WebhookDelivery, trigger: WebhookAttempt['trigger'], retriesDone: number): Promise<void> {
    if (!this.tracker.has(delivery)) return;
    const result = await this.send(delivery, trigger);
    if (delivery.state === 'delivered') return;
    if (isAcknowledged(result.status)) return;
    const delay = this.retryDelaysMs[retriesDone];
    if (delay === undefined) {
      delivery.state = 'dropped';
      return;
    }
    const id = this.clock.schedule(delay, () => {
      this.timers.delete(id);
      void this.tracker.track(this.attempt(delivery, 'retry', retriesDone + 1));
    });
    this.timers.add(id);
  }

  private async send(delivery: WebhookDelivery, trigger: WebhookAttempt['trigger']): Promise<WebhookAttempt> {
    const attempt: WebhookAttempt = { at: this.clock.now(), status: null, error: null, trigger };
    try {
      attempt.status = await postWebhook(delivery.url!, delivery.body, {
        headers: { 'intuit-signature': delivery.signature, 'user-agent': 'Intuit-Webhooks-Sandbox/1.0' },
      });
      if (isAcknowledged(attempt.status)) delivery.state = 'delivered';
    } catch (error) {
      attempt.error = (error as Error).message;
    }
    this.tracker.record(delivery, attempt);
    return attempt;
  }
}
