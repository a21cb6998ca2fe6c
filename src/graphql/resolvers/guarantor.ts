import type { Resolvers } from '../generated/resolvers-types';
import type { PatientRecord } from '../../adapters/ledger/port';
import { guarantorAging, insuranceAging, outOfPocketAging } from '../../ledger/aging';
import { reconcile } from '../../ledger/reconciliation';
import type { GatewayContext } from '../context';
import { encodeGlobalId } from '../global-id';
import type { GuarantorModel } from '../models';
import { computePatientBalance, exactFigure } from './ledger-access';
import { buildInvoiceFor } from './invoice';

/** The guarantor herself when she is a patient, then her dependents: the list reconciliation sums. */
async function familyPatients(ctx: GatewayContext, g: GuarantorModel): Promise<PatientRecord[]> {
  const family = await ctx.loaders.families.load({ practiceId: g.practiceId, id: g.record.sourceId });
  if (!family) return g.record.nonPatient ? [] : [g.record];
  const dependents = family.dependents.filter((d) => d.sourceId !== family.guarantor.sourceId);
  return family.guarantor.nonPatient ? dependents : [family.guarantor, ...dependents];
}

function capabilities(ctx: GatewayContext, practiceId: string) {
  return ctx.services.registry.get(practiceId)!.capabilities;
}

async function balanceRecord(ctx: GatewayContext, g: GuarantorModel) {
  if (!capabilities(ctx, g.practiceId).guarantorAging) return null;
  return ctx.loaders.guarantorBalances.load({ practiceId: g.practiceId, id: g.record.sourceId });
}

async function insuranceRecords(ctx: GatewayContext, g: GuarantorModel) {
  if (!capabilities(ctx, g.practiceId).insuranceAging) return [];
  return ctx.loaders.insuranceBalances.load({ practiceId: g.practiceId, id: g.record.sourceId });
}

export const guarantorResolvers: Resolvers = {
  Guarantor: {
    id: (g) => encodeGlobalId('Guarantor', g.practiceId, [g.record.sourceId]),
    sourceId: (g) => g.record.sourceId,
    firstName: (g) => g.record.firstName,
    lastName: (g) => g.record.lastName,
    nonPatient: (g) => g.record.nonPatient,
    patients: async (g, _args, ctx) => (await familyPatients(ctx, g)).map((record) => ({ practiceId: g.practiceId, record })),
    aging: (g, _args, ctx) =>
      exactFigure(`the aging of guarantor "${g.record.sourceId}"`, async () => {
        const record = await balanceRecord(ctx, g);
        return record ? guarantorAging(record) : null;
      }),
    insuranceAging: (g, _args, ctx) =>
      exactFigure(`the insurance aging of guarantor "${g.record.sourceId}"`, async () =>
        (await insuranceRecords(ctx, g)).map(insuranceAging),
      ),
    outOfPocketAging: (g, _args, ctx) =>
      exactFigure(`the out-of-pocket aging of guarantor "${g.record.sourceId}"`, async () => {
        const [record, insurance] = await Promise.all([balanceRecord(ctx, g), insuranceRecords(ctx, g)]);
        return record ? outOfPocketAging(record, insurance) : null;
      }),
    reconciliation: (g, _args, ctx) =>
      exactFigure(`the reconciliation of guarantor "${g.record.sourceId}"`, async () => {
        if (!capabilities(ctx, g.practiceId).guarantorAging) return null;
        const [patients, record] = await Promise.all([familyPatients(ctx, g), balanceRecord(ctx, g)]);
        const balances = await Promise.all(patients.map((p) => computePatientBalance(ctx, g.practiceId, p)));
        return reconcile(
          balances.map((b) => b.total),
          record?.guarantorPortion ?? null,
        );
      }),
    invoice: (g, { groupBy }, ctx) =>
      exactFigure(`the invoice of guarantor "${g.record.sourceId}"`, async () =>
        buildInvoiceFor(ctx, g.practiceId, await familyPatients(ctx, g), groupBy ?? 'PATIENT'),
      ),
    unsupported: (g, _args, ctx) => {
      const caps = capabilities(ctx, g.practiceId);
      // The adapter's own words where it gives them (a FHIR profile says why), else the generic ones.
      const said = ctx.services.registry.get(g.practiceId)!.unsupported;
      const reasons: string[] = [];
      if (!caps.guarantorAging) {
        reasons.push(
          said.guarantorAging ?? 'aging: the billing system keeps no guarantor A/R record, so aging and reconciliation are null',
        );
      }
      if (!caps.insuranceAging)
        reasons.push(said.insuranceAging ?? 'insuranceAging: the billing system reports no insurance A/R records');
      if (!caps.writeOffEstimates) {
        reasons.push(
          said.writeOffEstimates ??
            'writeOffEstimate: the billing system has no write-off estimates; out-of-pocket totals are upper bounds',
        );
      }
      return reasons;
    },
  },
  AgingBalance: {
    current: (a) => a.buckets.current,
    days31To60: (a) => a.buckets.days31To60,
    days61To90: (a) => a.buckets.days61To90,
    over90: (a) => a.buckets.over90,
    total: (a) => a.total,
    guarantorPortion: (a) => a.guarantorPortion,
    insuranceEstimate: (a) => a.insuranceEstimate,
    writeOffEstimate: (a) => a.writeOffEstimate,
  },
  Reconciliation: {
    computed: (r) => r.computed,
    reported: (r) => r.reported,
    difference: (r) => r.difference,
    consistent: (r) => r.consistent,
  },
};
