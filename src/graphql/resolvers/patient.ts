import type { Resolvers } from '../generated/resolvers-types';
import { collectibleBalance } from '../../ledger/collectible';
import { encodeGlobalId } from '../global-id';
import { afterHeld } from '../settled-cache';
import { computePatientBalance, exactFigure } from './ledger-access';
import { buildInvoiceFor } from './invoice';

export const patientResolvers: Resolvers = {
  Patient: {
    id: (p) => encodeGlobalId('Patient', p.practiceId, [p.record.sourceId]),
    sourceId: (p) => p.record.sourceId,
    firstName: (p) => p.record.firstName,
    lastName: (p) => p.record.lastName,
    isOwnGuarantor: (p) => p.record.guarantorSourceId === null,
    guarantor: async (p, _args, ctx) => {
      // Her own guarantor: the record is already here; her family is read only if asked for.
      if (p.record.guarantorSourceId === null) return { practiceId: p.practiceId, record: p.record, role: 'guarantor' as const };
      const family = await ctx.loaders.families.load({ practiceId: p.practiceId, id: p.record.guarantorSourceId });
      return family ? { practiceId: p.practiceId, record: family.guarantor, role: 'guarantor' as const } : null;
    },
    charges: async (p, _args, ctx) => {
      const key = { practiceId: p.practiceId, id: p.record.sourceId };
      const records = await ctx.loaders.charges.load(key);
      // The rows' patient amounts and claims read her claims: when the request is reading them
      // (ledger-prefetch.ts asked for them with this list), the rows wait for them here, once,
      // and then complete synchronously (settled-cache.ts).
      const claimsLoader = ctx.loaders.usedList('claims');
      const claims = claimsLoader && afterHeld(claimsLoader, key);
      if (claims) await claims;
      return records.map((record) => ({ practiceId: p.practiceId, record }));
    },
    payments: async (p, _args, ctx) =>
      (await ctx.loaders.payments.load({ practiceId: p.practiceId, id: p.record.sourceId })).map((record) => ({
        practiceId: p.practiceId,
        record,
      })),
    adjustments: async (p, _args, ctx) =>
      (await ctx.loaders.adjustments.load({ practiceId: p.practiceId, id: p.record.sourceId })).map((record) => ({
        practiceId: p.practiceId,
        record,
      })),
    claims: async (p, _args, ctx) =>
      (await ctx.loaders.claims.load({ practiceId: p.practiceId, id: p.record.sourceId })).map((record) => ({
        practiceId: p.practiceId,
        record,
      })),
    balance: (p, _args, ctx) =>
      exactFigure(`the balance of patient "${p.record.sourceId}"`, () => computePatientBalance(ctx, p.practiceId, p.record)),
    collectibleBalance: async (p, _args, ctx) => {
      const practice = ctx.services.registry.get(p.practiceId);
      if (!practice?.capabilities.claimLevelBalances) return null;
      const claims = await ctx.loaders.claims.load({ practiceId: p.practiceId, id: p.record.sourceId });
      return exactFigure(`the collectible balance of patient "${p.record.sourceId}"`, () => collectibleBalance(claims));
    },
    copay: async (p, { appointmentId }, ctx) => {
      const practice = ctx.services.registry.get(p.practiceId);
      if (!practice?.capabilities.copays) return null;
      const copay = await ctx.loaders.copays.load({ practiceId: p.practiceId, id: appointmentId });
      // An appointment of another patient is not this patient's copay.
      return copay && copay.patientSourceId === p.record.sourceId ? copay : null;
    },
    invoice: (p, { groupBy }, ctx) =>
      exactFigure(`the invoice of patient "${p.record.sourceId}"`, () =>
        buildInvoiceFor(ctx, p.practiceId, [p.record], groupBy ?? 'SERVICE_DATE'),
      ),
  },
  PatientBalance: {
    charges: (b) => b.charges,
    payments: (b) => b.payments,
    adjustments: (b) => b.adjustments,
    total: (b) => b.total,
  },
  Copay: {
    expected: (c) => c.expected,
    collectedForAppointment: (c) => c.collectedForAppointment,
    collectedForOther: (c) => c.collectedForOther,
  },
};
