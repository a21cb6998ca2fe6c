/**
 * The LedgerAdapter's batch reads for athenahealth. The patient-centred ones (patients, families,
 * claims, charges, payments, adjustments, copays, collectible context) all stand on the reads of
 * `reads.ts`, each key of a batch failing alone; the others answer "nothing" because athenahealth
 * has no equivalent (no guarantor A/R or aging, no provider or procedure records, no payment or
 * adjustment types, no practice-wide patient listing).
 */
import {
  UpstreamError,
  type AdjustmentRecord,
  type AdjustmentTypeRecord,
  type BatchResult,
  type ChargeRecord,
  type ClaimRecord,
  type FamilyRecord,
  type GuarantorBalanceRecord,
  type InsuranceBalanceRecord,
  type Page,
  type PatientRecord,
  type PaymentRecord,
  type PaymentTypeRecord,
  type ProcedureRecord,
  type ProviderRecord,
} from '../port';
import type { AthenahealthAdapter, AthenahealthCollectibleContext } from './adapter';
import type { DepartmentsCache } from './departments';
import {
  currentDepartmentOf,
  isSelfGuarantor,
  mapClaims,
  mapPatient,
  mapSyntheticGuarantor,
  patientIdOfGuarantor,
} from './mapping';
import type { PatientReads } from './reads';
import type { WirePatient } from './schemas';

type PatientReadMethods = Pick<
  AthenahealthAdapter,
  | 'patients'
  | 'families'
  | 'chargesByPatient'
  | 'paymentsByPatient'
  | 'adjustmentsByPatient'
  | 'claimsByPatient'
  | 'copays'
  | 'collectibleContext'
>;

export function patientReadMethods(reads: PatientReads, departments: DepartmentsCache): PatientReadMethods {
  const { patientDetail, ledgerOf } = reads;
  return {
    patients(ids, scope) {
      return batch(ids, async (id) => {
        const p = await patientDetail(id, scope);
        return p ? mapPatient(p) : null;
      });
    },

    families(guarantorIds, scope) {
      return batch(guarantorIds, async (id): Promise<FamilyRecord | null> => {
        const dependentId = patientIdOfGuarantor(id);
        if (dependentId !== null) {
          const p = await patientDetail(dependentId, scope);
          if (!p || isSelfGuarantor(p)) return null;
          return { guarantor: mapSyntheticGuarantor(p), dependents: [mapPatient(p)] };
        }
        const p = await patientDetail(id, scope);
        if (!p || !isSelfGuarantor(p)) return null;
        return { guarantor: mapPatient(p), dependents: [] };
      });
    },

    chargesByPatient(patientIds, scope) {
      return batch(patientIds, async (id): Promise<ChargeRecord[]> => (await ledgerOf(id, scope))?.charges ?? []);
    },

    paymentsByPatient(patientIds, scope) {
      return batch(patientIds, async (id): Promise<PaymentRecord[]> => (await ledgerOf(id, scope))?.payments ?? []);
    },

    adjustmentsByPatient(patientIds, scope) {
      return batch(patientIds, async (id): Promise<AdjustmentRecord[]> => (await ledgerOf(id, scope))?.adjustments ?? []);
    },

    claimsByPatient(patientIds, scope) {
      return batch(patientIds, async (id): Promise<ClaimRecord[]> => {
        const p = await patientDetail(id, scope);
        if (!p) return [];
        return mapClaims(p, await collectibleContextOf(departments, p));
      });
    },

    copays(appointmentIds, scope) {
      return batch(appointmentIds, (id) => reads.appointmentCopay(id, scope));
    },

    async collectibleContext(patientId, scope) {
      const p = await patientDetail(patientId, scope);
      return p ? collectibleContextOf(departments, p) : null;
    },
  };
}

type AbsentReadMethods = Pick<
  AthenahealthAdapter,
  | 'listPatients'
  | 'guarantorBalances'
  | 'insuranceBalancesByGuarantor'
  | 'providers'
  | 'procedures'
  | 'cachedProvider'
  | 'cachedProcedure'
  | 'paymentTypes'
  | 'adjustmentTypes'
>;

/** What athenahealth has no equivalent for (see the capabilities): empty answers, no upstream call. */
export function absentReadMethods(): AbsentReadMethods {
  return {
    async listPatients(): Promise<Page<PatientRecord>> {
      // athenahealth has no practice-wide patient listing for this use (capability patientListing false).
      return { items: [], endCursor: null, hasNextPage: false };
    },

    guarantorBalances(guarantorIds): Promise<BatchResult<GuarantorBalanceRecord | null>> {
      return Promise.resolve(guarantorIds.map(() => null));
    },

    insuranceBalancesByGuarantor(guarantorIds): Promise<BatchResult<InsuranceBalanceRecord[]>> {
      return Promise.resolve(guarantorIds.map(() => []));
    },

    providers(ids): Promise<BatchResult<ProviderRecord | null>> {
      return Promise.resolve(ids.map(() => null));
    },

    procedures(ids): Promise<BatchResult<ProcedureRecord | null>> {
      return Promise.resolve(ids.map(() => null));
    },

    // athenahealth's ledger rows name no provider or procedure to read: known without a read.
    cachedProvider: () => null,
    cachedProcedure: () => null,

    async paymentTypes(): Promise<PaymentTypeRecord[]> {
      return [];
    },

    async adjustmentTypes(): Promise<AdjustmentTypeRecord[]> {
      return [];
    },
  };
}

/** The collectible-claim rule's inputs for a patient whose detail is at hand. */
async function collectibleContextOf(departments: DepartmentsCache, p: WirePatient): Promise<AthenahealthCollectibleContext> {
  const deps = await departments.get();
  const currentDepartmentId = currentDepartmentOf(p);
  const group =
    deps.enterprise && currentDepartmentId !== null
      ? (deps.list.find((d) => d.departmentid === currentDepartmentId)?.providergroupid ?? null)
      : null;
  return { enterprise: deps.enterprise, currentDepartmentId, collectibleProviderGroupId: group };
}

/** Run `one` for each key (the same key once), each key's failure its own. */
async function batch<T>(keys: readonly string[], one: (key: string) => Promise<T>): Promise<BatchResult<T>> {
  const byKey = new Map<string, Promise<T | Error>>();
  for (const key of keys) {
    if (!byKey.has(key))
      byKey.set(
        key,
        one(key).catch((err: unknown) => asError(err)),
      );
  }
  return Promise.all(keys.map((key) => byKey.get(key)!));
}

/** Every per-key failure is an UpstreamError (figures the ledger cannot read count as malformed). */
function asError(err: unknown): Error {
  if (err instanceof UpstreamError) return err;
  const kind = err instanceof Error ? err.name : 'failure';
  return new UpstreamError(`athenahealth: unreadable response (${kind})`, 'UPSTREAM_UNAVAILABLE');
}
