import type { Resolvers } from '../generated/resolvers-types';
import { chargeInsuranceFigures, chargePatientAmount } from '../../ledger/patient-amount';
import type { GatewayContext } from '../context';
import { encodeGlobalId } from '../global-id';
import type { ChargeModel } from '../models';
import { claimStages } from './ledger-access';
import { whenKnown } from '../maybe-promise';
import { loadNow } from '../settled-cache';

/** A row's provider; a value, not a promise, when the adapter already knows it (loaders' `referenceNow`). */
function provider(ctx: GatewayContext, practiceId: string, providerId: string | null) {
  if (!providerId) return null;
  return whenKnown(ctx.loaders.providerNow({ practiceId, id: providerId }), (record) => (record ? { practiceId, record } : null));
}

/** A payment's or adjustment's charge; a value once the request holds the patient's charges. */
function charge(ctx: GatewayContext, practiceId: string, patientId: string, chargeId: string | null) {
  if (!chargeId) return null;
  return whenKnown(loadNow(ctx.loaders.charges, { practiceId, id: patientId }), (charges) => {
    const record = charges.find((c) => c.sourceId === chargeId);
    return record ? { practiceId, record } : null;
  });
}

function figures(ctx: GatewayContext, c: ChargeModel) {
  return whenKnown(claimStages(ctx, c.practiceId, c.record.patientSourceId), (stages) =>
    chargeInsuranceFigures(c.record, stages),
  );
}

export const ledgerRowResolvers: Resolvers = {
  Charge: {
    id: (c) => encodeGlobalId('Charge', c.practiceId, [c.record.patientSourceId, c.record.sourceId]),
    sourceId: (c) => c.record.sourceId,
    fee: (c) => c.record.fee,
    paymentEstimate: (c, _args, ctx) => whenKnown(figures(ctx, c), (f) => f.paymentEstimate),
    writeOffEstimate: (c, _args, ctx) => whenKnown(figures(ctx, c), (f) => f.writeOffEstimate),
    writeOff: (c, _args, ctx) => whenKnown(figures(ctx, c), (f) => f.writeOff),
    patientAmount: (c, _args, ctx) =>
      whenKnown(claimStages(ctx, c.practiceId, c.record.patientSourceId), (stages) => chargePatientAmount(c.record, stages)),
    serviceDate: (c) => c.record.serviceDate,
    description: (c) => c.record.description,
    provider: (c, _args, ctx) => provider(ctx, c.practiceId, c.record.providerSourceId),
    procedure: (c, _args, ctx) => {
      const own = { code: c.record.procedureCode, name: c.record.description };
      if (!c.record.procedureSourceId) return own.code || own.name ? own : null;
      return whenKnown(ctx.loaders.procedureNow({ practiceId: c.practiceId, id: c.record.procedureSourceId }), (record) =>
        record ? { code: record.code ?? own.code, name: record.name ?? own.name } : own,
      );
    },
    claim: (c, _args, ctx) => {
      const claimId = c.record.claimSourceId ?? c.record.claimPayouts[0]?.claimSourceId ?? null;
      if (!claimId) return null;
      return whenKnown(loadNow(ctx.loaders.claims, { practiceId: c.practiceId, id: c.record.patientSourceId }), (claims) => {
        const record = claims.find((claim) => claim.sourceId === claimId);
        return record ? { practiceId: c.practiceId, record } : null;
      });
    },
  },
  Payment: {
    id: (p) => encodeGlobalId('Payment', p.practiceId, [p.record.patientSourceId, p.record.sourceId]),
    sourceId: (p) => p.record.sourceId,
    amount: (p) => p.record.amount,
    transactionId: (p) => p.record.transactionId,
    paidAt: (p) => p.record.paidAt,
    fromInsurance: (p) => p.record.fromInsurance,
    provider: (p, _args, ctx) => provider(ctx, p.practiceId, p.record.providerSourceId),
    charge: (p, _args, ctx) => charge(ctx, p.practiceId, p.record.patientSourceId, p.record.chargeSourceId),
    // Through the request's loader of the practice's whole list: one read however many payments ask
    // (inactive types included: a payment may have been posted as a type retired since).
    paymentType: async (p, _args, ctx) => {
      if (p.record.paymentTypeSourceId === null) return null;
      const types = await ctx.loaders.paymentTypes.load(p.practiceId);
      const type = types.find((t) => t.sourceId === p.record.paymentTypeSourceId);
      return type ? { sourceId: type.sourceId, name: type.name } : null;
    },
  },
  Adjustment: {
    id: (a) => encodeGlobalId('Adjustment', a.practiceId, [a.record.patientSourceId, a.record.sourceId]),
    sourceId: (a) => a.record.sourceId,
    amount: (a) => a.record.amount,
    transactionId: (a) => a.record.transactionId,
    adjustedAt: (a) => a.record.adjustedAt,
    typeName: async (a, _args, ctx) => {
      if (a.record.typeName !== null || a.record.adjustmentTypeSourceId === null) return a.record.typeName;
      const types = await ctx.loaders.adjustmentTypes.load(a.practiceId);
      return types.find((t) => t.sourceId === a.record.adjustmentTypeSourceId)?.name ?? null;
    },
    provider: (a, _args, ctx) => provider(ctx, a.practiceId, a.record.providerSourceId),
    charge: (a, _args, ctx) => charge(ctx, a.practiceId, a.record.patientSourceId, a.record.chargeSourceId),
  },
  Claim: {
    id: (c) => encodeGlobalId('Claim', c.practiceId, [c.record.patientSourceId, c.record.sourceId]),
    sourceId: (c) => c.record.sourceId,
    status: (c) => c.record.status,
    rawStatus: (c) => c.record.rawStatus,
    serviceDate: (c) => c.record.serviceDate,
    patientBalance: (c) => c.record.patientBalance,
    clean: (c) => c.record.clean,
    collectible: (c) => c.record.collectible,
    providerGroupId: (c) => c.record.providerGroupId,
    departmentIds: (c) => c.record.departmentIds,
  },
  Provider: {
    id: (p) => encodeGlobalId('Provider', p.practiceId, [p.record.sourceId]),
    sourceId: (p) => p.record.sourceId,
    name: (p) => p.record.name,
  },
};
