/**
 * `LedgerTransaction.booking` (schema/accounting.graphql): the booking flow's view of a
 * transaction the caller could already read (the transaction resolver checked its practice).
 */
import type { Resolvers } from '../generated/resolvers-types';

export const bookingResolvers = {
  LedgerTransaction: {
    booking: (t, _args, ctx) =>
      t.kind === 'COLLECTION' || t.kind === 'REFUND'
        ? (ctx.services.booking?.booking(t.practiceId, t.transactionId) ?? null)
        : null,
  },
} satisfies Resolvers;
