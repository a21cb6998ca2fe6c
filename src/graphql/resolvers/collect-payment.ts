/**
 * `collectPayment`: a card payment the billing system collects itself (athenahealth), synchronous:
 * COMPLETED with the receipt id or FAILED with the processor's reason, at once. Every collection
 * rule is checked before the card goes anywhere: only collectible claims (clean, and in the
 * provider group of the patient's current department for an enterprise practice), never above a
 * claim's patient balance, a copay only with the patient's own appointment. The card is never part
 * of what idempotency compares, stores or logs.
 */
import type { Resolvers } from '../generated/resolvers-types';
import { negateCents, sumCents } from '../../ledger/money';
import { requirePractice } from '../context';
import { gatewayError } from '../errors';
import { collectInput, parseInput } from '../inputs';
import { fingerprint, replay, requireCapability, requirePatient, submit } from './write-guards';

export const collectPaymentResolvers: Resolvers = {
  Mutation: {
  collectPayment: async (_root, { input }, ctx) => {
      const practice = requirePractice(ctx, input.practiceId);
      requireCapability(practice, 'cardCollection', 'card collection');
      const parsed = parseInput(collectInput, input);
      const claimPayments = [...parsed.claimPayments].sort((a, b) => (a.claimId < b.claimId ? -1 : 1));
      const total = sumCents([parsed.copayAmount ?? 0, parsed.otherAmount ?? 0, ...claimPayments.map((c) => c.amount)]);
      // The card is never part of what idempotency compares, stores or logs.
      const print = fingerprint({
        kind: 'COLLECTION',
        patientSourceId: parsed.patientId,
        departmentId: parsed.departmentId ?? null,
        copayAmount: parsed.copayAmount ?? null,
        appointmentId: parsed.appointmentId ?? null,
        claimPayments,
        otherAmount: parsed.otherAmount ?? null,
        allowDuplicate: parsed.allowDuplicate ?? false,
      });
      const replayed = await replay(ctx, practice.id, parsed.idempotencyKey, print);
      if (replayed) return { transaction: replayed };

      const patient = await requirePatient(ctx, practice.id, parsed.patientId);
      const departmentId = parsed.departmentId ?? patient.departmentId;
      if (!departmentId) throw gatewayError('BAD_USER_INPUT', 'input.departmentId: expected a department (the patient has no current one)');
      if (claimPayments.length) {
        const claims = await ctx.loaders.claims.load({ practiceId: practice.id, id: patient.sourceId });
        for (const payment of claimPayments) {
          const claim = claims.find((c) => c.sourceId === payment.claimId);
          if (!claim) throw gatewayError('NOT_FOUND', `no claim "${payment.claimId}" on patient "${patient.sourceId}"`);
          if (!claim.collectible) {
            const why = claim.clean
              ? "it is outside the provider group of the patient's current department"
              : 'it is not clean (payment plan or contract)';
            throw gatewayError('CLAIM_NOT_COLLECTIBLE', `claim "${claim.sourceId}" may not be collected: ${why}`, { claimId: claim.sourceId });
          }
          if (claim.patientBalance !== null && payment.amount > claim.patientBalance) {
            throw gatewayError('CLAIM_NOT_COLLECTIBLE', `claim "${claim.sourceId}" may not be collected above its patient balance`, {
              claimId: claim.sourceId,
            });
          }
        }
      }
      if (parsed.appointmentId) {
        const copay = await ctx.loaders.copays.load({ practiceId: practice.id, id: parsed.appointmentId });
        if (!copay || copay.patientSourceId !== patient.sourceId) {
          throw gatewayError('NOT_FOUND', `no appointment "${parsed.appointmentId}" for patient "${patient.sourceId}"`);
        }
      }
      const transaction = await submit(() =>
        ctx.services.transactions.collect({
          practiceId: practice.id,
          idempotencyKey: parsed.idempotencyKey,
          fingerprint: print,
          amountCents: negateCents(total),
          collection: {
            patientSourceId: patient.sourceId,
            departmentId,
            card: parsed.card,
            copayAmount: parsed.copayAmount ?? null,
            appointmentId: parsed.appointmentId ?? null,
            claimPayments,
            otherAmount: parsed.otherAmount ?? null,
            allowDuplicate: parsed.allowDuplicate ?? false,
          },
        }),
      );
      return { transaction };
    },
  },
};
