/**
 * Availity's JSON shapes: the Coverage resource (the POST's short answer and the GET's full one),
 * the ErrorResponse of a 400/401/403/404/415/429/5xx, and its timestamps.
 */
import { isoDay } from './clock';
import { COVERAGE_STATUS, wireDate } from './members';
import { AVAILITY_PAYER, type SimCoverage } from './sim';
import type { FieldError } from './validate';

/** Epoch ms → `2024-02-01T15:04:05.000+0000` (Availity's timestamp form). */
export function wireTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

const IN_FLIGHT = new Set(['0', 'R1']);

/** True while the payer has not answered: the POST answers 202 and clients keep polling. */
export const isInFlight = (coverage: SimCoverage): boolean => IN_FLIGHT.has(coverage.current.statusCode);

/** The fields every coverage answer has. */
function head(coverage: SimCoverage) {
  const { statusCode } = coverage.current;
  return {
    id: coverage.id,
    ...(coverage.customerId ? { customerId: coverage.customerId } : {}),
    controlNumber: coverage.controlNumber,
    statusCode,
    status: COVERAGE_STATUS[statusCode] ?? 'Unknown',
    createdDate: wireTimestamp(coverage.createdAt),
    updatedDate: wireTimestamp(coverage.updatedAt),
    expirationDate: wireTimestamp(coverage.expiresAt),
  };
}

/** The POST's answer: the short form while in flight (202), the full coverage once answered (200). */
export function postAnswerJson(coverage: SimCoverage): Record<string, unknown> {
  return isInFlight(coverage) ? head(coverage) : coverageJson(coverage);
}

/** The GET's answer (also the POST's once the payer answered). */
export function coverageJson(coverage: SimCoverage): Record<string, unknown> {
  const { form, member, subscriber, current } = coverage;
  const complete = current.statusCode === '4' || current.statusCode === '3';
  const holder = subscriber ?? member;
  return {
    ...head(coverage),
    asOfDate: wireDate(form.asOfDate ?? isoDay(coverage.createdAt)),
    serviceType: form.serviceTypes[0] ?? '30',
    payer: { payerId: form.payerId, name: AVAILITY_PAYER.name, responsePayerId: form.payerId },
    requestingProvider: { npi: form.providerNpi, ...(form.providerLastName ? { lastName: form.providerLastName } : {}) },
    subscriber: {
      memberId: form.memberId,
      ...(holder
        ? {
            firstName: holder.patient.firstName,
            lastName: holder.patient.lastName,
            birthDate: wireDate(holder.patient.birthDate),
          }
        : { lastName: form.patientLastName.toUpperCase() }),
    },
    patient: {
      firstName: member?.patient.firstName ?? form.patientFirstName?.toUpperCase() ?? '',
      lastName: member?.patient.lastName ?? form.patientLastName.toUpperCase(),
      birthDate: wireDate(member?.patient.birthDate ?? form.patientBirthDate),
      ...(member?.patient.gender ? { gender: member.patient.gender } : {}),
      subscriberRelationshipCode: member?.relationshipCode ?? form.subscriberRelationship ?? '18',
    },
    ...(complete ? { plans: current.plans ?? [] } : {}),
    ...(current.validationMessages ? { validationMessages: current.validationMessages } : {}),
  };
}

/** Availity's ErrorResponse. */
export function errorJson(status: number, userMessage: string, developerMessage: string, errors: FieldError[] = []) {
  return { statusCode: status, reasonCode: status, userMessage, developerMessage, errors };
}

/** The body of a forced status (fault rules). */
export function faultJson(status: number, text: string | null): Record<string, unknown> {
  if (status === 429) return errorJson(429, 'Too Many Requests', text ?? 'Rate limit exceeded');
  if (status === 503) return errorJson(503, 'Service Unavailable', text ?? 'The payer is not available');
  if (status >= 500) return errorJson(status, 'Internal Server Error', text ?? `Injected fault (${status})`);
  return errorJson(status, text ?? `Injected fault (${status})`, text ?? `Injected fault (${status})`);
}
