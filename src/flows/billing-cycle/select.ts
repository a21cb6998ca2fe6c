/**
 * A cycle's candidates, read from the practice's ledger: every guarantor of the patient listing
 * (patients grouped by `guarantorSourceId`, a patient without one being her own), her contact (the
 * guarantor's record: from the listing, else the family read for a guarantor who is not a patient)
 * and her collectible balance — the ledger's own guarantor report where it has one
 * (`capabilities.guarantorAging`: the guarantor portion, from the practice-wide listing
 * `listGuarantorBalances` when the adapter has it, else per guarantor), else the sum of her
 * family's computed patient balances (a guarantor with no report: 0, not reminded). The rules deciding who is reminded are `selection.ts` (pure).
 */
import { type LedgerAdapter, scanPages } from '../../adapters/ledger/port';
import { claimStageLookup } from '../../ledger/patient-amount';
import { patientBalanceOfRecords } from '../../ledger/patient-balance';
import { sumCents } from '../../ledger/money';
import type { PatientRecord } from '../../ledger/records';
import type { Candidate } from './selection';

/** A batch answer's item, or its error thrown (a failed read fails the selection: it is retried whole). */
function itemOf<T>(value: T | Error): T {
  if (value instanceof Error) throw value;
  return value;
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Every guarantor's reported portion, by guarantor id, from the practice-wide listing. */
async function listReported(
  adapter: LedgerAdapter,
  options: { pageSize: number; signal?: AbortSignal },
): Promise<Map<string, number>> {
  const portions = new Map<string, number>();
  options.signal?.throwIfAborted();
  for await (const page of scanPages((args) => adapter.listGuarantorBalances!(args), { perPage: options.pageSize })) {
    options.signal?.throwIfAborted();
    for (const record of page.items) portions.set(record.guarantorSourceId, record.guarantorPortion);
  }
  return portions;
}

export async function readCandidates(
  adapter: LedgerAdapter,
  options: { pageSize: number; batchSize: number; signal?: AbortSignal },
): Promise<Candidate[]> {
  const patients: PatientRecord[] = [];
  options.signal?.throwIfAborted();
  // The shared scan (the next page asked while this one is taken; a next page without a new cursor
  // is the ledger's error, not the listing's end).
  for await (const page of scanPages((args) => adapter.listPatients(args), { perPage: options.pageSize })) {
    options.signal?.throwIfAborted();
    patients.push(...page.items);
  }
  const byId = new Map(patients.map((p) => [p.sourceId, p]));
  const families = new Map<string, PatientRecord[]>();
  for (const patient of patients) {
    const guarantorId = patient.guarantorSourceId ?? patient.sourceId;
    const members = families.get(guarantorId) ?? [];
    members.push(patient);
    families.set(guarantorId, members);
  }
  const guarantorIds = [...families.keys()].sort();
  // A guarantor who is not a patient is not in the listing: her record comes with her family.
  const missing = guarantorIds.filter((id) => !byId.has(id));
  for (const batch of chunks(missing, options.batchSize)) {
    const found = await adapter.families(batch);
    found.forEach((family) => {
      const record = itemOf(family);
      if (record) byId.set(record.guarantor.sourceId, record.guarantor);
    });
  }
  const amounts = new Map<string, number>();
  // The practice's own report where it has one: every guarantor's portion in a few pages.
  const reported =
    adapter.capabilities.guarantorAging && adapter.listGuarantorBalances ? await listReported(adapter, options) : null;
  for (const batch of chunks(guarantorIds, options.batchSize)) {
    options.signal?.throwIfAborted();
    if (reported) {
      for (const id of batch) amounts.set(id, reported.get(id) ?? 0);
    } else if (adapter.capabilities.guarantorAging) {
      const reports = await adapter.guarantorBalances(batch);
      for (const [i, id] of batch.entries()) amounts.set(id, itemOf(reports[i]!)?.guarantorPortion ?? 0);
    } else {
      const memberIds = batch.flatMap((id) => families.get(id)!.map((p) => p.sourceId));
      const [charges, payments, adjustments, claims] = await Promise.all([
        adapter.chargesByPatient(memberIds),
        adapter.paymentsByPatient(memberIds),
        adapter.adjustmentsByPatient(memberIds),
        adapter.claimsByPatient(memberIds),
      ]);
      const balanceOf = new Map(
        memberIds.map((id, i) => [
          id,
          patientBalanceOfRecords(
            { charges: itemOf(charges[i]!), payments: itemOf(payments[i]!), adjustments: itemOf(adjustments[i]!) },
            claimStageLookup(itemOf(claims[i]!)),
          ).total,
        ]),
      );
      for (const id of batch) amounts.set(id, sumCents(families.get(id)!.map((p) => balanceOf.get(p.sourceId) ?? 0)));
    }
  }
  return guarantorIds.map((guarantorId) => {
    const guarantor = byId.get(guarantorId);
    const members = families.get(guarantorId)!;
    // The payment is posted to the guarantor's own ledger when she is a patient, else a dependent's.
    const payer = guarantor && !guarantor.nonPatient ? guarantor : members[0]!;
    return {
      guarantorId,
      patientSourceId: payer.sourceId,
      amount: amounts.get(guarantorId) ?? 0,
      phone: guarantor?.phone ?? null,
      email: guarantor?.email ?? null,
    };
  });
}
