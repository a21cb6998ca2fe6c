/**
 * `transactionStatusChanged`: the bus says which transaction changed; the row is re-read from the
 * store so every event shows the durable state. The iterator is hand-made rather than an async
 * generator because a generator's `return()` waits for its pending `await`: an unsubscribing client
 * would hang until the next event arrived. Each status of a transaction is emitted once.
 */
import type { Resolvers } from '../generated/resolvers-types';
import type { TransactionRow } from '../../transactions/types';
import { requirePractice } from '../context';
import { readForEvent, SHARED_EVENT_KEY } from './event-reads';

/** Transactions a practice-wide subscription remembers the last emitted status of (oldest forgotten). */
const MAX_REMEMBERED = 10_000;

export const subscriptionResolvers: Resolvers = {
  Subscription: {
    transactionStatusChanged: {
      subscribe: (_root, { practiceId, transactionId }, ctx) => {
        requirePractice(ctx, practiceId);
        const events = ctx.services.bus.subscribe({ practiceId, transactionId: transactionId ?? null });
        // The status each transaction was last emitted with. A notification is only a hint to re-read:
        // one read after a later change (e.g. "stored" read once the row is already SUBMITTED) or a
        // repeated hint would otherwise emit the same status twice. Status only moves forward, so an
        // unchanged status means no change to report.
        const emitted = new Map<string, TransactionRow['status']>();
        const iterator: AsyncIterableIterator<{ transactionStatusChanged: TransactionRow }> = {
          async next() {
            for (;;) {
              const event = await events.next();
              if (event.done) return { done: true, value: undefined };
              const row = await readForEvent(event.value, (p, t) => ctx.services.transactions.get(p, t));
              if (!row || emitted.get(row.transactionId) === row.status) continue;
              emitted.delete(row.transactionId); // re-insert: the map stays in last-emitted order
              emitted.set(row.transactionId, row.status);
              if (emitted.size > MAX_REMEMBERED) emitted.delete(emitted.keys().next().value!);
              // Subscribers of one event see one durable row: graphql-ws may render it once for all.
              const shared = event.value.eventId ? `${event.value.eventId}\u0000${row.status}` : undefined;
              return { done: false, value: { transactionStatusChanged: row, ...(shared ? { [SHARED_EVENT_KEY]: shared } : {}) } };
            }
          },
          async return() {
            await events.return();
            return { done: true, value: undefined };
          },
          [Symbol.asyncIterator]() {
            return iterator;
          },
        };
        return iterator;
      },
    },
  },
};
