/**
 * `collectPayment`: a card payment the billing system collects itself (athenahealth), synchronous:
 * COMPLETED with the receipt id or FAILED with the processor's reason, at once. Every collection
 * rule (`prepareCollection`, `src/ledger/prepare-write.ts`) is checked before the card goes
 * anywhere: only collectible claims, never above a claim's patient balance, a copay only with the
 * patient's own appointment. The card is never part of what idempotency compares, stores or logs.
 */
import type { Resolvers } from '../generated/resolvers-types';
import { checkCollectionInput, prepareCollection } from '../../ledger/prepare-write';
import { requirePractice } from '../context';
import { collectInput, parseInput } from '../inputs';
import { loadCollectionFacts, orRefuse, replay, requireCapability, withStableErrors, writeLimits } from './write-guards';

export const collectPaymentResolvers: Resolvers = {
  Mutation: {
    collectPayment: (_root, { input }, ctx) =>
      withStableErrors(async () => {
        const practice = requirePractice(ctx, input.practiceId);
        requireCapability(practice, 'cardCollection', 'card collection');
        const request = { ...parseInput(collectInput, input), maxAmount: writeLimits(ctx).maxAmount };
        const { fingerprint } = orRefuse(checkCollectionInput(request));
        const replayed = await replay(ctx, practice.id, request.idempotencyKey, fingerprint);
        if (replayed) return { transaction: replayed };

        const facts = await loadCollectionFacts(ctx, practice.id, request);
        const { collection, amountCents } = orRefuse(prepareCollection(request, facts));
        const transaction = await ctx.services.transactions.collect({
          practiceId: practice.id,
          idempotencyKey: request.idempotencyKey,
          fingerprint,
          amountCents,
          collection,
        });
        return { transaction };
      }),
  },
};
