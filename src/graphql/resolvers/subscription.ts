/**
 * `transactionStatusChanged`: the bus says which transaction changed; the row is re-read from the
 * store so every event shows the durable state. The iterator is hand-made rather than an async
 * generator because a generator's `return()` waits for its pending `await`: an unsubscribing client
 * would hang until the next event arrived.
 *
 * With a `transactionId` the first event is the transaction as it is now (a client that subscribes
 * right after its mutation cannot miss the only change), then each later state once, in order.
 * Without one, only changes after subscribing (a practice may hold any number of transactions; a
 * client that wants a starting point subscribes first, then queries).
 *
 * Why there is no race: the bus subscription is taken FIRST, then the row is read. A change durable
 * before the read is in that first state; a change durable after the bus subscription is also
 * queued on it (a change is published after it is durable). So every change is in the first state,
 * or in a queued event, or both: nothing is lost. "Both" is handled by ranking states: a transaction
 * only moves forward (PENDING → SUBMITTED → SUBMITTED needing attention → final), and an event whose
 * re-read is not past the last state emitted — one published before or at the first read, a repeated
 * hint, or a read shared with other subscribers that began before a newer state was emitted — is
 * dropped. Nothing is emitted twice and nothing goes back.
 *
 * Over the websocket server the subscribers of one practice (or transaction) and one document share
 * one of these streams (src/server/fanout.ts, ./fanout-source.ts): the group's stream takes the bus
 * subscription when its first member joins, and each member with a transactionId reads its own first
 * state after that, then is shown only group states past it. The same argument holds per member.
 */
import type { TransactionRow } from '../../transactions/types';
import type { Resolvers } from '../generated/resolvers-types';
import { requirePractice } from '../context';
import { readForEvent, SHARED_EVENT_KEY } from './event-reads';
import { fanoutOf } from './fanout-source';
import type { StatusSubscription } from '../../transactions/status-bus';

/** Transactions a practice-wide subscription remembers the last emitted state of (oldest forgotten). */
const MAX_REMEMBERED = 10_000;

/**
 * Where a row is in its forward-only life: every change a subscriber is told about raises it. A
 * SUBMITTED write that needs attention is past one that does not (attention is set once, and only
 * a final status clears it).
 */
export function stateRank(row: Pick<TransactionRow, 'status' | 'attention'>): number {
  switch (row.status) {
    case 'PENDING':
      return 0;
    case 'SUBMITTED':
      return row.attention === null ? 1 : 2;
    case 'COMPLETED':
    case 'FAILED':
      return 3;
  }
}

type Payload = { transactionStatusChanged: TransactionRow };
type Read = (practiceId: string, transactionId: string) => Promise<TransactionRow | null>;

export const subscriptionResolvers: Resolvers = {
  Subscription: {
    transactionStatusChanged: {
      subscribe: (root, { practiceId, transactionId }, ctx) => {
        requirePractice(ctx, practiceId);
        const filter = { practiceId, transactionId: transactionId ?? null };
        const read: Read = (p, t) => ctx.services.transactions.get(p, t);
        const bus = ctx.services.bus;
        // Over the websocket server: one group per practice/transaction and document, one bus
        // subscription for all its members (src/server/fanout.ts). A row shows the same to every caller
        // allowed its practice, which each member was, just above.
        const fanout = fanoutOf(root);
        if (fanout) {
          return fanout.join<Payload>({
            key: `transactionStatusChanged\u0000${practiceId}\u0000${transactionId ?? ''}`,
            open: () => statusChanges(bus.subscribe(filter), read, null),
            join: () => (transactionId ? firstState(read, practiceId, transactionId) : { first: null }),
          });
        }
        // First the bus, then the row (see above): the order is what makes it race-free.
        const events = bus.subscribe(filter);
        return statusChanges(events, read, transactionId ? read(practiceId, transactionId) : null);
      },
    },
  },
};

/**
 * A group member's first event: the transaction as it is now, read after the group's bus
 * subscription exists; then only group states past it (a group event read before this member's
 * read, or its repeat, is not news to it).
 */
function firstState(read: Read, practiceId: string, transactionId: string) {
  let rank = -1;
  return {
    first: read(practiceId, transactionId).then((row): Payload | null => {
      if (!row) return null;
      rank = stateRank(row);
      return { transactionStatusChanged: row };
    }),
    accepts: (payload: Payload) => stateRank(payload.transactionStatusChanged) > rank,
  };
}

/**
 * The states of `events`' transactions, each once and never backwards, starting with `initial` (the
 * current state, read once the bus subscription exists; `null` for an unknown id or none asked).
 */
function statusChanges(
  events: StatusSubscription,
  read: Read,
  first: Promise<TransactionRow | null> | null,
): AsyncIterableIterator<Payload> {
  let initial = first;
  // The rank each transaction was last emitted with; a state not past it is not a change.
  const emitted = new Map<string, number>();
  const remember = (row: TransactionRow) => {
    emitted.delete(row.transactionId); // re-insert: the map stays in last-emitted order
    emitted.set(row.transactionId, stateRank(row));
    if (emitted.size > MAX_REMEMBERED) emitted.delete(emitted.keys().next().value!);
  };
  // A failed read surfaces at the first next(); until then it must not count as unhandled.
  initial?.catch(() => undefined);
  const iterator: AsyncIterableIterator<Payload> = {
    async next() {
      if (initial) {
        const row = await initial;
        initial = null;
        if (row) {
          remember(row);
          return { done: false, value: { transactionStatusChanged: row } };
        }
      }
      for (;;) {
        const event = await events.next();
        if (event.done) return { done: true, value: undefined };
        const row = await readForEvent(event.value, read);
        if (!row || stateRank(row) <= (emitted.get(row.transactionId) ?? -1)) continue;
        remember(row);
        // Subscribers of one event see one durable row: graphql-ws may render it once for all.
        const shared = event.value.eventId ? `${event.value.eventId}\u0000${row.status}\u0000${stateRank(row)}` : undefined;
        return { done: false, value: { transactionStatusChanged: row, ...(shared ? { [SHARED_EVENT_KEY]: shared } : {}) } };
      }
    },
    async return() {
      initial = null;
      await events.return();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
