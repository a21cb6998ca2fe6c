/**
 * `transactionStatusChanged`: the bus says which transaction changed; the row is re-read from the
 * store so every event shows the durable state. The iterator is hand-made rather than an async
 * generator because a generator's `return()` waits for its pending `await`: an unsubscribing client
 * would hang until the next event arrived.
 */
import type { Resolvers } from '../generated/resolvers-types';
import type { TransactionRow } from '../../transactions/types';
import { requirePractice } from '../context';

export const subscriptionResolvers: Resolvers = {
  Subscription: {
    transactionStatusChanged: {
      subscribe: (_root, { practiceId, transactionId }, ctx) => {
        requirePractice(ctx, practiceId);
        const events = ctx.services.bus.subscribe({ practiceId, transactionId: transactionId ?? null });
        const iterator: AsyncIterableIterator<{ transactionStatusChanged: TransactionRow }> = {
          async next() {
            for (;;) {
              const event = await events.next();
              if (event.done) return { done: true, value: undefined };
              const row = await ctx.services.transactions.get(event.value.practiceId, event.value.transactionId);
              if (row) return { done: false, value: { transactionStatusChanged: row } };
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
