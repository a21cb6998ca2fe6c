/**
 * Reads of the `epic` profile: Patient, and the patient's ExplanationOfBenefits of the last 24
 * months (each item a charge, each EOB a claim, each benefit an insurance payment). Public Epic FHIR
 * has no guarantor: every patient is her own (said in `Guarantor.unsupported`), and no patient
 * payments: the balance is an upper bound.
 *
 *     const reads = epicReads({ client, today: () => '2026-11-30' });
 *     await reads.chargesByPatient(['eJaneDoe0000000000000003'], scope);   // one EOB search
 */
import type { FamilyRecord, PatientRecord, RequestScope } from '../port';
import { searchAll } from './bundle';
import { type FhirClient, NOT_FOUND } from './client';
import { type MappedEobs, mapEob } from './mapping-claims';
import { mapPatient, plainPatientId } from './mapping-common';
import { eobSchema, parseResource, patientSchema } from './resources';
import { memoized } from './scope-memo';

/** How far back EOBs are read, in months (the adapter README's decision). */
export const EOB_LOOKBACK_MONTHS = 24;

/** `today` minus 24 months, `YYYY-MM-DD` (29 Feb → 28 Feb). */
export function eobSince(today: string): string {
  const [y, m, d] = today.split('-') as [string, string, string];
  const day = m === '02' && d === '29' ? '28' : d;
  return `${Number(y) - EOB_LOOKBACK_MONTHS / 12}-${m}-${day}`;
}

export const epicUrls = {
  patient: (id: string) => `Patient/${id}`,
  eobs: (pid: string, since: string) => `ExplanationOfBenefit?patient=${pid}&created=ge${since}`,
};

export function epicReads(deps: { client: FhirClient; today: () => string }) {
  const { client } = deps;

  function patientsById(ids: readonly string[], scope: RequestScope) {
    return memoized(scope, 'fhir:e:patient', ids, async (missing) =>
      missing.map(async (id) => {
        const p = await client.read(epicUrls.patient(id));
        return p === NOT_FOUND
          ? null
          : mapPatient(parseResource(patientSchema, p, 'Patient'), { guarantorSourceId: null, nonPatient: false });
      }),
    );
  }

  function ledgers(ids: readonly string[], scope: RequestScope) {
    return memoized(scope, 'fhir:e:ledger', ids.map(plainPatientId), async (missing) =>
      missing.map(async (id): Promise<MappedEobs> => {
        const found = await searchAll(client, epicUrls.eobs(id, eobSince(deps.today())));
        const out: MappedEobs = { charges: [], claims: [], insurancePayments: [] };
        for (const r of found.matches) {
          const m = mapEob(id, parseResource(eobSchema, r, 'ExplanationOfBenefit'));
          out.charges.push(...m.charges);
          out.claims.push(...m.claims);
          out.insurancePayments.push(...m.insurancePayments);
        }
        return out;
      }),
    );
  }

  const ledgerField =
    <T>(pick: (l: MappedEobs) => T) =>
    async (ids: readonly string[], scope: RequestScope): Promise<Array<T | Error>> =>
      (await ledgers(ids, scope)).map((l) => (l instanceof Error ? l : pick(l)));

  return {
    patients: (ids: readonly string[], scope: RequestScope): Promise<Array<PatientRecord | null | Error>> =>
      patientsById(ids.map(plainPatientId), scope),
    /** Every patient is her own guarantor on Epic (no guarantor in public FHIR): a family of one. */
    async families(ids: readonly string[], scope: RequestScope): Promise<Array<FamilyRecord | null | Error>> {
      const heads = await patientsById(ids.map(plainPatientId), scope);
      return heads.map((h) => (h instanceof Error || h === null ? h : { guarantor: h, dependents: [] }));
    },
    chargesByPatient: ledgerField((l) => l.charges),
    claimsByPatient: ledgerField((l) => l.claims),
    paymentsByPatient: ledgerField((l) => l.insurancePayments),
    adjustmentsByPatient: ledgerField(() => []),
  };
}
