/**
 * Mapping shared by the three profiles: patients, references, dates and the adjudication codes.
 *
 *     mapPatient(patient, { guarantorSourceId: null, nonPatient: false })
 *     refId('Patient/12724066')                 // '12724066'
 *     serviceDate('2026-03-01T23:30:00-05:00')  // '2026-03-02' (the date part in UTC)
 */
import type { PatientRecord } from '../port';
import type { FhirPatient, FhirRelatedPerson } from './resources';

export const ADJUDICATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/adjudication';
export const C4BB_ADJUDICATION_SYSTEM = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication';

type Named = Pick<FhirPatient | FhirRelatedPerson, 'name'>;

/** `given[0]`/`family` of the `official` name, else of the first. */
export function nameOf(resource: Named): { firstName: string; lastName: string } {
  const names = resource.name ?? [];
  const name = names.find((n) => n.use === 'official') ?? names[0];
  return { firstName: name?.given?.[0] ?? '', lastName: name?.family ?? '' };
}

export function mapPatient(
  patient: FhirPatient,
  guarantor: { guarantorSourceId: string | null; nonPatient: boolean },
): PatientRecord {
  return {
    sourceId: patient.id,
    ...nameOf(patient),
    email: null,
    dateOfBirth: patient.birthDate ?? null,
    guarantorSourceId: guarantor.guarantorSourceId,
    nonPatient: guarantor.nonPatient,
    inactive: patient.active === false,
    departmentId: null,
    guarantorName: null,
  };
}

/** A guarantor who is not a patient, as the family's head. */
export function mapRelatedPersonGuarantor(person: FhirRelatedPerson, sourceId: string): PatientRecord {
  return {
    sourceId,
    ...nameOf(person),
    email: null,
    dateOfBirth: person.birthDate ?? null,
    guarantorSourceId: null,
    nonPatient: true,
    inactive: person.active === false,
    departmentId: null,
    guarantorName: null,
  };
}

/** The logical id of a reference (`Type/id`, or an absolute URL ending so); `null` when of another type. */
export function refId(reference: string | undefined, type?: string): string | null {
  if (!reference) return null;
  const parts = reference.split('/').filter(Boolean);
  // `.../Type/id/_history/n` → drop the history part
  const h = parts.indexOf('_history');
  const core = h >= 0 ? parts.slice(0, h) : parts;
  if (core.length < 2) return null;
  const [t, id] = core.slice(-2) as [string, string];
  if (type && t !== type) return null;
  return id;
}

/** The type of a reference (`RelatedPerson/x` → `RelatedPerson`). */
export function refType(reference: string | undefined): string | null {
  if (!reference) return null;
  const core = reference.split('/_history')[0]!.split('/').filter(Boolean);
  return core.length >= 2 ? core[core.length - 2]! : null;
}

/** The patient id in a port argument that may be typed (`Patient/x`) or plain (`x`). */
export function plainPatientId(id: string): string {
  return id.startsWith('Patient/') ? id.slice('Patient/'.length) : id;
}

/** The date part, in UTC, of a FHIR date or dateTime; `null` when absent or unreadable. */
export function serviceDate(value: string | undefined | null): string | null {
  if (!value) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  if (/^\d{4}-\d{2}$/.test(value) || /^\d{4}$/.test(value)) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString().slice(0, 10);
}

/**
 * A FHIR date or dateTime as an ISO date-time (the API's `DateTime`): a date alone is taken as its
 * midnight UTC; `null` when absent, partial (`2026-03`) or unreadable.
 */
export function toDateTime(value: string | undefined | null): string | null {
  if (!value) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${value}T00:00:00.000Z`;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** True when `period` covers `today` (`YYYY-MM-DD`); open ends cover everything. */
export function periodCovers(period: { start?: string; end?: string } | undefined, today: string): boolean {
  if (!period) return true;
  const start = serviceDate(period.start);
  const end = serviceDate(period.end);
  return (start === null || start <= today) && (end === null || end >= today);
}

/** The first coding code of a concept. */
export function firstCode(concept: { coding?: Array<{ code?: string }> } | undefined): string | null {
  return concept?.coding?.[0]?.code ?? null;
}

/** Whether a concept has `code` (in `system` when given). */
export function hasCode(
  concept: { coding?: Array<{ system?: string; code?: string }> } | undefined,
  code: string,
  system?: string,
): boolean {
  return (concept?.coding ?? []).some((c) => c.code === code && (system === undefined || c.system === system));
}
