/**
 * `createCheckout`, `cancelCheckout`, `retryPosting` and the `Checkout` types (`schema/collection.graphql`).
 * `createCheckout` refuses everything it can before anything is stored or sent: the input (zod),
 * the ledger's `externalPayments` capability and the practice's processor (NOT_SUPPORTED, before any
 * processor call), the amount ceiling, an idempotent replay, then the patient's ledger (her charges
 * must be hers and unpaid) through the request's loaders. The pure rules are
 * `src/ledger/checkout-lines.ts`; the I/O after it is the flow's (`src/flows/collection/`).
 */
import { checkAmountCeiling } from '../../ledger/amount-ceiling';
import { RuleViolation } from '../../ledger/violation';
import { checkoutLines, type CheckoutBasis } from '../../ledger/checkout-lines';
import { checkoutFingerprint, checkoutInput, refundFingerprint, refundInput } from '../checkout-input';
import { requirePractice } from '../context';
import { gatewayError } from '../errors';
import type { Resolvers } from '../generated/resolvers-types';
import { parseInput } from '../inputs';
import { claimStages } from './ledger-access';
import { replay, withStableErrors, writeLimits } from './write-guards';

const MINUTE = 60_000;

export const collectionResolvers: Resolvers = {
  Mutation: {
    createCheckout: (_root, { input: raw }, ctx) =>
      withStableErrors(async () => {
        const practice = requirePractice(ctx, raw.practiceId);
        const input = parseInput(checkoutInput, raw);
        if (!practice.capabilities.externalPayments) {
          const why = practice.unsupported.externalPayments ?? 'its ledger takes no payment collected elsewhere';
          throw gatewayError(
            'NOT_SUPPORTED',
            `practice "${practice.id}" (${practice.system}) cannot collect through a processor: ${why}`,
          );
        }
        const processor = practice.processor;
        if (!processor) {
          throw gatewayError(
            'NOT_SUPPORTED',
            `practice "${practice.id}" has no processor configured (config: practices[].processor)`,
          );
        }
        if (input.processor && input.processor !== processor.name) {
          throw gatewayError(
            'NOT_SUPPORTED',
            `practice "${practice.id}" collects through ${processor.name}, not ${input.processor}`,
            { field: 'processor' },
          );
        }
        const { currency, maxAmount } = writeLimits(ctx);
        if (input.amount != null)
          orRefuseCeiling(checkAmountCeiling([{ field: 'input.amount', cents: input.amount }], maxAmount));
        const fingerprint = checkoutFingerprint(input);
        const replayed = await replay(ctx, practice.id, input.idempotencyKey, fingerprint);
        if (replayed) return { transaction: replayed };

        const key = { practiceId: practice.id, id: input.patientId };
        const patient = await ctx.loaders.patients.load(key);
        if (!patient || patient.nonPatient) {
          throw gatewayError('NOT_FOUND', `no patient "${input.patientId}" in practice "${practice.id}"`, { field: 'patientId' });
        }
        const basis: CheckoutBasis =
          input.amount != null
            ? { mode: 'amount', amount: input.amount }
            : input.chargeIds
              ? { mode: 'charges', chargeIds: input.chargeIds }
              : { mode: 'balance' };
        const ledgerKey = { practiceId: practice.id, id: patient.sourceId };
        const [charges, payments, adjustments, stageOf, types] = await Promise.all([
          basis.mode === 'amount' ? [] : ctx.loaders.charges.load(ledgerKey),
          basis.mode === 'amount' ? [] : ctx.loaders.payments.load(ledgerKey),
          basis.mode === 'amount' ? [] : ctx.loaders.adjustments.load(ledgerKey),
          basis.mode === 'amount' ? () => undefined : claimStages(ctx, practice.id, patient.sourceId),
          input.paymentTypeId ? ctx.loaders.paymentTypes.load(practice.id) : [],
        ]);
        if (input.paymentTypeId && !types.some((t) => t.sourceId === input.paymentTypeId && t.active)) {
          throw gatewayError(
            'UNKNOWN_PAYMENT_TYPE',
            `no active payment type "${input.paymentTypeId}" in practice "${practice.id}"`,
            {
              field: 'paymentTypeId',
            },
          );
        }
        const decided = checkoutLines(basis, {
          charges,
          payments,
          adjustments,
          stageOf,
          maxAmount,
          minAmount: processor.adapter.capabilities.minAmount,
        });
        if (!decided.ok) throw new RuleViolation(decided.violation);
        const { lines, total } = decided;
        const minutes = input.expiresInMinutes ?? ctx.services.collection.context.defaultExpiresInMinutes;
        const transaction = await ctx.services.collection.createCheckout({
          practiceId: practice.id,
          idempotencyKey: input.idempotencyKey,
          fingerprint,
          patientSourceId: patient.sourceId,
          processor: processor.name,
          paymentTypeId: input.paymentTypeId ?? processor.paymentTypeId,
          lines,
          total,
          currency,
          expiresAt: new Date(ctx.services.collection.context.ctx.now().getTime() + minutes * MINUTE),
          returnUrl: input.returnUrl ?? null,
          patientFirstName: patient.firstName || null,
        });
        return { transaction };
      }),
    cancelCheckout: (_root, args, ctx) =>
      withStableErrors(async () => {
        const practice = requirePractice(ctx, args.practiceId);
        return { transaction: await ctx.services.collection.cancelCheckout(practice.id, args.transactionId) };
      }),
    refundTransaction: (_root, { input: raw }, ctx) =>
      withStableErrors(async () => {
        const practice = requirePractice(ctx, raw.practiceId);
        const input = parseInput(refundInput, raw);
        orRefuseCeiling(checkAmountCeiling([{ field: 'input.amount', cents: input.amount }], writeLimits(ctx).maxAmount));
        const fingerprint = refundFingerprint(input);
        const replayed = await replay(ctx, practice.id, input.idempotencyKey, fingerprint);
        if (replayed) return { transaction: replayed };
        const original = await ctx.services.transactions.get(practice.id, input.transactionId);
        const checkout = original?.kind === 'COLLECTION' ? await ctx.services.collection.checkout(input.transactionId) : null;
        if (!original || !checkout) {
          throw gatewayError('NOT_FOUND', `no checkout transaction "${input.transactionId}" in practice "${practice.id}"`, {
            field: 'transactionId',
          });
        }
        if (checkout.status !== 'PAID') {
          throw gatewayError(
            'BAD_USER_INPUT',
            `the checkout of ${input.transactionId} is ${checkout.status}: only a paid checkout can be refunded`,
            {
              field: 'transactionId',
            },
          );
        }
        const transaction = await ctx.services.collection.refund({
          practiceId: practice.id,
          transactionId: input.transactionId,
          amount: input.amount,
          reason: input.reason ?? null,
          idempotencyKey: input.idempotencyKey,
          fingerprint,
        });
        return { transaction };
      }),
    retryPosting: (_root, args, ctx) =>
      withStableErrors(async () => {
        const practice = requirePractice(ctx, args.practiceId);
        return { transaction: await ctx.services.collection.retryPosting(practice.id, args.transactionId) };
      }),
  },
  LedgerTransaction: {
    checkout: async (t, _args, ctx) => {
      if (t.kind !== 'COLLECTION') return null;
      const view = await ctx.services.collection.checkout(t.transactionId);
      return view ? { ...view, patientSourceId: t.patientSourceId } : null;
    },
    refundOf: (t, _args, ctx) => (t.kind === 'REFUND' ? ctx.services.collection.refundOf(t.transactionId) : null),
    refunds: (t, _args, ctx) => (t.kind === 'COLLECTION' ? ctx.services.collection.refunds(t.transactionId) : []),
  },
  Checkout: {
    processor: (c) => c.processor,
    url: (c) => (c.status === 'OPEN' ? c.url : null),
    payPageUrl: (c) => c.payPageUrl,
    status: (c) => c.status,
    processorPaymentId: (c) => c.paymentId,
    amountPaid: (c) => c.amountPaid,
    amountRefunded: (c) => c.amountRefunded,
    expiresAt: (c) => c.expiresAt,
    lines: (c) => c.lines.map((line) => ({ practiceId: c.practiceId, patientSourceId: c.patientSourceId, line })),
  },
  CheckoutLine: {
    description: (l) => l.line.description,
    serviceDate: (l) => l.line.serviceDate,
    amount: (l) => l.line.amount,
    charge: async (l, _args, ctx) => {
      if (!l.line.chargeSourceId) return null;
      const charges = await ctx.loaders.charges.load({ practiceId: l.practiceId, id: l.patientSourceId });
      const record = charges.find((c) => c.sourceId === l.line.chargeSourceId);
      return record ? { practiceId: l.practiceId, record } : null;
    },
  },
};

function orRefuseCeiling(violation: ReturnType<typeof checkAmountCeiling>): void {
  if (violation) throw new RuleViolation(violation);
}
