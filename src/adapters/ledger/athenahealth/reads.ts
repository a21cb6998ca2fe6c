/**
 * The adapter's upstream reads by id. One patient call
 * (`GET /v1/{pid}/patients/{id}?showbalancedetails=true&showallclaims=true`) feeds the patient, her
 * claims and her ledger; an appointment call feeds a copay. With a `RequestScope` each call is made
 * once per GraphQL operation (memoized in `scope.memo`); without one every call fetches. A 404 is
 * `null`; reads share the adapter's concurrency limiter.
 */
import type { CopayRecord, RequestScope } from '../port';
import type { Limiter } from '../../http/limiter';
import { NOT_FOUND, type AthenaClient } from './client';
import { mapCopay, mapLedger, type PatientLedger } from './mapping';
import { parseResponse } from './parse-response';
import { appointmentResponseSchema, patientResponseSchema, type WirePatient } from './schemas';

const EP_PATIENT = '/v1/{practiceid}/patients/{patientid}';
const EP_APPOINTMENT = '/v1/{practiceid}/appointments/{appointmentid}';

export interface PatientReads {
  /** The patient's detail, once per scope (a scope-less call always fetches). */
  patientDetail(patientId: string, scope?: RequestScope): Promise<WirePatient | null>;
  /** The appointment's copay, once per scope. */
  appointmentCopay(appointmentId: string, scope?: RequestScope): Promise<CopayRecord | null>;
  /** The patient's charges, payments and adjustments, from her detail. */
  ledgerOf(patientId: string, scope?: RequestScope): Promise<PatientLedger | null>;
}

export function createPatientReads(client: AthenaClient, limit: Limiter, practiceId: string): PatientReads {
  async function fetchPatient(patientId: string): Promise<WirePatient | null> {
    const path = client.practiceUrl(`/patients/${encodeURIComponent(patientId)}?showbalancedetails=true&showallclaims=true`);
    const json = await limit(() => client.read(path, EP_PATIENT));
    if (json === NOT_FOUND) return null;
    const list = parseResponse(patientResponseSchema, json, 'GET', EP_PATIENT);
    return list[0] ?? null;
  }

  async function fetchAppointment(appointmentId: string): Promise<CopayRecord | null> {
    const path = client.practiceUrl(`/appointments/${encodeURIComponent(appointmentId)}?showcopay=true`);
    const json = await limit(() => client.read(path, EP_APPOINTMENT));
    if (json === NOT_FOUND) return null;
    const list = parseResponse(appointmentResponseSchema, json, 'GET', EP_APPOINTMENT);
    return list[0] ? mapCopay(list[0]) : null;
  }

  const reads: PatientReads = {
    patientDetail(patientId, scope) {
      if (!scope) return fetchPatient(patientId);
      return onceInScope(scope, `athenahealth:patient:${practiceId}:${patientId}`, () => fetchPatient(patientId));
    },
    appointmentCopay(appointmentId, scope) {
      if (!scope) return fetchAppointment(appointmentId);
      return onceInScope(scope, `athenahealth:appointment:${practiceId}:${appointmentId}`, () => fetchAppointment(appointmentId));
    },
    async ledgerOf(patientId, scope) {
      const p = await reads.patientDetail(patientId, scope);
      return p ? mapLedger(p) : null;
    },
  };
  return reads;
}

/** The scope's pending call for `key`, started by `fetch` the first time. */
function onceInScope<T>(scope: RequestScope, key: string, fetch: () => Promise<T>): Promise<T> {
  let pending = scope.memo.get(key) as Promise<T> | undefined;
  if (!pending) {
    pending = fetch();
    pending.catch(() => undefined); // observed by the callers; no unhandled rejection meanwhile
    scope.memo.set(key, pending);
  }
  return pending;
}
