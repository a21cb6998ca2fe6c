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

interface Subscriber {
  filter: StatusFilter;
  push(event: StatusEvent): void;
  end(): void;
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
  const subscribers = new Set<Subscriber>();
  let closed = false;
  const busId = randomUUID();
  let published = 0;

  function subscribe(filter: StatusFilter): StatusSubscription {
    const ownFilter: StatusFilter = { practiceId: filter.practiceId, transactionId: filter.transactionId ?? null };
    const queue: StatusEvent[] = [];
    let waiting: ((result: IteratorResult<StatusEvent, undefined>) => void) | null = null;
    let done = closed;
    let dropped = 0;
    const finished: IteratorResult<StatusEvent, undefined> = { done: true, value: undefined };

    const subscriber: Subscriber = {
      filter: ownFilter,
      push(event) {
        if (done) return;
        if (waiting) {
          const resolve = waiting;
          waiting = null;
          resolve({ done: false, value: { ...event } });
          return;
        }
        queue.push({ ...event });
        if (queue.length > maxQueue) {
          queue.shift();
          dropped += 1;
          options.onDrop?.(ownFilter, dropped);
        }
      },
      end() {
        done = true;
        queue.length = 0;
        subscribers.delete(subscriber);
        if (waiting) {
          const resolve = waiting;
          waiting = null;
          resolve(finished);
        }
      },
    };
    if (!done) subscribers.add(subscriber);

    const iterator: StatusSubscription = {
      next() {
        const head = queue.shift();
        if (head) return Promise.resolve({ done: false, value: head });
        if (done) return Promise.resolve(finished);
        if (waiting) return Promise.reject(new Error('a status subscription supports one pending next() at a time'));
        return new Promise((resolve) => {
          waiting = resolve;
        });
      },
      return() {
        subscriber.end();
        return Promise.resolve(finished);
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
      get dropped() {
        return dropped;
      },
    };
    return iterator;
  }

  return {
    subscribe,
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
export function createInProcessStatusBus(options: InProcessStatusBusOptions = {}): StatusBus & { readonly subscriberCount: number } {
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
