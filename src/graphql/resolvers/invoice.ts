/**
 * The itemized invoice of one patient or of a guarantor's family: each charge with its patient
 * amount, grouped by patient, provider or service date. The grouping and the sums are the ledger's.
 */
import type { ChargeRecord, PatientRecord } from '../../adapters/ledger/port';
import { buildItemizedInvoice, type InvoiceGroupBy, type InvoiceLine } from '../../ledger/invoice';
import { chargePatientAmount } from '../../ledger/patient-amount';
import type { GatewayContext } from '../context';
import type { ChargeModel, PatientModel } from '../models';
import { claimStages } from './ledger-access';

export interface InvoiceModel {
  groupBy: InvoiceGroupBy;
  total: number;
  groups: Array<{
    key: string | null;
    label: string | null;
    subtotal: number;
    lines: Array<{ charge: ChargeModel; patient: PatientModel; fee: number; patientAmount: number }>;
  }>;
}

export async function buildInvoiceFor(
  ctx: GatewayContext,
  practiceId: string,
  patients: readonly PatientRecord[],
  groupBy: InvoiceGroupBy,
): Promise<InvoiceModel> {
  const withLedgers = await Promise.all(
    patients
      .filter((p) => !p.nonPatient)
      .map(async (patient) => {
        const key = { practiceId, id: patient.sourceId };
        const [charges, stageOf] = await Promise.all([
          ctx.loaders.charges.load(key),
          claimStages(ctx, practiceId, patient.sourceId),
        ]);
        return { patient, charges, stageOf };
      }),
  );
  const byCharge = new Map<string, { charge: ChargeRecord; patient: PatientRecord }>();
  const lines: InvoiceLine[] = [];
  for (const { patient, charges, stageOf } of withLedgers) {
    for (const charge of charges) {
      byCharge.set(`${patient.sourceId}\u0000${charge.sourceId}`, { charge, patient });
      lines.push({
        chargeSourceId: charge.sourceId,
        patientSourceId: patient.sourceId,
        providerSourceId: charge.providerSourceId,
        serviceDate: charge.serviceDate,
        patientAmount: chargePatientAmount(charge, stageOf),
        fee: charge.fee,
      });
    }
  }
  const invoice = buildItemizedInvoice(lines, groupBy);
  const patientNames = new Map(patients.map((p) => [p.sourceId, `${p.firstName} ${p.lastName}`]));
  const groups = await Promise.all(
    invoice.groups.map(async (group) => ({
      key: group.key,
      label: await groupLabel(ctx, practiceId, groupBy, group.key, patientNames),
      subtotal: group.subtotal,
      lines: group.lines.map((line) => {
        const found = byCharge.get(`${line.patientSourceId}\u0000${line.chargeSourceId}`)!;
        return {
          charge: { practiceId, record: found.charge },
          patient: { practiceId, record: found.patient },
          fee: line.fee,
          patientAmount: line.patientAmount,
        };
      }),
    })),
  );
  return { groupBy, total: invoice.total, groups };
}

async function groupLabel(
  ctx: GatewayContext,
  practiceId: string,
  groupBy: InvoiceGroupBy,
  key: string | null,
  patientNames: Map<string, string>,
): Promise<string | null> {
  if (key === null) return null;
  if (groupBy === 'PATIENT') return patientNames.get(key) ?? key;
  if (groupBy === 'PROVIDER') {
    const provider = await ctx.loaders.providers.load({ practiceId, id: key });
    return provider?.name ?? key;
  }
  return key;
}
