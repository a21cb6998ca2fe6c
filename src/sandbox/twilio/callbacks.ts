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
import http from 'node:http';
import https from 'node:https';

export const DEFAULT_CONNECTION_RETRY_DELAY_MS = 1_000;
const ATTEMPT_TIMEOUT_MS = 10_000;

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

type Waiter = {
  match: (delivery: CallbackDelivery, attempt: CallbackAttempt) => boolean;
  resolve: (d: CallbackDelivery) => void;
};

export class CallbackHub {
  private list: CallbackDelivery[] = [];
  private readonly tokens = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private waiters: Waiter[] = [];
  private holding = false;
  private nextId = 1;

  constructor(
    private readonly now: () => number,
    private readonly connectionRetryDelayMs = DEFAULT_CONNECTION_RETRY_DELAY_MS,
  ) {}

  get deliveries(): ReadonlyArray<CallbackDelivery> {
    return this.list;
  }

  get isHolding(): boolean {
    return this.holding;
  }

  /** Queue one signed POST (sent at once unless holding). */
  enqueue(delivery: Omit<CallbackDelivery, 'id' | 'state' | 'attempts'>, authToken: string): CallbackDelivery {
    const entry: CallbackDelivery = {
      ...delivery,
      id: `cb_${this.nextId++}`,
      state: this.holding ? 'held' : 'pending',
      attempts: [],
    };
    this.tokens.set(entry.id, authToken);
    this.list.push(entry);
    if (!this.holding) this.track(this.attempt(entry, 'first'));
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
    const held = this.list.filter((d) => d.state === 'held');
    if (order === 'reverse') held.reverse();
    for (const delivery of held) delivery.state = 'pending';
    const sends: Array<Promise<unknown>> = [];
    for (const delivery of held) {
      sends.push(this.track(this.attempt(delivery, 'release')));
      if (duplicate) sends.push(this.track(this.send(delivery, 'duplicate')));
    }
    await Promise.all(sends);
    return held.length;
  }

  /** Resolves with the delivery once an attempt matching `match` is recorded (already, or later). */
  waitFor(match: (delivery: CallbackDelivery, attempt: CallbackAttempt) => boolean): Promise<CallbackDelivery> {
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
    this.tokens.clear();
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

  /** First attempt (or a release): a connection failure is retried once; an HTTP error answer never. */
  private async attempt(delivery: CallbackDelivery, trigger: 'first' | 'release'): Promise<void> {
    const result = await this.send(delivery, trigger);
    if (result.status !== null) {
      if (delivery.state !== 'delivered') delivery.state = result.status >= 200 && result.status < 300 ? 'delivered' : 'failed';
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.list.includes(delivery)) return;
      void this.track(
        this.send(delivery, 'retry').then((retried) => {
          if (delivery.state === 'delivered') return;
          delivery.state = retried.status !== null && retried.status >= 200 && retried.status < 300 ? 'delivered' : 'failed';
        }),
      );
    }, this.connectionRetryDelayMs);
    this.timers.add(timer);
  }

  private async send(delivery: CallbackDelivery, trigger: CallbackAttempt['trigger']): Promise<CallbackAttempt> {
    const signature = twilioSignature(this.tokens.get(delivery.id) ?? '', delivery.url, delivery.params);
    const attempt: CallbackAttempt = { at: this.now(), signature, status: null, error: null, trigger };
    try {
      attempt.status = await post(delivery.url, new URLSearchParams(delivery.params).toString(), signature);
      if (attempt.status >= 200 && attempt.status < 300) delivery.state = 'delivered';
    } catch (error) {
      attempt.error = (error as Error).message;
    }
    delivery.attempts.push(attempt);
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.match(delivery, attempt)) waiter.resolve(delivery);
      else still.push(waiter);
    }
    this.waiters = still;
    return attempt;
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
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'x-twilio-signature': signature,
          'user-agent': 'TwilioProxy/1.1',
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
