/**
 * The ledger-write mutations. Each is the same five steps: parse the input, check what the input
 * alone decides (and fingerprint it), answer a replay of the idempotency key, load the practice's
 * facts, prepare the write by the ledger rules (`src/ledger/prepare-write.ts`) — then hand it to the
 * transaction service, which stores it durably before the upstream call. A refused request writes
 * nothing anywhere; the rules that need no facts refuse before any upstream request at all.
 */
import type { Resolvers } from '../generated/resolvers-types';
import { checkAdjustmentInput, checkPaymentInput, prepareAdjustment, preparePayment } from '../../ledger/prepare-write';
import { requirePractice } from '../context';
import { adjustmentInput, paymentInput, parseInput } from '../inputs';
import { loadLedgerWriteFacts, orRefuse, replay, requireCapability, withStableErrors, writeLimits } from './write-guards';

export const mutationResolvers: Resolvers = {
  Mutation: {
    createPaymentTransaction: (_root, { input }, ctx) =>
      withStableErrors(async () => {
        const practice = requirePractice(ctx, input.practiceId);
        requireCapability(practice, 'ledgerWrites', 'ledger writes');
        const request = { ...parseInput(paymentInput, input), ...writeLimits(ctx) };
        // A system that cannot take a refund (Oracle Health) refuses it here, before anything is
        // stored, rather than failing the stored transaction when the adapter sends it.
        if (request.refund) requireCapability(practice, 'refunds', 'refunds');
        const { fingerprint } = orRefuse(checkPaymentInput(request));
        const replayed = await replay(ctx, practice.id, request.idempotencyKey, fingerprint);
        if (replayed) return { transaction: replayed };

        const facts = await loadLedgerWriteFacts(ctx, practice, request, ctx.loaders.paymentTypes.load(practice.id));
        const { write, refundCeiling } = orRefuse(preparePayment(request, facts));
        const transaction = await ctx.services.transactions.createLedgerTransaction({
          practiceId: practice.id,
          idempotencyKey: request.idempotencyKey,
          fingerprint,
          write: { ...write, occurredAt: new Date().toISOString() },
          ...(refundCeiling === undefined ? {} : { refundCeiling }),
        });
        return { transaction };
      }),

    createAdjustmentTransaction: (_root, { input }, ctx) =>
      withStableErrors(async () => {
        const practice = requirePractice(ctx, input.practiceId);
        requireCapability(practice, 'ledgerWrites', 'ledger writes');
        const request = { ...parseInput(adjustmentInput, input), ...writeLimits(ctx) };
        const { fingerprint } = orRefuse(checkAdjustmentInput(request));
        const replayed = await replay(ctx, practice.id, request.idempotencyKey, fingerprint);
        if (replayed) return { transaction: replayed };

        const facts = await loadLedgerWriteFacts(ctx, practice, request, ctx.loaders.adjustmentTypes.load(practice.id));
        const { write } = orRefuse(prepareAdjustment(request, facts));
        const transaction = await ctx.services.transactions.createLedgerTransaction({
          practiceId: practice.id,
          idempotencyKey: request.idempotencyKey,
          fingerprint,
          write: { ...write, occurredAt: new Date().toISOString() },
        });
        return { transaction };
      }),
  },
};
