/**
 * `Patient.coverages` and `Patient.unsupported` (schema/coverage.graphql). Coverages are read only
 * where the practice declares `capabilities.coverage`: elsewhere the field is null without an
 * upstream call, and `unsupported` says why in the adapter's words (or the generic ones). The member
 * id leaves only masked (src/ledger/coverage.ts).
 */
import type { CoverageRecord } from '../../adapters/ledger/port';
import { maskMemberId } from '../../ledger/coverage';
import type { Coverage, Resolvers } from '../generated/resolvers-types';
import { eligibilityUnsupported } from './insurance';

const NO_COVERAGE = 'coverages: the billing system has no insurance coverage read, so coverages is null';

/** The API's view of a coverage record: the member id masked, the plan and group flattened. */
export function toCoverage(c: CoverageRecord): Coverage {
  return {
    id: c.sourceId,
    status: c.status,
    active: c.active,
    order: c.order,
    subscriberId: c.subscriberId === null ? null : maskMemberId(c.subscriberId),
    payerName: c.payerName,
    planName: c.plan ? (c.plan.name ?? c.plan.value) : null,
    groupNumber: c.group?.value ?? null,
    relationship: c.relationship,
    periodStart: c.periodStart,
    periodEnd: c.periodEnd,
  };
}

export const coverageResolvers: Resolvers = {
  Patient: {
    coverages: async (p, _args, ctx) => {
      if (!ctx.services.registry.get(p.practiceId)?.capabilities.coverage) return null;
      return (await ctx.loaders.coverages.load({ practiceId: p.practiceId, id: p.record.sourceId })).map(toCoverage);
    },
    unsupported: async (p, _args, ctx) => {
      const practice = ctx.services.registry.get(p.practiceId);
      if (!practice) return [];
      const coverage = practice.capabilities.coverage ? [] : [practice.unsupported.coverage ?? NO_COVERAGE];
      return [...coverage, ...(await eligibilityUnsupported(ctx, p.practiceId, p.record))];
    },
  },
};
