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
import http from 'node:http';
import https from 'node:https';
import { seededShuffle } from '../shared/seeded-rng';
import type { SandboxClock, StripeEvent } from './sim';

/** Delays before the 2nd…5th attempt: attempts at 0 s, 1 s, 2 s, 4 s and 8 s. */
export const DEFAULT_RETRY_DELAYS_MS = [1_000, 1_000, 2_000, 4_000];
const ATTEMPT_TIMEOUT_MS = 10_000;

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

type Waiter = { match: (delivery: Delivery, attempt: DeliveryAttempt) => boolean; resolve: (value: Delivery) => void };

export function signPayload(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
}

export class WebhookHub {
  private list: Delivery[] = [];
  private readonly secrets = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private waiters: Waiter[] = [];
  private holding = false;
  private nextId = 1;

  constructor(
    private readonly clock: SandboxClock,
    private readonly retryDelaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS,
  ) {}

  get deliveries(): ReadonlyArray<Delivery> {
    return this.list;
  }

  get isHolding(): boolean {
    return this.holding;
  }

  /** One event to every endpoint that subscribes to it. */
  enqueue(event: StripeEvent, endpoints: EndpointTarget[]): void {
    const body = JSON.stringify(event, null, 2);
    for (const endpoint of endpoints) {
      this.secrets.set(endpoint.id, endpoint.secret);
      const delivery: Delivery = {
        id: `dlv_${this.nextId++}`,
        eventId: event.id,
        eventType: event.type,
        endpointId: endpoint.id,
        url: endpoint.url,
        body,
        state: this.holding ? 'held' : 'pending',
        attempts: [],
      };
      this.list.push(delivery);
      if (!this.holding) this.track(this.attempt(delivery, 'first', 0));
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
    const held = this.list.filter((d) => d.state === 'held');
    if (order === 'reverse') held.reverse();
    for (const delivery of held) delivery.state = 'pending';
    let plan = held.flatMap((delivery) =>
      duplicate
        ? [
            { delivery, copy: false },
            { delivery, copy: true },
          ]
        : [{ delivery, copy: false }],
    );
    if (order === 'shuffle') plan = seededShuffle(plan, seed);
    const sends = plan.map(({ delivery, copy }) =>
      copy ? this.track(this.send(delivery, 'duplicate')) : this.track(this.attempt(delivery, 'release', 0)),
    );
    await Promise.all(sends);
    return held.length;
  }

  /** Send an event once more to each endpoint it was delivered to (a duplicate; no retries). */
  async resend(eventId: string): Promise<number> {
    const targets = this.list.filter((d) => d.eventId === eventId);
    await Promise.all(targets.map((d) => this.track(this.send(d, 'resend'))));
    return targets.length;
  }

  /** Resolves with the delivery once an attempt matching `match` is recorded (already, or later). */
  waitFor(match: (delivery: Delivery, attempt: DeliveryAttempt) => boolean): Promise<Delivery> {
    for (const delivery of this.list) {
      if (delivery.attempts.some((a) => match(delivery, a))) return Promise.resolve(delivery);
    }
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Resolves when no attempt is in flight and no retry is scheduled. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.timers.size > 0) {
      if (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  reset(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.list = [];
    this.holding = false;
  }

  close(): void {
    this.reset();
    this.waiters = [];
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
    return promise;
  }

  /** A scheduled attempt (first, or the n-th retry): on failure, the next retry or `failed`. */
  private async attempt(delivery: Delivery, trigger: DeliveryAttempt['trigger'], retryIndex: number): Promise<void> {
    const result = await this.send(delivery, retryIndex === 0 ? trigger : 'retry');
    if (result.status !== null && result.status >= 200 && result.status < 300) {
      delivery.state = 'delivered';
      return;
    }
    if (delivery.state === 'delivered') return; // a duplicate already got through
    const delay = this.retryDelaysMs[retryIndex];
    if (delay === undefined) {
      delivery.state = 'failed';
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.list.includes(delivery)) return;
      void this.track(this.attempt(delivery, 'retry', retryIndex + 1));
    }, delay);
    this.timers.add(timer);
  }

  private async send(delivery: Delivery, trigger: DeliveryAttempt['trigger']): Promise<DeliveryAttempt> {
    const secret = this.secrets.get(delivery.endpointId) ?? '';
    const t = this.clock.nowSeconds();
    const signature = `t=${t},v1=${signPayload(secret, t, delivery.body)}`;
    const attempt: DeliveryAttempt = { at: this.clock.nowMs(), t, signature, status: null, error: null, trigger };
    try {
      attempt.status = await post(delivery.url, delivery.body, signature);
      if (attempt.status >= 200 && attempt.status < 300) delivery.state = 'delivered';
    } catch (error) {
      attempt.error = (error as Error).message;
    }
    delivery.attempts.push(attempt);
    this.notify(delivery, attempt);
    return attempt;
  }

  private notify(delivery: Delivery, attempt: DeliveryAttempt): void {
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.match(delivery, attempt)) waiter.resolve(delivery);
      else still.push(waiter);
    }
    this.waiters = still;
  }
}

function post(url: string, body: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = (target.protocol === 'https:' ? https : http).request(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          'stripe-signature': signature,
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        timeout: ATTEMPT_TIMEOUT_MS,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`timed out after ${ATTEMPT_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}
