/**
 * Building an eligibility inquiry from the patient's record, her coverage and the practice's
 * settings, pure: which coverage is asked about, which payer id it maps to, the relationship's code.
 * Every refusal here happens before any upstream call.
 *
 *     chooseCoverage(coverages, null)      // the primary: active, lowest `order` first
 *     payerIdFor(coverage, settings)       // by the payor reference, then its display
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

/** The clearinghouse's payer id for a coverage: by its payor reference first, then by its display. */
export function payerIdFor(coverage: CoverageRecord, payerIds: Readonly<Record<string, string>>): string | null {
  for (const name of [coverage.payerReference, coverage.payerName]) {
    if (name && Object.hasOwn(payerIds, name)) return payerIds[name]!;
  }
  return null;
}

/** The payer's name for a message: its display and reference, whichever exist. */
export function payerLabel(coverage: CoverageRecord): string {
  const parts = [coverage.payerName, coverage.payerReference].filter((p): p is string => !!p);
  return parts.length ? parts.map((p) => `"${p}"`).join(' / ') : '(a coverage without a payer)';
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
