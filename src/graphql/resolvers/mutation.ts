/**
 * The write mutations. Every rule the vendors enforce is checked here, before anything is stored or
 * sent: first the pure rules of `src/ledger/` (no upstream request at all), then the ones that need
 * the practice's live lists (payment and adjustment types, the patient, her charges and claims). A
 * refused request writes nothing anywhere. What passes is handed to the transaction service, which
 * stores it durably before the upstream call.
 */
import type { Resolvers } from '../generated/resolvers-types';
import type { Split } from '../../adapters/ledger/port';
import { negateCents } from '../../ledger/money';
import { adjustmentRequiresSplit, checkSplits } from '../../ledger/splits';
import { matchTypeById, matchTypeByName } from '../../ledger/type-match';
import { requirePractice, type GatewayContext } from '../context';
import { gatewayError } from '../errors';
import { adjustmentInput, paymentInput, parseInput } from '../inputs';
import { fingerprint, replay, requireCapability, requirePatient, submit } from './write-guards';

function sortSplits(splits: Split[] | null): Split[] | null {
  return splits ? [...splits].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) : null;
}

/** Split targets must exist: charges of this patient, providers of this practice. */
async function checkSplitTargets(ctx: GatewayContext, practiceId: string, patientId: string, providerSplits: Split[] | null, chargeSplits: Split[] | null) {
  if (chargeSplits) {
    const charges = await ctx.loaders.charges.load({ practiceId, id: patientId });
    const known = new Set(charges.map((c) => c.sourceId));
    const unknown = chargeSplits.find((s) => !known.has(s.id));
    if (unknown) throw gatewayError('NOT_FOUND', `no charge "${unknown.id}" on patient "${patientId}"`);
  }
  if (providerSplits) {
    const providers = await Promise.all(providerSplits.map((s) => ctx.loaders.providers.load({ practiceId, id: s.id })));
    const index = providers.findIndex((p) => p === null);
    if (index >= 0) throw gatewayError('NOT_FOUND', `no provider "${providerSplits[index]!.id}" in practice "${practiceId}"`);
  }
}

export const mutationResolvers: Resolvers = {
  Mutation: {
    createPaymentTransaction: async (_root, { input }, ctx) => {
      const practice = requirePractice(ctx, input.practiceId);
      requireCapability(practice, 'ledgerWrites', 'ledger writes');
      const parsed = parseInput(paymentInput, input);
      // The input is the positive sum collected; the ledger effect of a payment is negative.
      const sign = parsed.refund ? (x: number) => x : negateCents;
      const amount = sign(parsed.amount);
      const providerSplits = sortSplits(parsed.providerSplits?.map((s) => ({ id: s.id, amount: sign(s.amount) })) ?? null);
      const chargeSplits = sortSplits(parsed.chargeSplits?.map((s) => ({ id: s.id, amount: sign(s.amount) })) ?? null);
      const violation = checkSplits({ amount, providerSplits, chargeSplits, requireSplit: false });
      if (violation) throw gatewayError(violation.code, violation.message);

      const write = {
        kind: 'PAYMENT' as const,
        patientSourceId: parsed.patientId,
        amount,
        currency: ctx.services.config.currency,
        typeSourceId: parsed.paymentTypeId,
        providerSplits,
        chargeSplits,
        notes: parsed.notes ?? null,
      };
      const print = fingerprint(write);
      const replayed = await replay(ctx, practice.id, parsed.idempotencyKey, print);
      if (replayed) return { transaction: replayed };

      const types = await ctx.loaders.paymentTypes.load(practice.id);
      if (!matchTypeById(types, parsed.paymentTypeId)) {
        throw gatewayError('UNKNOWN_PAYMENT_TYPE', `no active payment type "${parsed.paymentTypeId}" in practice "${practice.id}"`);
      }
      await requirePatient(ctx, practice.id, parsed.patientId);
      await checkSplitTargets(ctx, practice.id, parsed.patientId, providerSplits, chargeSplits);
      const transaction = await submit(() =>
        ctx.services.transactions.createLedgerTransaction({
          practiceId: practice.id,
          idempotencyKey: parsed.idempotencyKey,
          fingerprint: print,
          write: { ...write, occurredAt: new Date().toISOString() },
        }),
      );
      return { transaction };
    },

    createAdjustmentTransaction: async (_root, { input }, ctx) => {
      const practice = requirePractice(ctx, input.practiceId);
      requireCapability(practice, 'ledgerWrites', 'ledger writes');
      const parsed = parseInput(adjustmentInput, input);
      const amount = parsed.amount;
      const providerSplits = sortSplits(parsed.providerSplits ?? null);
      const chargeSplits = sortSplits(parsed.chargeSplits ?? null);
      const violation = checkSplits({ amount, providerSplits, chargeSplits, requireSplit: adjustmentRequiresSplit(amount) });
      if (violation) throw gatewayError(violation.code, violation.message);

      const print = fingerprint({
        kind: 'ADJUSTMENT',
        patientSourceId: parsed.patientId,
        amount,
        typeName: parsed.typeName ?? null,
        typeId: parsed.typeId ?? null,
        providerSplits,
        chargeSplits,
        notes: parsed.notes ?? null,
      });
      const replayed = await replay(ctx, practice.id, parsed.idempotencyKey, print);
      if (replayed) return { transaction: replayed };

      const types = await ctx.loaders.adjustmentTypes.load(practice.id);
      const type = parsed.typeId ? matchTypeById(types, parsed.typeId) : matchTypeByName(types, parsed.typeName!);
      if (!type) {
        const asked = parsed.typeId ? `id "${parsed.typeId}"` : `name "${parsed.typeName}" (matched exactly, case included)`;
        throw gatewayError('UNKNOWN_ADJUSTMENT_TYPE', `no active adjustment type with ${asked} in practice "${practice.id}"`);
      }
      if ((type.action === 'CREDIT' && amount > 0) || (type.action === 'DEBIT' && amount < 0)) {
        throw gatewayError(
          'BAD_USER_INPUT',
          `adjustment type "${type.name}" is a ${type.action.toLowerCase()}: expected a ${type.action === 'CREDIT' ? 'negative' : 'positive'} amount`,
        );
      }
      await requirePatient(ctx, practice.id, parsed.patientId);
      await checkSplitTargets(ctx, practice.id, parsed.patientId, providerSplits, chargeSplits);
      const transaction = await submit(() =>
        ctx.services.transactions.createLedgerTransaction({
          practiceId: practice.id,
          idempotencyKey: parsed.idempotencyKey,
          fingerprint: print,
          write: {
            kind: 'ADJUSTMENT',
            patientSourceId: parsed.patientId,
            amount,
            currency: ctx.services.config.currency,
            typeSourceId: type.sourceId,
            providerSplits,
            chargeSplits,
            notes: parsed.notes ?? null,
            occurredAt: new Date().toISOString(),
          },
        }),
      );
      return { transaction };
    },

  },
};
