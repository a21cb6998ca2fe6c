/**
 * Building an eligibility inquiry from the patient's record, her coverage and the practice's
 * settings, pure: which coverage is asked about, the relationship's code, the request itself.
 *
 *     chooseCoverage(coverages, null)      // the primary: active, lowest `order` first
 *     relationshipOf('child')              // 'CHILD'
 *
 * The payer id comes from the ledger rule `payerIdFor` (`src/ledger/payer-id.ts`).
 */
import type { EligibilityRequest, SubscriberRelationship } from '../../adapters/coverage/port';
import type { CoverageRecord, IsoDate, PatientRecord } from '../../ledger/records';
import type { EligibilitySettings } from './types';

/** Service types asked about, in order: plan coverage, then the office visit. */
export const SERVICE_TYPE_CODES = ['30', '98'] as const;

/**
 * The coverage to ask about: `coverageId` when given (`undefined` when the patient has no such
 * coverage), else the primary — active coverages first, then by `order` (1 = primary; unknown
 * last), then as listed. `null` when the patient has none at all.
 */
export function chooseCoverage(
  coverages: readonly CoverageRecord[],
  coverageId: string | null,
): CoverageRecord | null | undefined {
  if (coverageId !== null) return coverages.find((c) => c.sourceId === coverageId);
  const ranked = coverages
    .map((c, index) => ({ c, index }))
    .sort(
      (a, b) =>
        Number(b.c.active) - Number(a.c.active) ||
        (a.c.order ?? Number.MAX_SAFE_INTEGER) - (b.c.order ?? Number.MAX_SAFE_INTEGER) ||
        a.index - b.index,
    );
  return ranked[0]?.c ?? null;
}

/** FHIR's subscriber-relationship code → the port's relationship; unknown → self (the spec's default). */
export function relationshipOf(code: string | null): SubscriberRelationship {
  switch ((code ?? 'self').toLowerCase()) {
    case 'spouse':
      return 'SPOUSE';
    case 'child':
      return 'CHILD';
    case 'self':
      return 'SELF';
    default:
      return 'OTHER';
  }
}

/** The inquiry for one patient, coverage and date (the caller checked the member id and birth date exist). */
export function eligibilityRequest(
  patient: PatientRecord & { dateOfBirth: IsoDate },
  coverage: CoverageRecord & { subscriberId: string },
  payerId: string,
  settings: EligibilitySettings,
  asOfDate: IsoDate,
): EligibilityRequest {
  return {
    payerId,
    provider: { npi: settings.providerNpi, name: settings.providerName },
    member: { memberId: coverage.subscriberId, groupNumber: coverage.group?.value ?? null },
    patient: { firstName: patient.firstName, lastName: patient.lastName, dateOfBirth: patient.dateOfBirth, gender: null },
    relationship: relationshipOf(coverage.relationship),
    asOfDate,
    serviceTypeCodes: [...SERVICE_TYPE_CODES],
  };
}
