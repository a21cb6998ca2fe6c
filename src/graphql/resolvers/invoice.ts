/**
 * The itemized invoice of one patient or of a guarantor's family: each charge with its patient
 * amount, grouped by patient, provider or service date. The grouping and the sums are the ledger's.
 */
import type { ChargeRecord, PatientRecord } from '../../adapters/ledger/port';
import { buildItemizedInvoice, type InvoiceGroupBy, type InvoiceLine } from '../../ledger/invoice';
import { chargePatientAmount, type ClaimStageLookup } from '../../ledger/patient-amount';
import type { GatewayContext } from '../context';
import type { ChargeModel, PatientModel } from '../models';
import { claimStages } from './ledger-access';
import { whenAllKnown, whenKnown, type MaybePromise } from '../maybe-promise';
import { loadNow } from '../settled-cache';

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

/**
 * The invoice of `patients`: a value when the request already holds their charges and claims and
 * every group label is known (`loadNow`, `providerNow`), else a promise of it.
 */
export function buildInvoiceFor(
  ctx: GatewayContext,
  practiceId: string,
  patients: readonly PatientRecord[],
  groupBy: InvoiceGroupBy,
): MaybePromise<InvoiceModel> {
  const ledgers = patients
    .filter((p) => !p.nonPatient)
    .map((patient) =>
      whenAllKnown(
        [
          loadNow(ctx.loaders.charges, { practiceId, id: patient.sourceId }),
          claimStages(ctx, practiceId, patient.sourceId),
        ] as const,
        ([charges, stageOf]): PatientLedger => ({ patient, charges, stageOf }),
      ),
    );
  return whenAllKnown(ledgers, (known) => invoiceOf(ctx, practiceId, patients, groupBy, known));
}

interface PatientLedger {
  patient: PatientRecord;
  charges: readonly ChargeRecord[];
  stageOf: ClaimStageLookup;
}

function invoiceOf(
  ctx: GatewayContext,
  practiceId: string,
  patients: readonly PatientRecord[],
  groupBy: InvoiceGroupBy,
  withLedgers: readonly PatientLedger[],
): MaybePromise<InvoiceModel> {
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
  const labels = invoice.groups.map((group) => groupLabel(ctx, practiceId, groupBy, group.key, patientNames));
  const assemble = (known: ReadonlyArray<string | null>): InvoiceModel => ({
    groupBy,
    total: invoice.total,
    groups: invoice.groups.map((group, i) => ({
      key: group.key,
      label: known[i]!,
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
  });
  return whenAllKnown(labels, assemble);
}

function groupLabel(
  ctx: GatewayContext,
  practiceId: string,
  groupBy: InvoiceGroupBy,
  key: string | null,
  patientNames: Map<string, string>,
): MaybePromise<string | null> {
  if (key === null) return null;
  if (groupBy === 'PATIENT') return patientNames.get(key) ?? key;
  if (groupBy === 'PROVIDER') return whenKnown(ctx.loaders.providerNow({ practiceId, id: key }), (p) => p?.name ?? key);
  return key;
}
