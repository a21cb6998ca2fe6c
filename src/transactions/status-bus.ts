/**
 * The status bus: "transaction X of practice P changed". It carries ids only; a subscriber re-reads
 * the row from the store to render it, so a notification can never show stale or partial data and a
 * cross-process implementation (PostgreSQL LISTEN/NOTIFY) can carry the same tiny payload.
 *
 *     const bus = createInProcessStatusBus();
 *     const sub = bus.subscribe({ practiceId: 'smile-dental' });          // every transaction
 *     const one = bus.subscribe({ practiceId: 'smile-dental', transactionId: 'LG:1000' });
 *     await bus.publish({ practiceId: 'smile-dental', transactionId: 'LG:1000' });
 *     const { value } = await sub.next();  // { practiceId: 'smile-dental', transactionId: 'LG:1000' }
 *     await sub.return();                   // unsubscribe
 *
 * Each subscriber has a bounded queue: when a slow client falls behind, the OLDEST notifications are
 * dropped (and counted in `dropped`), so memory stays bounded. Dropping is safe because notifications
 * are only hints to re-read the store; the latest one for a transaction still arrives.
 */
import { randomUUID } from 'node:crypto';

export interface StatusEvent {
  practiceId: string;
  transactionId: string;
  /**
   * The identity of one publication, the same for every subscriber that receives it (the bus sets
   * it). Subscribers of one event may share one store read by it: the read starts after the event
   * arrived, so after the change was durable.
   */
  eventId?: string;
}

export interface StatusFilter {
  practiceId: string;
  /** Only this transaction; `null`/absent = all of the practice's transactions. */
  transactionId?: string | null;
}

/** An async iterator of status events; `return()` unsubscribes. */
export interface StatusSubscription extends AsyncIterableIterator<StatusEvent> {
  next(): Promise<IteratorResult<StatusEvent, undefined>>;
  return(): Promise<IteratorResult<StatusEvent, undefined>>;
  [Symbol.asyncIterator](): StatusSubscription;
  /** How many notifications were dropped because the subscriber was too slow. */
  readonly dropped: number;
}

export interface StatusBus {
  /** Announce a status change. Called AFTER the change is durable. Never throws for slow subscribers. */
  publish(event: StatusEvent): Promise<void>;
  subscribe(filter: StatusFilter): StatusSubscription;
  /** End every subscription (their iterators finish) and refuse new ones. */
  close(): Promise<void>;
}

export interface InProcessStatusBusOptions {
  /** Per-subscriber queue bound (default 256). */
  maxQueue?: number;
  /** Told when a subscriber drops notifications (e.g. to count a metric). */
  onDrop?: (filter: StatusFilter, dropped: number) => void;
}

/** Whether `event` passes `filter`. */
export function matchesFilter(filter: StatusFilter, event: StatusEvent): boolean {
  if (filter.practiceId !== event.practiceId) return false;
  return filter.transactionId == null || filter.transactionId === event.transactionId;
}

const FINISHED: IteratorResult<StatusEvent, undefined> = { done: true, value: undefined };

/**
 * One subscriber: its filter, its bounded queue, and the async iterator over it. `push` never
 * blocks: it hands the event to a waiting `next()`, else queues it, dropping the oldest when full.
 */
class QueuedSubscription implements StatusSubscription {
  private readonly queue: StatusEvent[] = [];
  private waiting: ((result: IteratorResult<StatusEvent, undefined>) => void) | null = null;
  private done: boolean;
  private droppedCount = 0;

  constructor(
    readonly filter: StatusFilter,
    private readonly maxQueue: number,
    private readonly hooks: { onDrop?: InProcessStatusBusOptions['onDrop']; onEnd: (sub: QueuedSubscription) => void },
    startEnded: boolean,
  ) {
    this.done = startEnded;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  push(event: StatusEvent): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ done: false, value: { ...event } });
      return;
    }
    this.queue.push({ ...event });
    if (this.queue.length > this.maxQueue) {
      this.queue.shift();
      this.droppedCount += 1;
      this.hooks.onDrop?.(this.filter, this.droppedCount);
    }
  }

  end(): void {
    this.done = true;
    this.queue.length = 0;
    this.hooks.onEnd(this);
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve(FINISHED);
    }
  }

  next(): Promise<IteratorResult<StatusEvent, undefined>> {
    const head = this.queue.shift();
    if (head) return Promise.resolve({ done: false, value: head });
    if (this.done) return Promise.resolve(FINISHED);
    if (this.waiting) return Promise.reject(new Error('a status subscription supports one pending next() at a time'));
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<StatusEvent, undefined>> {
    this.end();
    return Promise.resolve(FINISHED);
  }

  [Symbol.asyncIterator](): StatusSubscription {
    return this;
  }
}

/**
 * The local half of any status bus: subscribers with bounded queues, and `deliver()` to hand an
 * event to every matching one. The in-process bus delivers on `publish`; a cross-process bus
 * (PostgreSQL LISTEN/NOTIFY) delivers what it hears from the server.
 */
export interface LocalSubscribers {
  subscribe(filter: StatusFilter): StatusSubscription;
  /** Hand `event` to every matching subscriber (never blocks: a full queue drops its oldest). */
  deliver(event: StatusEvent): void;
  /** End every subscription and refuse new ones (they start ended). */
  close(): void;
  readonly size: number;
}

export function createLocalSubscribers(options: InProcessStatusBusOptions = {}): LocalSubscribers {
  const maxQueue = Math.max(1, options.maxQueue ?? 256);
  const subscribers = new Set<QueuedSubscription>();
  const hooks = { onDrop: options.onDrop, onEnd: (sub: QueuedSubscription) => subscribers.delete(sub) };
  let closed = false;
  const busId = randomUUID();
  let published = 0;

  return {
    subscribe(filter) {
      const own: StatusFilter = { practiceId: filter.practiceId, transactionId: filter.transactionId ?? null };
      const subscription = new QueuedSubscription(own, maxQueue, hooks, closed);
      if (!closed) subscribers.add(subscription);
      return subscription;
    },
    deliver(event) {
      const identified = event.eventId ? event : { ...event, eventId: `${busId}:${++published}` };
      for (const subscriber of subscribers) {
        if (matchesFilter(subscriber.filter, identified)) subscriber.push(identified);
      }
    },
    close() {
      closed = true;
      for (const subscriber of [...subscribers]) subscriber.end();
    },
    get size() {
      return subscribers.size;
    },
  };
}

/** A bus within one process: enough for one gateway instance (or tests). */
export function createInProcessStatusBus(
  options: InProcessStatusBusOptions = {},
): StatusBus & { readonly subscriberCount: number } {
  const local = createLocalSubscribers(options);
  return {
    async publish(event) {
      local.deliver(event);
    },
    subscribe: (filter) => local.subscribe(filter),
    async close() {
      local.close();
    },
    get subscriberCount() {
      return local.size;
    },
  };
}
