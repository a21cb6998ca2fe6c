import type { Resolvers } from '../generated/resolvers-types';
import { gatewayError } from '../errors';
import { adapterHealth } from '../../resilience';
import { insuranceCapabilities } from './insurance';

const MAX_PAGE = 200;

export const practiceResolvers: Resolvers = {
  Practice: {
    // A practice's id is the config's practice id; node(id:) accepts it too (README.md, "Ids").
    id: (p) => p.id,
    name: (p) => p.name,
    system: (p) => p.system,
    capabilities: (p, _args, ctx) => ({ ...p.capabilities, ...insuranceCapabilities(ctx, p.id) }),
    processor: (p) => p.processor?.name ?? null,
    status: (p) => adapterHealth(p.adapter),
    patients: async (p, { first, after }, ctx) => {
      const size = first ?? 50;
      if (size < 1 || size > MAX_PAGE)
        throw gatewayError('BAD_USER_INPUT', `expected first between 1 and ${MAX_PAGE}, got ${size}`);
      // Never an empty page that looks like a practice without patients: say why there is none.
      if (!p.capabilities.patientListing) {
        const why = p.unsupported.patientListing ?? `the ${p.system} system has no practice-wide patient listing`;
        throw gatewayError('NOT_SUPPORTED', `practice "${p.id}" (${p.system}) cannot list its patients: ${why}`);
      }
      const page = await ctx.loaders.patientPages.load({ practiceId: p.id, first: size, after: after ?? null });
      for (const record of page.items) ctx.loaders.patients.prime({ practiceId: p.id, id: record.sourceId }, record);
      return {
        nodes: page.items.map((record) => ({ practiceId: p.id, record })),
        endCursor: page.endCursor,
        hasNextPage: page.hasNextPage,
      };
    },
    paymentTypes: async (p, _args, ctx) =>
      (await ctx.loaders.paymentTypes.load(p.id)).filter((t) => t.active).map((t) => ({ sourceId: t.sourceId, name: t.name })),
    adjustmentTypes: async (p, _args, ctx) =>
      (await ctx.loaders.adjustmentTypes.load(p.id))
        .filter((t) => t.active)
        .map((t) => ({ sourceId: t.sourceId, name: t.name, action: t.action })),
  },
};
