/**
 * Signed form POSTs to the gateway: status callbacks (to a message's `StatusCallback`) and inbound
 * messages (to an account's inbound URL). At least once and in no promised order, as Twilio:
 *
 *     X-Twilio-Signature = base64(HMAC-SHA1(AuthToken, url + Σ sorted(name + value)))
 *
 * A non-2xx answer is not retried; a connection failure is retried once after
 * `connectionRetryDelayMs` (1 s by default). Test knobs: hold deliveries and release them in order
 * or reversed, each once or twice; wait (a promise, no sleeping) until an attempt matching a
 * predicate is recorded, or until nothing is in flight.
 */
import { createHmac } from 'node:crypto';
import { DeliveryTracker, isAcknowledged, takeHeld } from '../shared/delivery-tracker';
import { postWebhook } from '../shared/post-webhook';

export const DEFAULT_CONNECTION_RETRY_DELAY_MS = 1_000;

/** Twilio's signature over a URL and form parameters (code-unit order; a repeated name: its sorted distinct values). */
export function twilioSignature(authToken: string, url: string, params: ReadonlyArray<[string, string]>): string {
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of params) byName.set(name, (byName.get(name) ?? new Set()).add(value));
  let data = url;
  for (const name of [...byName.keys()].sort()) {
    for (const value of [...(byName.get(name) ?? [])].sort()) data += name + value;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

export interface CallbackAttempt {
  at: number;
  signature: string;
  /** The receiver's status; `null` on a connection failure or a timeout. */
  status: number | null;
  error: string | null;
  trigger: 'first' | 'retry' | 'release' | 'duplicate';
}

export interface CallbackDelivery {
  id: string;
  kind: 'status' | 'inbound';
  /** The message it is about (a status callback's `MessageSid`; an inbound message's own). */
  messageSid: string;
  /** `MessageStatus` of a status callback; `received` for an inbound message. */
  status: string;
  url: string;
  /** The form, in the order sent. */
  params: Array<[string, string]>;
  state: 'held' | 'pending' | 'delivered' | 'failed';
  attempts: CallbackAttempt[];
}

export class CallbackHub {
  private readonly tracker = new DeliveryTracker<CallbackDelivery, CallbackAttempt>({ idPrefix: 'cb_' });
  private readonly tokens = new Map<string, string>();
  private holding = false;

  constructor(
    private readonly now: () => number,
    private readonly connectionRetryDelayMs = DEFAULT_CONNECTION_RETRY_DELAY_MS,
  ) {}

  get deliveries(): ReadonlyArray<CallbackDelivery> {
    return this.tracker.deliveries;
  }

  get isHolding(): boolean {
    return this.holding;
  }

  /** Queue one signed POST (sent at once unless holding). */
  enqueue(delivery: Omit<CallbackDelivery, 'id' | 'state' | 'attempts'>, authToken: string): CallbackDelivery {
    const entry = this.tracker.add({
      ...delivery,
      id: this.tracker.nextId(),
      state: this.holding ? 'held' : 'pending',
      attempts: [],
    });
    this.tokens.set(entry.id, authToken);
    if (!this.holding) void this.tracker.track(this.attempt(entry, 'first'));
    return entry;
  }

  hold(on = true): void {
    this.holding = on;
  }

  /** Send the held deliveries (`reverse`: newest first), each twice when `duplicate`; stop holding. */
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
        this.tracker.track<unknown>(copy ? this.send(delivery, 'duplicate') : this.attempt(delivery, 'release')),
      ),
    );
    return plan.filter((send) => !send.copy).length;
  }

  /** Resolves with the delivery once an attempt matching `match` is recorded (already, or later). */
  waitFor(match: (delivery: CallbackDelivery, attempt: CallbackAttempt) => boolean): Promise<CallbackDelivery> {
    return this.tracker.waitFor(match);
  }

  /** Resolves when no attempt is in flight and no retry is scheduled. */
  idle(): Promise<void> {
    return this.tracker.idle();
  }

  reset(): void {
    this.tracker.reset();
    this.tokens.clear();
    this.holding = false;
  }

  close(): void {
    this.tracker.close();
    this.tokens.clear();
    this.holding = false;
  }

  /** First attempt (or a release): a connection failure is retried once; an HTTP error answer never. */
  private async attempt(delivery: CallbackDelivery, trigger: 'first' | 'release'): Promise<void> {
    const result = await this.send(delivery, trigger);
    if (result.status !== null) {
      if (delivery.state !== 'delivered') delivery.state = isAcknowledged(result.status) ? 'delivered' : 'failed';
      return;
    }
    this.tracker.schedule(this.connectionRetryDelayMs, () => {
      void this.tracker.track(
        this.send(delivery, 'retry').then((retried) => {
          if (delivery.state === 'delivered') return;
          delivery.state = isAcknowledged(retried.status) ? 'delivered' : 'failed';
        }),
      );
    });
  }

  private async send(delivery: CallbackDelivery, trigger: CallbackAttempt['trigger']): Promise<CallbackAttempt> {
    const signature = twilioSignature(this.tokens.get(delivery.id) ?? '', delivery.url, delivery.params);
    const attempt: CallbackAttempt = { at: this.now(), signature, status: null, error: null, trigger };
    try {
      attempt.status = await postWebhook(delivery.url, new URLSearchParams(delivery.params).toString(), {
        contentType: 'application/x-www-form-urlencoded',
        headers: { 'x-twilio-signature': signature, 'user-agent': 'TwilioProxy/1.1' },
      });
      if (isAcknowledged(attempt.status)) delivery.state = 'delivered';
    } catch (error) {
      attempt.error = (error as Error).message;
    }
    this.tracker.record(delivery, attempt);
    return attempt;
  }
}
